// Push on this device: asks the browser for a Push API subscription with the cabinet's VAPID key
// and hands it to the server. Shown only where the browser can do it.
(function () {
  var box = document.getElementById("push");
  var button = document.getElementById("push-on");
  var status = document.getElementById("push-status");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  button.hidden = false;
  function keyBytes(b64) {
    var padded = (b64 + "===".slice((b64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), function (c) { return c.charCodeAt(0); });
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : (match ? decodeURIComponent(match[1]) : "");
  }
  button.addEventListener("click", function () {
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error(status.dataset.denied || "denied");
      return navigator.serviceWorker.register("/sw.js", { scope: "/" });
    }).then(function (registration) {
      return registration.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.pushKey),
      });
    }).then(function (subscription) {
      return fetch(box.dataset.pushUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(subscription.toJSON()),
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("refused");
      window.location.reload();
    }).catch(function () {
      status.textContent = button.dataset.failed;
    });
  });
})();
