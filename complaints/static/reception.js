/* Reception pages, progressive enhancement only: every form also works without this file. */
(function () {
  "use strict";

  // Province → commune picker: reload the communes without a round trip of the whole form.
  var province = document.getElementById("province");
  var locality = document.getElementById("locality_code");
  if (province && locality && province.dataset.localitiesUrl) {
    document.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    province.addEventListener("change", function () {
      var url = province.dataset.localitiesUrl + "?province=" + encodeURIComponent(province.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (rows) {
          var first = locality.options[0];
          locality.innerHTML = "";
          if (first) { locality.appendChild(first); }
          rows.forEach(function (row) {
            var option = document.createElement("option");
            option.value = row.code;
            option.textContent = row.name;
            locality.appendChild(option);
          });
        });
    });
  }

  // "Add petitioner rows": clone the last row in place instead of submitting the form.
  var addRows = document.getElementById("add-rows");
  var rows = document.getElementById("petitioner-rows");
  if (addRows && rows) {
    addRows.addEventListener("click", function (event) {
      var last = rows.querySelector(".petitioner-row:last-of-type");
      if (!last) { return; }
      var index = parseInt(last.dataset.index, 10);
      var next = index + 1;
      // At the form's limit the server says so (nothing is cut silently): let it submit.
      var max = parseInt(rows.dataset.max || "0", 10);
      if (max && next >= max) { return; }
      event.preventDefault();
      var clone = last.cloneNode(true);
      clone.dataset.index = String(next);
      var pattern = new RegExp("petitioners-" + index + "-", "g");
      clone.querySelectorAll("[id],[name],[for],[aria-describedby]").forEach(function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(pattern, "petitioners-" + next + "-")); }
        });
        if (el.tagName === "INPUT") {
          if (el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
          el.classList.remove("is-invalid");
          el.removeAttribute("aria-invalid");
        }
      });
      clone.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
      var heading = clone.querySelector("h3");
      if (heading) { heading.textContent = heading.textContent.replace(/\d+/, String(next + 1)); }
      rows.appendChild(clone);
      var name = clone.querySelector("input[type=text]");
      if (name) { name.focus(); }
    });
  }

  // The receipt's print button.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
