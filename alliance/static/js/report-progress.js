// Follows a compile while the page is open: polls the report's status in the API (POLL_MS),
// moves the progress bar, and reloads the page when the compile is done or has failed so that the
// server shows the files or the reason. Without JavaScript the Refresh link does the same.
(function () {
  "use strict";
  var box = document.getElementById("report-state");
  if (!box) { return; }
  var bar = document.getElementById("report-progress");
  var status = document.getElementById("report-status");
  var url = box.getAttribute("data-status-url");
  var POLL_MS = 700;
  // The texts come from the page, translated there (data-queued, data-running, data-done, data-failed).
  function t(name) { return box.dataset[name] || ""; }

  function show(report) {
    bar.value = report.progress;
    bar.textContent = report.progress + "%";
    status.className = "badge report-" + report.status;
    status.textContent = report.status === "running" ? t("running").replace("{progress}", report.progress) : t(report.status);
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (report) {
        show(report);
        if (report.status === "done" || report.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(poll, POLL_MS);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, POLL_MS);
}());
