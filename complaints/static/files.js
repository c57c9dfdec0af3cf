/* File inputs marked `data-max-bytes` (per file) and `data-max-files` are checked in the
   browser as soon as files are chosen, and again on submit: a request larger than the
   server accepts never reaches it, so the petition typed on the page is not lost with it
   (the server refuses the same limits, and a too-large request with a page of its own).
   The message comes from `data-too-big` / `data-too-many`; it is shown under the input and
   announced, and the form is not sent until the files are changed. */
(function () {
  "use strict";

  function problem(input) {
    var maxBytes = parseInt(input.dataset.maxBytes || "0", 10);
    var maxFiles = parseInt(input.dataset.maxFiles || "0", 10);
    var files = input.files || [];
    if (maxFiles && files.length > maxFiles) { return input.dataset.tooMany || ""; }
    for (var i = 0; i < files.length; i++) {
      if (maxBytes && files[i].size > maxBytes) {
        return (input.dataset.tooBig || "").replace("%(name)s", files[i].name);
      }
    }
    return "";
  }

  function show(input) {
    var message = problem(input);
    var box = document.getElementById(input.id + "-client-error");
    if (!box) {
      box = document.createElement("div");
      box.id = input.id + "-client-error";
      box.className = "invalid-feedback d-block";
      box.setAttribute("role", "alert");
      box.setAttribute("data-testid", "file-too-big");
      input.insertAdjacentElement("afterend", box);
    }
    box.textContent = message;
    box.hidden = !message;
    input.classList.toggle("is-invalid", Boolean(message));
    return message;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input instanceof HTMLInputElement && input.type === "file" && input.dataset.maxBytes) {
      show(input);
    }
  });

  // Capture phase: before once.js marks the form as sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var inputs = form.querySelectorAll("input[type=file][data-max-bytes]");
    for (var i = 0; i < inputs.length; i++) {
      if (show(inputs[i])) {
        event.preventDefault();
        event.stopImmediatePropagation();
        inputs[i].focus();
        return;
      }
    }
  }, true);
})();
