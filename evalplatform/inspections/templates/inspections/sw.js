/* Inspection app service worker (scope: this engagement's /inspections/). The app page and its checklist
   JSON are network-first with the last good copy as fallback; static assets are cache-first. Writes (POST)
   are never intercepted: the page's IndexedDB queue owns them. */
"use strict";
var CACHE = "evalplatform-inspect-{{ engagement.id }}-v{{ version }}";
var PAGES = [{{ url_for('inspections.app_page', engagement_id=engagement.id)|tojson }},
             {{ url_for('inspections.app_data', engagement_id=engagement.id)|tojson }}];
var STATIC = [{% for asset in assets %}{{ url_for('static', filename=asset)|tojson }}{{ ", " if not loop.last }}{% endfor %}];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(PAGES.concat(STATIC).map(function (url) {
      return fetch(url, {credentials: "same-origin"}).then(function (r) { if (r.ok && !r.redirected) return cache.put(url, r); });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("evalplatform-inspect-{{ engagement.id }}-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function networkFirst(request, key) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(key).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PAGES.indexOf(url.pathname) >= 0) { event.respondWith(networkFirst(request, url.pathname)); return; }
  if (STATIC.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (hit) { return hit || networkFirst(request, url.pathname); }));
  }
});
