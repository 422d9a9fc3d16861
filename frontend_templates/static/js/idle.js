// A minute before the cabinet's idle timeout, say so; after it, the next action asks for the
// password again (the server enforces it; this only warns). "Stay signed in" counts as activity.
(function () {
  "use strict";
  const seconds = parseInt(document.body.dataset.idleSeconds || "0", 10);
  const banner = document.getElementById("idle-warning");
  if (!seconds || !banner) return;
  let timer = null;

  function arm() {
    banner.hidden = true;
    clearTimeout(timer);
    timer = setTimeout(function () { banner.hidden = false; }, Math.max(0, seconds - 60) * 1000);
  }

  const stay = banner.querySelector("button");
  if (stay) {
    stay.addEventListener("click", function () {
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Keepalive": "1" } })
        .finally(arm);
    });
  }
  arm();
})();
