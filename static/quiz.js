// The countdown display, keyboard shortcuts, and focus and announcements after htmx swaps. Nothing else: the
// server owns every deadline and grade, this file only shows the time the server gave and presses the buttons
// the page already has.
(function () {
  "use strict";

  // How far the browser's clock is from the server's, so a wrong local clock cannot change what is shown.
  let clockSkewMs = 0;
  let timer = null;
  let expiredFor = null;
  let warnedFor = null;
  const ONE_MINUTE = 60000;

  // -- the live region (base.html, outside every swapped part): what changed, said once

  function announce(text) {
    const region = document.getElementById("announcer");
    if (!region || !text) return;
    // Emptied first, so the same words twice in a row ("Saved") are read twice.
    region.textContent = "";
    window.setTimeout(function () {
      region.textContent = text;
    }, 50);
  }

  // -- the countdown: shown every second, announced only at one minute left and at time up

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
    const deadline = value.dataset.deadline;
    const left = Date.parse(deadline) - (Date.now() + clockSkewMs);
    if (left > 0) {
      value.textContent = formatClock(left);
      box.classList.toggle("is-low", left < 30000);
      if (left <= ONE_MINUTE && warnedFor !== deadline && left > ONE_MINUTE - 5000) {
        warnedFor = deadline;
        announce("One minute left.");
      }
      return;
    }
    value.textContent = "0:00";
    box.classList.add("is-over");
    box.querySelector(".countdown-label").textContent = "Over time";
    // Once per deadline, ask the server for the card again: it decides what time's up means.
    if (expiredFor !== deadline) {
      expiredFor = deadline;
      announce("Time is up.");
      const card = document.getElementById("question-card");
      if (window.htmx && card) {
        window.htmx.ajax("GET", card.dataset.step, { target: "#question-card", swap: "outerHTML" });
      }
    }
  }

  function startCountdown() {
    const value = document.querySelector(".countdown-value[data-deadline]");
    if (timer) clearInterval(timer);
    timer = null;
    if (!value) return;
    clockSkewMs = Date.parse(value.dataset.serverNow) - Date.now();
    const left = Date.parse(value.dataset.deadline) - (Date.now() + clockSkewMs);
    if (left <= ONE_MINUTE) warnedFor = value.dataset.deadline; // opened with less left: no late warning
    tick();
    timer = setInterval(tick, 250);
  }

  // -- keyboard shortcuts (off when the user turned them off on the account page)

  function isTyping(target) {
    if (target && target.type === "checkbox") return false; // a key point's tick: 1-4 still grade
    return target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.isContentEditable);
  }

  // Space and Enter on a focused control press that control, as everywhere else on the web.
  function ownsActivationKeys(target) {
    // Not headings focused by a swap (tabindex="-1"): from there Space still reveals.
    return (
      target &&
      target.closest &&
      target.closest('button, a[href], summary, select, input[type="checkbox"], [tabindex="0"]')
    );
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target)) {
      event.target.blur();
      return;
    }
    if (isTyping(event.target) || document.body.classList.contains("no-shortcuts")) return;
    if ((event.key === " " || event.key === "Enter") && ownsActivationKeys(event.target)) return;
    const card = document.getElementById("question-card");
    if (!card) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const button = card.querySelector(`button[data-key="${CSS.escape(key)}"]`);
    // htmx wires a swapped-in card's buttons only when it settles, a moment after the card is shown. A key
    // pressed in between would submit the form the old way (a full page load); wiring it now is harmless,
    // as htmx skips elements it has already processed.
    if (window.htmx && card.classList.contains("htmx-added")) window.htmx.process(card);
    if (button && !button.disabled) {
      event.preventDefault();
      button.click();
    }
  });

  // -- the key points' checklist after Reveal: the suggested grade follows the ticks as they change. The same
  // rule as InterviewItem.suggested_grade (cut-offs from the server in data-cutoffs); the server records the
  // ticks and its own suggestion when the grade is posted, with or without this.

  function suggestedGrade(checklist) {
    const boxes = checklist.querySelectorAll(".key-point-tick");
    const ticked = checklist.querySelectorAll(".key-point-tick:checked").length;
    const answer = document.getElementById("answer-text");
    if (!boxes.length || (!ticked && !(answer && answer.value.trim()))) return null;
    const share = (100 * ticked) / boxes.length;
    // After a hint the server caps the suggestion (data-grade-cap, quiz/models/hints.py): so does this.
    const cap = checklist.dataset.gradeCap;
    for (const cutoff of checklist.dataset.cutoffs.split(" ")) {
      const [percent, grade] = cutoff.split(":");
      if (share >= Number(percent)) return cap && Number(grade) > Number(cap) ? cap : grade;
    }
    return null;
  }

  document.addEventListener("change", function (event) {
    const checklist = event.target.closest && event.target.closest(".checklist[data-cutoffs]");
    const card = document.getElementById("question-card");
    if (!checklist || !card) return;
    const grade = suggestedGrade(checklist);
    for (const button of card.querySelectorAll("button[name=grade]")) {
      const suggested = button.value === grade;
      button.classList.toggle("is-suggested", suggested);
      button.querySelector(".badge-suggested").hidden = !suggested;
      if (suggested) announce(`Suggested grade: ${button.querySelector("strong").textContent}.`);
    }
  });

  // -- boxes that scroll sideways (long code lines, wide tables) are reachable and scrollable by keyboard

  const SCROLLERS = "pre, .table-scroll, .rendered table, .reference-answer table, .answer-diff, .chart, math";

  function markScrollRegions() {
    for (const box of document.querySelectorAll(SCROLLERS)) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrolls = "";
        if (box.tagName === "DIV" && !box.hasAttribute("role")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", box.dataset.label || "Scrolls sideways");
        }
      } else if (!scrolls && box.hasAttribute("data-scrolls")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scrolls");
      }
    }
  }

  // The practice heatmap runs oldest to newest: where it scrolls (a phone), open it on this week.
  for (const box of document.querySelectorAll(".chart")) {
    if (box.querySelector(".heatmap")) box.scrollLeft = box.scrollWidth;
  }

  let resizeQueued = false;
  window.addEventListener("resize", function () {
    if (resizeQueued) return;
    resizeQueued = true;
    window.requestAnimationFrame(function () {
      resizeQueued = false;
      markScrollRegions();
    });
  });

  // -- after an htmx swap: focus somewhere sensible (never <body>) and say what changed

  // The control a person pressed themselves (Tab then Space), not through a shortcut key.
  let pressedControlKey = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    pressedControlKey = elt && elt === document.activeElement && elt.dataset ? elt.dataset.key : null;
  });

  function focusable(element) {
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    return element;
  }

  function focusTarget(root) {
    // The same control when it survives the swap ("Mark for later" becomes "Unmark"), else the part's
    // chosen target (the reference answer, the next question), else its first heading, else the part itself.
    const same = pressedControlKey === "m" && root.querySelector('[data-key="m"]');
    if (same) return same;
    return root.querySelector("[data-focus-target]") || root.querySelector("h1, h2, h3, [role=heading]") || root;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    startCountdown();
    markScrollRegions();
    const target = event.detail.target;
    const root = (target && target.id && document.getElementById(target.id)) || event.target;
    if (!root || !document.contains(root)) return;
    const announcing = root.matches("[data-announce]") ? root : root.querySelector("[data-announce]");
    if (announcing) announce(announcing.dataset.announce);
    const active = document.activeElement;
    // Typing in the bank's search box swaps the results: the caret stays where it is.
    if (active && active !== document.body && document.contains(active)) return;
    // A part that follows a peer's actions (data-polled) moves focus only to what it marks: a new question.
    if (root.matches("[data-polled]") && !root.querySelector("[data-focus-target]")) return;
    focusable(focusTarget(root)).focus();
  });

  document.addEventListener("DOMContentLoaded", function () {
    startCountdown();
    markScrollRegions();
  });
  // -- a box with a length limit says so: counted near the limit, and at once when a paste did not fit

  const LIMIT_SHOWN_FROM = 0.9; // of the limit
  const pasteCut = new WeakMap(); // box -> characters of its last paste left out

  document.addEventListener("paste", function (event) {
    const box = event.target;
    if (!(box instanceof HTMLTextAreaElement) || !box.maxLength || box.maxLength < 0) return;
    const pasted = (event.clipboardData && event.clipboardData.getData("text")) || "";
    const room = box.maxLength - box.value.length + (box.selectionEnd - box.selectionStart);
    if (pasted.length > room) pasteCut.set(box, pasted.length - Math.max(room, 0));
  });

  document.addEventListener("input", function (event) {
    const box = event.target;
    const note = box instanceof HTMLTextAreaElement && document.querySelector(`[data-limit-for="${box.id}"]`);
    if (!note) return;
    const max = box.maxLength;
    const count = box.value.length;
    const cut = pasteCut.get(box);
    pasteCut.delete(box);
    const figures = (n) => n.toLocaleString("en");
    if (cut) {
      note.textContent = `Your paste was cut to fit: the box holds ${figures(max)} characters, so the last ${figures(cut)} were left out.`;
      announce(note.textContent);
    } else if (count >= max) {
      note.textContent = `The box is full: ${figures(max)} characters, the most it holds.`;
    } else {
      note.textContent = `${figures(count)} of ${figures(max)} characters`;
    }
    note.hidden = !cut && count < max * LIMIT_SHOWN_FROM;
    note.classList.toggle("is-over", Boolean(cut) || count >= max);
  });

  // -- parts that poll (a peer interview's screens): they send the ETag of what they show, and a 304 (nothing
  // changed) leaves them as they are, where htmx would otherwise swap in the empty body.

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 304) event.detail.shouldSwap = false;
  });

  // A "Copy" button (data-copy: the id of the field to copy), shown only where the clipboard can be written.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    if (!navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", function () {
      const field = document.getElementById(button.dataset.copy);
      navigator.clipboard.writeText(field.value).then(
        () => announce("Link copied."),
        () => {
          field.select();
          announce("Copying was refused: the link is selected, copy it with your keyboard.");
        },
      );
    });
  }

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
