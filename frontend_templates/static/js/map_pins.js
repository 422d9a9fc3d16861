// The staff map: a click on the plan opens a new place's form with the pin there; on a place's
// form, a click on the plan moves its pin (fills "across" and "down" in percent).
(function () {
  function percentAt(svg, event) {
    var box = svg.viewBox.baseVal;
    var point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    var clamp = function (v) { return Math.min(100, Math.max(0, v)).toFixed(2); };
    return { x: clamp((local.x / box.width) * 100), y: clamp((local.y / box.height) * 100) };
  }

  document.querySelectorAll("svg[data-place-url]").forEach(function (svg) {
    svg.addEventListener("click", function (event) {
      if (event.target.closest("a")) return; // a pin: its own link edits it
      var at = percentAt(svg, event);
      window.location.href = svg.dataset.placeUrl + "?x=" + at.x + "&y=" + at.y;
    });
  });

  document.querySelectorAll("svg[data-pick-for]").forEach(function (svg) {
    var form = document.getElementById(svg.dataset.pickFor);
    var marker = svg.querySelector("[data-pick-marker]");
    var scale = svg.dataset.pinScale || "1";
    function show() {
      var box = svg.viewBox.baseVal;
      var x = parseFloat(form.elements.x.value), y = parseFloat(form.elements.y.value);
      if (isNaN(x) || isNaN(y)) { marker.setAttribute("visibility", "hidden"); return; }
      marker.setAttribute("visibility", "visible");
      marker.setAttribute("transform", "translate(" + (x * box.width / 100) + " " + (y * box.height / 100) + ") scale(" + scale + ")");
    }
    svg.addEventListener("click", function (event) {
      var at = percentAt(svg, event);
      form.elements.x.value = at.x;
      form.elements.y.value = at.y;
      show();
    });
    form.elements.x.addEventListener("input", show);
    form.elements.y.addEventListener("input", show);
    show();
  });
})();
