// Warnings while typing a password: Caps Lock is on, or the keyboard is in the other layout
// (Cyrillic letters where most passwords are Latin). The password itself is never shown.
// It only warns: any characters are allowed in a password.
(function () {
  "use strict";
  const lang = document.documentElement.lang || "en";
  const text = {
    en: {
      caps: "Caps Lock is on.",
      cyrillic: "Your keyboard seems to be in the Cyrillic layout: is that what you meant to type?",
    },
    ru: {
      caps: "Включён Caps Lock.",
      cyrillic: "Похоже, включена русская раскладка: вы точно хотели ввести это?",
    },
  }[lang.slice(0, 2)] || null;
  const t = text || {
    caps: "Caps Lock is on.",
    cyrillic: "Your keyboard seems to be in the Cyrillic layout: is that what you meant to type?",
  };

  function update(input, event) {
    let box = document.querySelector('[data-warning-for="' + input.id + '"]');
    if (!box) {
      box = document.createElement("p");
      box.className = "field-warning";
      box.setAttribute("role", "status");
      box.dataset.warningFor = input.id;
      input.insertAdjacentElement("afterend", box);
    }
    const messages = [];
    if (event && event.getModifierState && event.getModifierState("CapsLock")) messages.push(t.caps);
    if (/[а-яё]/i.test(input.value)) messages.push(t.cyrillic);
    box.textContent = messages.join(" ");
    box.hidden = messages.length === 0;
  }

  document.querySelectorAll("input[type=password]").forEach(function (input) {
    ["keyup", "keydown", "input"].forEach(function (name) {
      input.addEventListener(name, function (event) { update(input, event); });
    });
  });
})();
