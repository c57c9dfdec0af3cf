/* "My reports": poll the status of queued and running report jobs, update their progress
   bars, and reload the page once one has finished (the page then shows its download link).
   Progressive enhancement only: without this file, reloading the page shows the same. */
(function () {
  "use strict";

  var rows = Array.prototype.slice.call(document.querySelectorAll(".js-report-job"));
  if (!rows.length || !window.fetch) { return; }
  var delay = 2000;

  function poll() {
    var pending = rows.map(function (row) {
      return fetch(row.dataset.statusUrl, { credentials: "same-origin",
                                            headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { return false; }
          var bar = row.querySelector("progress");
          if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
          row.querySelector(".js-progress").textContent = job.progress;
          row.querySelector(".js-stage").textContent = job.stage;
          row.querySelector(".js-status").textContent = job.status_label;
          return job.status === "done" || job.status === "failed";
        })
        .catch(function () { return false; });
    });
    Promise.all(pending).then(function (finished) {
      if (finished.some(Boolean)) { window.location.reload(); return; }
      delay = Math.min(delay * 1.5, 15000);
      window.setTimeout(poll, delay);
    });
  }
  window.setTimeout(poll, delay);
})();
