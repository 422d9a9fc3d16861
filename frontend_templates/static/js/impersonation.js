// The impersonation banner's countdown: minutes and seconds until the platform admin's visit
// ends (the server ends it; this only shows the time left), then a reload shows the sign-in.
(function () {
  "use strict";
  const banner = document.querySelector("[data-impersonation-ends]");
  if (!banner) return;
  const ends = parseInt(banner.dataset.impersonationEnds || "0", 10) * 1000;
  const label = banner.querySelector(".banner-countdown");
  if (!ends || !label) return;
  const text = label.dataset.leftText || "{time}";

  function tick() {
    const left = Math.max(0, Math.round((ends - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    label.textContent = text.replace("{time}", minutes + ":" + seconds);
    if (left === 0) {
      window.location.reload();
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
