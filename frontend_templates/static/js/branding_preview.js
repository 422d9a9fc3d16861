// The branding page's live preview: every change to the form is shown on the phone-sized
// preview at once (CSS custom properties set on it, never on the page), with the main colour's
// contrast against white and, when it falls short, a darker shade of it that passes AA.
(function () {
  "use strict";
  var form = document.getElementById("branding-form");
  var preview = document.getElementById("brand-preview");
  if (!form || !preview) { return; }
  var messages = document.getElementById("contrast-messages").dataset;
  var readout = document.getElementById("contrast-readout");
  var AA = 4.5;

  function channels(hex) {
    var v = hex.replace("#", "");
    return [0, 2, 4].map(function (i) { return parseInt(v.substr(i, 2), 16) / 255; });
  }
  function luminance(hex) {
    var c = channels(hex).map(function (x) { return x <= 0.04045 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function ratio(a, b) {
    var l = [luminance(a), luminance(b)].sort(function (x, y) { return y - x; });
    return (l[0] + 0.05) / (l[1] + 0.05);
  }
  function readableOn(hex) { return ratio(hex, "#ffffff") >= ratio(hex, "#14171a") ? "#ffffff" : "#14171a"; }
  function toHex(rgb) {
    return "#" + rgb.map(function (x) { return ("0" + Math.round(x * 255).toString(16)).slice(-2); }).join("");
  }
  function darkened(hex) {  // same hue and saturation, lightness down until AA against white
    var c = channels(hex), max = Math.max.apply(null, c), min = Math.min.apply(null, c);
    var l = (max + min) / 2, d = max - min, s = 0, h = 0;
    if (d) {
      s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
      h = max === c[0] ? (c[1] - c[2]) / d + (c[1] < c[2] ? 6 : 0) : max === c[1] ? (c[2] - c[0]) / d + 2 : (c[0] - c[1]) / d + 4;
      h /= 6;
    }
    function hue(p, q, t) {
      if (t < 0) { t += 1; } if (t > 1) { t -= 1; }
      if (t < 1 / 6) { return p + (q - p) * 6 * t; } if (t < 1 / 2) { return q; }
      if (t < 2 / 3) { return p + (q - p) * (2 / 3 - t) * 6; } return p;
    }
    while (l > 0) {
      l = Math.max(0, l - 0.01);
      var q = l < 0.5 ? l * (1 + s) : l + s - l * s, p = 2 * l - q;
      var candidate = toHex(s ? [hue(p, q, h + 1 / 3), hue(p, q, h), hue(p, q, h - 1 / 3)] : [l, l, l]);
      if (ratio(candidate, "#ffffff") >= AA) { return candidate; }
    }
    return "#000000";
  }

  function field(name) { return form.elements.namedItem(name); }
  function setText(name) {
    if (!field(name)) { return; } // the sign-up step has colours and a logo only
    var value = field(name).value;
    preview.querySelectorAll('[data-preview-text="' + name + '"]').forEach(function (node) {
      node.textContent = value;
      node.hidden = !value;
    });
    var mark = preview.querySelector("[data-preview-mark]");
    if (name === "display_name" && mark) { mark.textContent = value.charAt(0).toUpperCase(); }
  }
  function setColours() {
    var primary = field("primary_colour").value, accent = field("accent_colour").value;
    preview.style.setProperty("--brand-primary", primary);
    preview.style.setProperty("--brand-on-primary", readableOn(primary));
    preview.style.setProperty("--brand-accent", accent);
    preview.style.setProperty("--brand-on-accent", readableOn(accent));
    var r = ratio(primary, "#ffffff"), shown = r.toFixed(1);
    readout.replaceChildren();
    if (r >= AA) {
      readout.textContent = messages.pass.replace("{ratio}", shown);
      readout.className = "contrast-readout small contrast-pass";
    } else {
      var fix = darkened(primary);
      readout.className = "contrast-readout small contrast-fail";
      readout.append(messages.fail.replace("{ratio}", shown).replace("{fix}", fix) + " ");
      var use = document.createElement("button");
      use.type = "button";
      use.className = "button button-small button-outline";
      use.textContent = messages.use.replace("{colour}", fix);
      use.dataset.useColour = fix;
      readout.append(use);
    }
  }
  function setFont() {
    var chosen = form.querySelector('input[name="font"]:checked');
    if (!chosen) { return; }
    preview.style.setProperty("--brand-font", chosen.dataset.body);
    preview.style.setProperty("--brand-font-heading", chosen.dataset.heading);
  }
  function setPicture(name) {
    var input = field(name), file = input.files && input.files[0];
    if (!file) { return; }
    var url = URL.createObjectURL(file);
    if (name === "logo") {
      var logo = preview.querySelector("[data-preview-logo]");
      logo.src = url; logo.hidden = false;
      preview.querySelector("[data-preview-mark]").hidden = true;
    } else {
      var cover = preview.querySelector("[data-preview-cover]");
      cover.src = url; cover.hidden = false;
      preview.querySelector("[data-preview-hero]").classList.add("has-cover");
    }
  }

  form.addEventListener("input", function (event) {
    var name = event.target.name;
    if (name === "primary_colour" || name === "accent_colour") { setColours(); }
    else if (name === "font") { setFont(); }
    else if (name === "display_name" || name === "tagline" || name === "welcome_text") { setText(name); }
  });
  form.addEventListener("change", function (event) {
    if (event.target.name === "logo" || event.target.name === "cover") { setPicture(event.target.name); }
    if (event.target.name === "font") { setFont(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-use-colour]");
    if (!button) { return; }
    field("primary_colour").value = button.dataset.useColour;
    setColours();
  });
  ["display_name", "tagline", "welcome_text"].forEach(setText);
  setColours();
  setFont();
}());
