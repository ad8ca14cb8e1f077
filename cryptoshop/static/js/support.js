// A support ticket page, live: live.js refreshes the message list on `support:new_message`
// in this ticket's room (data-live-events on the list); after each refresh this file copies
// the ticket's status (the fragment ends with it, hidden) into the header badge and brings
// the newest message into view. Without JavaScript the reply form posts and the page reloads.
(function () {
  "use strict";

  var list = document.querySelector("[data-ticket-messages]");
  if (!list) return;
  list.addEventListener("live:updated", function () {
    var now = list.querySelector("[data-status-now]");
    var badge = document.querySelector("[data-ticket-status]");
    if (now && badge) badge.innerHTML = now.innerHTML;
    var latest = list.querySelector("[data-latest]");
    if (latest && latest.scrollIntoView) latest.scrollIntoView({ block: "nearest" });
  });
})();
