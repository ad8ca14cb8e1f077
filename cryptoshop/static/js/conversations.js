// A conversation page, live: live.js refreshes the message list on `message:new` in this
// thread's room (data-live-events on the list); this file only brings the newest message
// into view after each refresh. Without JavaScript the reply form posts and the page reloads.
(function () {
  "use strict";

  var list = document.querySelector("[data-thread-messages]");
  if (!list) return;
  list.addEventListener("live:updated", function () {
    var latest = list.querySelector("[data-latest]");
    if (latest && latest.scrollIntoView) latest.scrollIntoView({ block: "nearest" });
  });
})();
