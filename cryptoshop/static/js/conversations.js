// A conversation page, live: on `message:new` in this thread's room the message list is
// fetched again (the event carries no text) and swapped in. Progressive enhancement only:
// without JavaScript the reply form posts and the page reloads. Uses live.js's socket
// (window.CryptoShopLive.socket, or the `live:socket` event if this file runs first), which
// also joins the room named in data-live-rooms.
(function () {
  "use strict";

  var list = document.querySelector("[data-thread-messages]");
  if (!list || !window.fetch) return;
  var room = list.getAttribute("data-live-rooms");
  var url = list.getAttribute("data-live-refresh");
  var busy = false;
  var again = false;

  function showLatest() {
    var latest = list.querySelector("[data-latest]");
    if (latest && latest.scrollIntoView) latest.scrollIntoView({ block: "nearest" });
  }

  function reload() {
    if (busy) { again = true; return; }
    busy = true;
    window.fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Requested-With": "live", Accept: "text/html" },
    }).then(function (response) {
      if (!response.ok || new URL(response.url).origin !== window.location.origin) return null;
      return response.text();
    }).then(function (html) {
      if (html === null) return;
      list.innerHTML = html;
      showLatest();
      list.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
    }).catch(function () {
      // Offline: the next event (or a reload) catches up.
    }).then(function () {
      busy = false;
      if (again) { again = false; reload(); }
    });
  }

  function attach(socket) {
    socket.on("message:new", function (data) {
      if (data && data.room === room) reload();
    });
  }

  var live = window.CryptoShopLive;
  if (live && live.socket) attach(live.socket);
  else document.addEventListener("live:socket", function (event) { attach(event.detail); });
})();
