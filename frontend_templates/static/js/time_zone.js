// Preselect the browser's own time zone in a time-zone list, when the page has not chosen one.
(function () {
  "use strict";
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  document.querySelectorAll("select[data-browser-time-zone]").forEach(function (select) {
    if (select.value && select.value !== "UTC") return;
    if (Array.from(select.options).some(function (option) { return option.value === zone; })) {
      select.value = zone;
    }
  });
})();
