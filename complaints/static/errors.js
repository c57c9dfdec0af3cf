/* A refused form's error summary takes the focus, so that the refusal is what the reader
   sees and hears first, not the top of the page (ux.md, Forms; GOV.UK's error summary).
   A form sent from the middle of a long page (a case page's work note or file, the
   citizen's rating or second complaint) comes back at the address of its own section
   (#…-heading): that section's summary is focused (QA rounds 56, 63). A page that is one
   form comes back at no address: its summary, at the top, is focused (QA round 63).
   Without this file the summary is still there, above the form. */
(function () {
  "use strict";

  window.addEventListener("load", function () {
    var summary;
    if (location.hash) {
      var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      var section = target && target.closest("section");
      summary = section && section.querySelector('[data-testid="error-summary"]');
    } else {
      summary = document.querySelector('[data-testid="error-summary"]');
    }
    if (summary) {
      // At once: Bootstrap's smooth scrolling left a phone's summary below the fold
      // while it moved (QA round 63).
      summary.scrollIntoView({behavior: "instant", block: "start"});
      summary.focus({preventScroll: true});
    }
  });
}());
