// A support ticket page, live: on `support:new_message` in this ticket's room the message
// list is fetched again (the event carries no text) and swapped in. Progressive enhancement
// only: without JavaScript the reply form posts and the page reloads. Reuses live.js's one
// socket (window.CryptoShopLive.socket, or the `live:socket` event when it comes later);
// live.js also joins the room named in data-live-rooms.
(function () {
  "use strict";

  var list = document.querySelector("[data-ticket-messages]");
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
      // The fragment ends with the ticket's status now (hidden): show it in the header.
      var now = list.querySelector("[data-status-now]");
      var badge = document.querySelector("[data-ticket-status]");
      if (now && badge) badge.innerHTML = now.innerHTML;
      showLatest();
      list.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
    }).catch(function () {
      // Offline: the next event (or a reload) catches up.
    }).then(function () {
      busy = false;
      if (again) { again = false; reload(); }
    });
  }

  var attached = false;
  function attach(socket) {
    if (!socket || attached) return;
    attached = true;
    socket.on("support:new_message", function (data) {
      if (data && data.room === room) reload();
    });
  }

  attach(window.CryptoShopLive && window.CryptoShopLive.socket);
  document.addEventListener("live:socket", function (event) { attach(event.detail); });
})();
