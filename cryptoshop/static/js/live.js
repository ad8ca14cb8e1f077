// Live updates over Socket.IO — progressive enhancement only: every page works (and
// refreshes itself) without this file. Load after the vendored client:
//   <script src="{% static 'vendor/socket.io.min.js' %}" defer></script>
//   <script src="{% static 'js/live.js' %}" defer></script>
//
// <div data-live-rooms="order-o_… address-bcrt1…" data-live-refresh="/orders/o_…/status/">
//   …server-rendered fragment…
// </div>
// On a `transaction-event`, `notification`, `escrow:updated` or `order:updated` for one of its
// rooms the element's content is replaced by a fresh GET of data-live-refresh (same origin,
// with cookies). Optional: data-live-events="order:updated …" limits which events refresh
// it (and may name events beyond those four, e.g. "message:new"); after each refresh the
// element fires `live:updated`, where page scripts add their touches (scroll, badges); data-live-select="#id" takes that element's content out of the fetched page (so the
// page's own URL serves as its fragment); text typed into the element's fields survives a
// refresh. A page with [data-live-socket] (the header's notification bell) opens the socket
// even without such elements; others (static/js/notifications.js) reuse it through
// window.CryptoShopLive.socket or the `live:socket` event on document. Elements marked
// [data-live-indicator] show a small "Live" badge while the socket is connected and has
// joined at least one room; their data-live-state is offline | connected | live.
// See docs/realtime.md.
(function () {
  "use strict";

  // Loaded by base.html for logged-in pages and again by some pages: one socket per page.
  if (window.CryptoShopLive) return;
  window.CryptoShopLive = { socket: null };

  var targets = Array.prototype.slice.call(
    document.querySelectorAll("[data-live-rooms][data-live-refresh]"));
  // The events that refresh an element without data-live-events, plus any an element names.
  var EVENTS = ["transaction-event", "notification", "escrow:updated", "order:updated"];
  targets.forEach(function (el) {
    (el.getAttribute("data-live-events") || "").split(/\s+/).forEach(function (name) {
      if (name && EVENTS.indexOf(name) === -1) EVENTS.push(name);
    });
  });
  var wanted = targets.length || document.querySelector("[data-live-socket]");
  if (!wanted || typeof window.io !== "function" || !window.fetch) return;

  function roomsOf(el) {
    return (el.getAttribute("data-live-rooms") || "").split(/\s+/).filter(Boolean);
  }

  function allRooms() {
    var seen = {};
    var out = [];
    targets.forEach(function (el) {
      roomsOf(el).forEach(function (room) {
        if (!seen[room]) { seen[room] = true; out.push(room); }
      });
    });
    return out;
  }

  // --- the "Live" badge -------------------------------------------------------------------
  var state = "offline";

  function paintIndicator(el) {
    el.setAttribute("data-live-state", state);
    var badge = el.querySelector(".live-badge");
    if (state !== "live") {
      if (badge) badge.remove();
      return;
    }
    if (badge) return;
    badge = document.createElement("span");
    badge.className = "live-badge inline-flex items-center gap-1 text-xs text-muted-foreground";
    badge.title = "This part of the page updates by itself";
    var dot = document.createElement("span");
    dot.className = "inline-block size-2 rounded-full bg-green-600 motion-safe:animate-pulse";
    dot.setAttribute("aria-hidden", "true");
    badge.appendChild(dot);
    badge.appendChild(document.createTextNode("Live"));
    el.appendChild(badge);
  }

  function paintIndicators(root) {
    (root || document).querySelectorAll("[data-live-indicator]").forEach(paintIndicator);
  }

  // --- refreshing a fragment ----------------------------------------------------------------
  function refresh(el) {
    if (el.__liveBusy) { el.__liveAgain = true; return; }
    var url = el.getAttribute("data-live-refresh");
    if (!url) return;
    var target;
    try { target = new URL(url, window.location.href); } catch (e) { return; }
    if (target.origin !== window.location.origin) return; // same origin only
    el.__liveBusy = true;
    window.fetch(target.href, {
      credentials: "same-origin",
      cache: "no-store",
      redirect: "follow",
      headers: { "X-Requested-With": "live", Accept: "text/html" },
    }).then(function (response) {
      // A redirect elsewhere (e.g. to the login page) is not a fragment.
      if (!response.ok || new URL(response.url).origin !== window.location.origin) return null;
      return response.text();
    }).then(function (html) {
      if (html === null) return;
      var select = el.getAttribute("data-live-select");
      if (select) {
        var found = new DOMParser().parseFromString(html, "text/html").querySelector(select);
        if (!found) return;
        html = found.innerHTML;
      }
      var typed = typedValues(el);
      el.innerHTML = html;
      restoreTyped(el, typed);
      paintIndicators(el);
      el.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
    }).catch(function () {
      // Offline or the server hiccuped: the next event (or a reload) catches up.
    }).then(function () {
      el.__liveBusy = false;
      if (el.__liveAgain) { el.__liveAgain = false; refresh(el); }
    });
  }

  // Text being typed into a field of a refreshed element is put back (same form action and
  // field name), focus and caret included, so a live update never eats a half-written note.
  function fieldKey(field) {
    return (field.form ? field.form.getAttribute("action") || "" : "") + "|" + field.name;
  }

  function typedValues(el) {
    var out = {};
    el.querySelectorAll("input[name], textarea[name]").forEach(function (field) {
      if (field.type === "hidden" || field.type === "checkbox" || field.type === "radio") return;
      if (field.value === field.defaultValue) return;
      out[fieldKey(field)] = { value: field.value, focused: document.activeElement === field,
                               start: field.selectionStart, end: field.selectionEnd };
    });
    return out;
  }

  function restoreTyped(el, typed) {
    el.querySelectorAll("input[name], textarea[name]").forEach(function (field) {
      var saved = typed[fieldKey(field)];
      if (!saved) return;
      field.value = saved.value;
      if (saved.focused) {
        field.focus();
        try { field.setSelectionRange(saved.start, saved.end); } catch (e) { /* not text */ }
      }
    });
  }

  // A burst of events (a block confirming many payments) costs one fetch per element.
  function schedule(el) {
    if (el.__liveTimer) return;
    el.__liveTimer = window.setTimeout(function () {
      el.__liveTimer = null;
      refresh(el);
    }, 150);
  }

  function onEvent(name, data) {
    // The server adds the room an event was sent to as data.room.
    var room = data && typeof data.room === "string" ? data.room : null;
    targets.forEach(function (el) {
      var only = el.getAttribute("data-live-events");
      if (only && only.split(/\s+/).indexOf(name) === -1) return;
      if (!room || roomsOf(el).indexOf(room) !== -1) schedule(el);
    });
  }

  // --- the socket ------------------------------------------------------------------------
  var socket;
  try {
    socket = window.io({
      transports: ["websocket"],
      reconnectionAttempts: 30,
      reconnectionDelay: 2000,
      reconnectionDelayMax: 30000,
      timeout: 10000,
    });
  } catch (e) {
    return; // no live updates; the page still refreshes itself
  }
  // Shared with page scripts that follow events of their own (notifications.js,
  // conversations.js), so a page opens one socket.
  window.CryptoShopLive.socket = socket;
  document.dispatchEvent(new CustomEvent("live:socket", { detail: socket }));

  socket.on("connect", function () {
    state = "connected";
    paintIndicators();
    if (!allRooms().length) return; // the user room is joined on connect
    socket.emit("subscribe", { rooms: allRooms() }, function (ack) {
      if (!ack || !ack.joined) return;
      if (ack.joined.length && socket.connected) {
        state = "live";
        paintIndicators();
      }
      if (ack.refused && ack.refused.length && window.console) {
        console.debug("live: not allowed to follow", ack.refused);
      }
      // Events sent between rendering the page (or losing the connection) and joining the
      // rooms were missed: catch up once per element that follows a joined room.
      targets.forEach(function (el) {
        if (roomsOf(el).some(function (r) { return ack.joined.indexOf(r) !== -1; })) schedule(el);
      });
    });
  });
  socket.on("disconnect", function () {
    state = "offline";
    paintIndicators();
  });
  socket.on("connect_error", function () {
    // Silent: a proxy without WebSocket support, the server restarting, Tor circuits…
    // socket.io retries with backoff; meanwhile the page works as without JavaScript.
  });
  EVENTS.forEach(function (name) {
    socket.on(name, function (data) { onEvent(name, data); });
  });
})();
