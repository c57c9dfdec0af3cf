/* A form sent from the middle of a long page (a case page's work note or file) comes back,
   when refused, at the address of its own section (#…-heading). The section's error summary
   then takes the focus, so that the refusal is what the reader sees and hears first, not the
   top of the page (ux.md, Forms; QA round 56). Without this file the summary is still there,
   above the form. */
(function () {
  "use strict";

  window.addEventListener("load", function () {
    if (!location.hash) { return; }
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    var section = target && target.closest("section");
    var summary = section && section.querySelector('[data-testid="error-summary"]');
    if (summary) {
      summary.scrollIntoView();
      summary.focus();
    }
  });
}());
