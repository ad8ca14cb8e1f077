// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Everything below binds to elements under `root`; live.js swaps page fragments and
  // fires "live:updated", after which the new fragment is initialised the same way.
  function init(root) {
  // Copy buttons: <button data-copy="#target" hidden class="js-only">
  root.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (!target) return;
      var text = "value" in target && target.value ? target.value : target.textContent;
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text.trim()).then(done);
      } else if (target.select) {
        target.select();
        document.execCommand("copy");
        done();
      }
    });
  });

  // Checkout summary: the store's total as soon as a shipping option is picked (without
  // JavaScript it shows once the form is submitted).
  root.querySelectorAll("[data-live-total]").forEach(function (row) {
    var costs = JSON.parse(row.getAttribute("data-costs") || "{}");
    var itemsSat = parseInt(row.getAttribute("data-items-sat"), 10) || 0;
    var sats = function (n) { return n.toLocaleString("en-US") + " sats"; };
    var update = function () {
      var picked = document.querySelector(
        'input[name="' + row.getAttribute("data-field") + '"]:checked');
      if (!picked || !(picked.value in costs)) return;
      var shippingSat = costs[picked.value];
      row.querySelector("[data-total]").textContent = sats(itemsSat + shippingSat);
      var hint = row.querySelector("[data-hint]");
      if (hint) hint.textContent = "including " + sats(shippingSat) + " shipping";
    };
    document.querySelectorAll('input[name="' + row.getAttribute("data-field") + '"]')
      .forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  });

  root.querySelectorAll("[data-select-on-focus]").forEach(function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });

  // Countdowns: <strong data-countdown="ISO time">…</strong> (the server text says the same
  // thing in words; this only makes it tick).
  root.querySelectorAll("[data-countdown]").forEach(function (el) { countdowns.push(el); });
  }

  var countdowns = [];
  function tick() {
    countdowns = countdowns.filter(function (el) { return el.isConnected; });
    countdowns.forEach(function (el) {
        var left = Math.max(0, Math.round((Date.parse(el.getAttribute("data-countdown")) - Date.now()) / 1000));
        var m = Math.floor(left / 60), sec = left % 60;
        el.textContent = left > 0 ? m + ":" + (sec < 10 ? "0" : "") + sec : "no time (expired)";
    });
  }
  init(document);
  tick();
  setInterval(tick, 1000);
  document.addEventListener("live:updated", function (event) {
    init(event.target instanceof Element ? event.target : document);
    tick();
  });

  // Theme toggle: switch instantly without a reload; the cookie makes the server render
  // the same choice next time (no flash), and the no-JS form posts the same cookie.
  var order = ["system", "dark", "light"];
  document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var html = document.documentElement;
      var current = html.getAttribute("data-theme") || "system";
      var next = order[(order.indexOf(current) + 1) % order.length];
      html.setAttribute("data-theme", next);
      html.classList.remove("dark", "light");
      if (next !== "system") html.classList.add(next);
      document.cookie = "theme=" + next + "; path=/; max-age=31536000; samesite=lax" +
        (location.protocol === "https:" ? "; secure" : "");
      button.setAttribute("title", "Theme: " + next);
      button.setAttribute("aria-label", "Colour theme: " + next + ". Change it");
    });
  });
})();
