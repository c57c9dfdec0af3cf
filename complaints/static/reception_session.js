/* The reception-session form, progressive enhancement only: "add a petition" also works
   without this file (it submits the form and the server adds a row). */
(function () {
  "use strict";

  var add = document.getElementById("add-petition");
  var rows = document.getElementById("petition-rows");
  if (!add || !rows) { return; }
  add.addEventListener("click", function (event) {
    var all = rows.querySelectorAll(".petition-row");
    var last = all[all.length - 1];
    if (!last) { return; }
    event.preventDefault();
    var index = parseInt(last.dataset.index, 10);
    var next = index + 1;
    var clone = last.cloneNode(true);
    clone.dataset.index = String(next);
    clone.dataset.testid = "petition-row-" + next;
    clone.setAttribute("data-testid", "petition-row-" + next);
    var pattern = new RegExp("petitions-" + index + "-", "g");
    clone.querySelectorAll("[id],[name],[for],[aria-describedby]").forEach(function (el) {
      ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(pattern, "petitions-" + next + "-")); }
      });
      // A checkbox keeps its value ("y"): only its tick is cleared.
      if (el.type === "checkbox") { el.checked = false; }
      else if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") { el.value = ""; }
      if (el.tagName === "SELECT") { el.selectedIndex = 0; }
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
    });
    clone.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    var heading = clone.querySelector("h3");
    if (heading) { heading.textContent = heading.textContent.replace(/\d+/, String(next + 1)); }
    rows.appendChild(clone);
    var first = clone.querySelector("select, input");
    if (first) { first.focus(); }
  });
})();
