/* Forms marked `data-once` are sent once: after the first submit their submit buttons are
   disabled, so a double tap (or a second tap on a slow phone) posts one request, not two.
   A non-empty value of the attribute replaces the text of the button that sent the form
   while the next page loads ("Đang gửi…"). The buttons come back when the page is shown
   again from the browser's history, and when the sending is stopped (the browser's Stop
   button or Esc) where the browser tells it. Progressive enhancement only: without this
   file every form works as before (the server still refuses what it must). */
(function () {
  "use strict";

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.type === "submit" || el.type === "image";
    });
  }

  function unlock(form) {
    delete form.dataset.onceSent;
    form.removeAttribute("aria-busy");
    submitButtons(form).forEach(function (button) {
      button.disabled = false;
      if (button.dataset.onceText !== undefined) {
        button.textContent = button.dataset.onceText;
        delete button.dataset.onceText;
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once")) { return; }
    if (form.dataset.onceSent) { event.preventDefault(); return; }  // the second tap
    if (event.defaultPrevented) { return; }  // another script stopped this one: not sent
    form.dataset.onceSent = "1";
    form.setAttribute("aria-busy", "true");
    var sender = event.submitter;
    var busy = form.getAttribute("data-once");
    // After this event: a submitter disabled now would leave its name out of what is sent.
    window.setTimeout(function () {
      submitButtons(form).forEach(function (button) { button.disabled = true; });
      if (busy && sender && sender.tagName === "BUTTON") {
        sender.dataset.onceText = sender.textContent;
        sender.textContent = busy;
      }
    }, 0);
  });

  // Back (or forward) to a page kept in the browser's memory, or a browser that restores
  // the state of controls on reload: the form can be sent again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-once]").forEach(unlock);
  });

  // Stop pressed while the answer was awaited: the page stays, and its form must not stay
  // locked until a reload (QA 101 J7). The Navigation API reports that abort; a browser
  // without it keeps the old behaviour (reload to send again).
  if (window.navigation && window.navigation.addEventListener) {
    window.navigation.addEventListener("navigateerror", function () {
      document.querySelectorAll("form[data-once][data-once-sent]").forEach(unlock);
    });
  }
})();
