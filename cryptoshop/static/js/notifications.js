// The header's notification bell, live — progressive enhancement only: without this file
// the bell shows the count the server rendered, and /notifications/ works with forms.
// Reuses live.js's socket (window.CryptoShopLive.socket, or the `live:socket` event):
// - `notification` (to the user's room): the count goes up and a small toast shows the
//   title (an aria-live region, so screen readers hear it too);
// - `notification:read` {unread}: another page of this user marked notices read; the count
//   follows. On this page, submitting a "mark read" form clears the count at once.
(function () {
  "use strict";

  var bell = document.querySelector("[data-notify-badge]");
  if (!bell) return;
  var countEl = bell.querySelector("[data-notify-count]");
  var toasts = document.getElementById("notify-toast");
  var unread = parseInt(bell.getAttribute("data-unread") || "0", 10) || 0;
  var TOAST_MS = 6000;

  function paint() {
    bell.setAttribute("data-unread", String(unread));
    bell.setAttribute("aria-label", "Notifications, " + unread + " unread");
    if (!countEl) return;
    countEl.textContent = unread > 99 ? "99+" : String(unread);
    countEl.hidden = unread === 0;
  }

  function toast(data) {
    if (!toasts) return;
    var box = document.createElement("div");
    box.setAttribute("data-severity", String(data.severity || "info"));
    var title = document.createElement("p");
    title.className = "font-medium";
    title.textContent = String(data.title || data.message || "New notification");
    box.appendChild(title);
    if (data.message && data.message !== data.title) {
      var text = document.createElement("p");
      text.className = "text-muted-foreground";
      text.textContent = String(data.message);
      box.appendChild(text);
    }
    toasts.appendChild(box);
    while (toasts.children.length > 3) toasts.removeChild(toasts.firstChild);
    window.setTimeout(function () { if (box.parentNode) box.parentNode.removeChild(box); },
                      TOAST_MS);
  }

  function attach(socket) {
    if (!socket || socket.__notifyAttached) return;
    socket.__notifyAttached = true;
    socket.on("notification", function (data) {
      if (!data || typeof data !== "object") return;
      unread += 1;
      paint();
      toast(data);
    });
    socket.on("notification:read", function (data) {
      if (data && typeof data.unread === "number" && data.unread >= 0) {
        unread = data.unread;
        paint();
      }
    });
  }

  // Marking read on this page: the POST redirects back and the server renders the new
  // count; clearing now avoids a stale badge while the page loads.
  document.addEventListener("submit", function (event) {
    var button = event.submitter || (event.target && event.target.querySelector("[data-notify-read]"));
    if (!button || !button.hasAttribute || !button.hasAttribute("data-notify-read")) return;
    var all = (event.target.getAttribute("action") || "").indexOf("read-all") !== -1;
    unread = all ? 0 : Math.max(0, unread - 1);
    paint();
  });

  var live = window.CryptoShopLive;
  if (live && live.socket) attach(live.socket);
  document.addEventListener("live:socket", function (event) { attach(event.detail); });
})();
