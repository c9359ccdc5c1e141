// Django's admin, made to pass the same axe checks as the app. Deferred, so this load listener runs after
// SelectFilter2's, once the pickers exist.
window.addEventListener("load", function () {
  "use strict";
  // The two-box permission and group pickers give a plain <span> an aria-label, which ARIA does not allow
  // on an element without a role (axe aria-prohibited-attr): call the icon an image.
  for (const icon of document.querySelectorAll(".help-tooltip[aria-label]:not([role])")) {
    icon.setAttribute("role", "img");
  }
  // A box that scrolls sideways (a long code line, the history table on a phone) must take focus, so that a
  // keyboard can scroll it (axe scrollable-region-focusable).
  for (const box of document.querySelectorAll("pre, .history-scroll")) {
    if (box.scrollWidth > box.clientWidth + 1 && !box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
  }
});
