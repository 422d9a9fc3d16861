// Kabinet service worker: makes the cabinet installable, shows an offline page, and
// displays push notifications the cabinet sends.
const OFFLINE = "/offline/";
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open("kabinet-v1").then((cache) => cache.add(OFFLINE)));
  self.skipWaiting();
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  if (event.request.mode !== "navigate") return;
  event.respondWith(fetch(event.request).catch(() => caches.match(OFFLINE)));
});
self.addEventListener("push", (event) => {
  const data = event.data ? event.data.json() : {};
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "", data: { url: data.url || "/" }, icon: "/icons/192.png",
    // the same message sent again (after an interrupted attempt) replaces, not adds
    ...(data.tag ? { tag: data.tag } : {}),
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.url));
});
