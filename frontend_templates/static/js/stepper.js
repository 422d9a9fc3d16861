// Quantity steppers (_stepper.html): − and + change the number within its min and max and tell
// the form (an "input" event), so totals and HTMX forms follow.
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-stepper] button[data-step]");
    if (!button) return;
    var input = button.parentNode.querySelector("input[type=number]");
    if (!input || input.disabled) return;
    var min = input.min === "" ? -Infinity : Number(input.min);
    var max = input.max === "" ? Infinity : Number(input.max);
    var next = Math.min(max, Math.max(min, (Number(input.value) || 0) + Number(button.dataset.step)));
    if (String(next) === input.value) return;
    input.value = next;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });
})();
