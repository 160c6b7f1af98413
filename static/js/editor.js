// Autosave for progress updates: each update form is saved a moment after the person stops
// typing, when a field loses focus, and when the page is hidden, so closing the tab loses nothing.
// The server refuses a save made from a stale version (409) and the other person's version is
// shown; nothing is overwritten. Without JavaScript the Save buttons do the same job.
(function () {
  "use strict";
  var DELAY_MS = 1200;

  // The page's counters follow the saves: the card loses its "No update yet" badge and the
  // overall progress counts it.
  function markWritten(form) {
    var card = form.closest("article");
    var badge = card && card.querySelector(".badge.missing");
    if (!badge) { return; }
    badge.remove();
    var bar = document.getElementById("overall-progress");
    if (!bar) { return; }
    var total = Number(bar.max);
    var written = total - document.querySelectorAll("article .badge.missing").length;
    bar.value = written;
    bar.textContent = written + " of " + total;
    var label = document.querySelector("label[for='overall-progress']");
    if (label) { label.textContent = "Updates written: " + written + " of " + total; }
  }

  function setup(form) {
    var status = form.querySelector(".save-status");
    var conflictBox = form.querySelector(".conflict-live");
    var versionInput = form.querySelector("input[name$='-version']");
    var timer = null;
    var dirty = false;
    var saving = false;
    var stopped = false;

    function say(text) { if (status) { status.textContent = text; } }

    function showErrors(errors) {
      form.querySelectorAll(".autosave-error").forEach(function (el) { el.remove(); });
      Object.keys(errors).forEach(function (name) {
        var input = form.querySelector("[name$='-" + name + "']");
        var box = document.createElement("ul");
        box.className = "errorlist autosave-error";
        box.setAttribute("role", "alert");
        errors[name].forEach(function (message) {
          var li = document.createElement("li");
          li.textContent = message;
          box.appendChild(li);
        });
        if (input && input.parentNode) { input.parentNode.appendChild(box); } else { form.prepend(box); }
      });
    }

    function showConflict(conflict) {
      stopped = true;
      conflictBox.hidden = false;
      conflictBox.textContent = "";
      var p = document.createElement("p");
      p.textContent = conflict.message;
      conflictBox.appendChild(p);
      var dl = document.createElement("dl");
      Object.keys(conflict.values).forEach(function (label) {
        var dt = document.createElement("dt");
        dt.textContent = label;
        var dd = document.createElement("dd");
        dd.textContent = String(conflict.values[label]);
        dl.appendChild(dt);
        dl.appendChild(dd);
      });
      conflictBox.appendChild(dl);
      say("Not saved: someone else changed this update.");
    }

    function save(keepalive) {
      if (!dirty || saving || stopped) { return; }
      saving = true;
      dirty = false;
      say("Saving…");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
        credentials: "same-origin",
        keepalive: !!keepalive
      }).then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      }).then(function (result) {
        saving = false;
        if (result.status === 200) {
          versionInput.value = result.data.version;
          form.querySelectorAll(".autosave-error").forEach(function (el) { el.remove(); });
          markWritten(form);
          if (dirty) {
            // More was typed while this save was on its way: save that too, from the new version.
            say("Unsaved changes");
            save(false);
          } else {
            say("Saved at " + result.data.saved_at);
          }
        } else if (result.status === 409 && result.data.conflict) {
          showConflict(result.data.conflict);
        } else if (result.status === 400) {
          showErrors(result.data.errors || {});
          say("Not saved: check the highlighted fields.");
        } else {
          say(result.data.error || "Not saved.");
        }
      }).catch(function () {
        saving = false;
        dirty = true;
        say("Not saved: connection lost. Retrying…");
        schedule();
      });
    }

    function schedule() {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { save(false); }, DELAY_MS);
    }

    // The Save button saves through the same path, after any save already on its way, so that
    // an autosave set off by leaving the field never makes the button's save look stale.
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (stopped) { return; }
      if (timer) { clearTimeout(timer); }
      dirty = true;
      save(false);
    });
    form.addEventListener("input", function () { dirty = true; say("Unsaved changes"); schedule(); });
    form.addEventListener("change", function () { dirty = true; schedule(); });
    form.addEventListener("focusout", function () { if (dirty) { save(false); } });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && dirty) { save(true); }
    });
    form.dataset.autosaveReady = "true";
  }

  document.querySelectorAll("form[data-autosave]").forEach(setup);
})();
