// The console's only script (no framework): live regions that re-fetch their fragment every
// few seconds (short polling) unless the person is typing in them, deadline countdowns, and a
// reject button that asks for its note before the form goes to the server (which checks too).
(function () {
  "use strict";
  var SECONDS = 5;

  function refresh(region) {
    if (region.contains(document.activeElement)) return; // never pull a form from under someone
    fetch(region.getAttribute("data-live"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && html !== region.innerHTML) { region.innerHTML = html; } })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  function countdowns() {
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = (Date.parse(el.getAttribute("data-due")) - Date.now()) / 1000;
      var a = Math.abs(left), text = a >= 86400 ? (a / 86400).toFixed(1) + " d" : a >= 3600 ? (a / 3600).toFixed(1) + " h"
        : a >= 60 ? Math.round(a / 60) + " min" : Math.round(a) + " s";
      el.textContent = left < 0 ? text + " late" : "in " + text;
    });
  }

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest("button[data-needs-note]");
    if (!button) return;
    var note = document.getElementById(button.getAttribute("data-needs-note"));
    if (note && !note.value.trim()) {
      ev.preventDefault();
      note.setCustomValidity("A rejection needs a note 驳回需填写原因");
      note.reportValidity();
      note.addEventListener("input", function () { note.setCustomValidity(""); }, { once: true });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var regions = document.querySelectorAll("[data-live]");
    setInterval(function () { regions.forEach(refresh); countdowns(); }, SECONDS * 1000);
    countdowns();
  });
})();
