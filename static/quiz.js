// The countdown display and keyboard shortcuts. Nothing else: the server owns every deadline and grade,
// this file only shows the time the server gave and presses the buttons the page already has.
(function () {
  "use strict";

  // How far the browser's clock is from the server's, so a wrong local clock cannot change what is shown.
  let clockSkewMs = 0;
  let timer = null;
  let expiredFor = null;

  function formatClock(ms) {
    const total = Math.max(0, Math.round(ms / 1000));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = String(total % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
  }

  function tick() {
    const value = document.querySelector(".countdown-value[data-deadline]");
    if (!value) return;
    const box = value.closest(".countdown");
    const left = Date.parse(value.dataset.deadline) - (Date.now() + clockSkewMs);
    if (left > 0) {
      value.textContent = formatClock(left);
      box.classList.toggle("is-low", left < 30000);
      return;
    }
    value.textContent = "0:00";
    box.classList.add("is-over");
    box.querySelector(".countdown-label").textContent = "Over time";
    // Once per deadline, ask the server for the card again: it decides what time's up means.
    if (expiredFor !== value.dataset.deadline && window.htmx) {
      expiredFor = value.dataset.deadline;
      const card = document.getElementById("question-card");
      window.htmx.ajax("GET", card.dataset.step, { target: "#question-card", swap: "outerHTML" });
    }
  }

  function startCountdown() {
    const value = document.querySelector(".countdown-value[data-deadline]");
    if (timer) clearInterval(timer);
    timer = null;
    if (!value) return;
    clockSkewMs = Date.parse(value.dataset.serverNow) - Date.now();
    tick();
    timer = setInterval(tick, 250);
  }

  function isTyping(target) {
    return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target)) return;
    const card = document.getElementById("question-card");
    if (!card) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const button = card.querySelector(`button[data-key="${CSS.escape(key)}"]`);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  document.addEventListener("DOMContentLoaded", startCountdown);
  document.addEventListener("htmx:afterSettle", startCountdown);
  // An autosave the server refused (too long, or the question closed meanwhile) says why beside the box.
  document.addEventListener("htmx:responseError", function (event) {
    const status = document.getElementById("save-status");
    if (status && event.detail.elt && event.detail.elt.id === "answer-text") {
      status.textContent = event.detail.xhr.responseText;
    }
  });
  // Keep the typed answer's autosave status honest when the network fails.
  document.addEventListener("htmx:sendError", function () {
    const status = document.getElementById("save-status");
    if (status) status.textContent = "Offline: not saved yet";
  });
})();
