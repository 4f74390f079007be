// The page's offline copy: its own files, so that it reloads without a connection and shows
// the drafts kept on this device. Network first (a deployment shows at once when online), the
// copy only when the network fails. Only GET requests for files in this folder are answered
// here: the API (/api/…, outside the scope) always goes to the network, never to this copy.
// A new VERSION drops the copies of older ones.

const VERSION = 1;
const PREFIX = "facilitator-page-";
const CACHE = `${PREFIX}v${VERSION}`;
// Every file the page is made of (a test checks this list against the folder).
const FILES = [
  "./",
  "index.html",
  "style.css",
  "js/api.js",
  "js/drafts.js",
  "js/editor.js",
  "js/i18n.js",
  "js/main.js",
  "i18n/en.json",
  "i18n/fr.json",
];
const SCOPE = self.registration.scope;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(PREFIX) && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method === "GET" && request.url.startsWith(SCOPE)) {
    event.respondWith(networkFirst(event));
  }
});

async function networkFirst(event) {
  const { request } = event;
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      event.waitUntil(cache.put(request, response.clone()));
    }
    return response;
  } catch (offline) {
    // The page's address may carry a query (?lang=fr): the same file either way.
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) {
      return kept;
    }
    throw offline;
  }
}
