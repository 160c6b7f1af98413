// The progress-update editor: what the person types is kept in this browser until the server
// confirms it, and sent a moment after they stop typing, when they leave the form, when they
// press Save and when the page is hidden.
//
// - One save in flight per update at a time; whatever was typed meanwhile is sent when it is
//   answered, so the latest content always goes last and a Save press is never dropped.
// - Each save carries an id (Idempotency-Key). The ids this browser sent are remembered, so a
//   save of this browser's (sent as a page closed, or answered after a reload) is recognised
//   and built on, never shown as someone else's conflict. Real conflicts show the other version.
// - A draft the server has not confirmed is put back after a reload (at once if nobody saved
//   since; offered otherwise).
// - When the session ends, the page says so, keeps everything, lets the person sign in again in
//   another tab, then sends what it kept with a new CSRF token.
// Without JavaScript the Save buttons post the same forms.
(function () {
  "use strict";
  var DELAY_MS = 1200;
  var POLL_MS = 3000;
  var MAX_BACKOFF_MS = 30000;
  var DRAFT_DAYS = 30;
  var REMEMBERED_SAVES = 40;

  var root = document.getElementById("editor");
  if (!root) { return; }
  var USER = root.dataset.user;
  var SESSION_URL = root.dataset.sessionUrl;
  var banner = document.getElementById("session-lost");
  var bannerText = banner && banner.querySelector("[data-session-text]");
  var editors = [];
  var signedOut = false;
  var pollTimer = null;

  function t(name) { return root.dataset[name] || ""; }

  // --- Storage in this browser (absent or full storage only loses the local copy) ------------
  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or off */ }
  }
  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* storage off */ }
  }
  function purgeOldDrafts() {
    var limit = Date.now() - DRAFT_DAYS * 86400000;
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf("alliance-draft:") === 0) {
          var draft = load(key);
          if (!draft || !draft.at || draft.at < limit) { forget(key); }
        }
      }
    } catch (e) { /* storage off */ }
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function setCsrf(token) {
    document.querySelectorAll("input[name='csrfmiddlewaretoken']").forEach(function (input) {
      input.value = token;
    });
  }

  // --- The session ---------------------------------------------------------------------------
  function showSignedOut(message) {
    if (!banner) { return; }
    bannerText.textContent = message || t("signedOut");
    banner.hidden = false;
  }

  function checkSession() {
    return fetch(SESSION_URL, {
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (data.ready && String(data.user) === USER) {
        setCsrf(data.csrf_token);
        return true;
      }
      if (data.ready) { showSignedOut(t("otherUser")); }
      return false;
    }).catch(function () { return false; });
  }

  function resumeAfterSignIn() {
    signedOut = false;
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (banner) { banner.hidden = true; }
    editors.forEach(function (editor) { editor.resume(); });
  }

  function poll() {
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
    if (!signedOut) { return; }
    checkSession().then(function (ok) {
      if (ok) { resumeAfterSignIn(); return; }
      pollTimer = setTimeout(poll, POLL_MS);
    });
  }

  function sessionEnded() {
    if (!signedOut) {
      signedOut = true;
      showSignedOut();
    }
    poll();
  }

  window.addEventListener("focus", function () { if (signedOut) { poll(); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && signedOut) { poll(); }
  });
  if (banner) {
    var check = banner.querySelector("[data-session-check]");
    if (check) { check.addEventListener("click", function () { poll(); }); }
  }

  // --- The page's counters follow the saves ----------------------------------------------------
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
    bar.textContent = written + " / " + total;
    var label = document.querySelector("label[for='overall-progress']");
    if (label && label.dataset.template) {
      label.textContent = label.dataset.template.replace("{written}", written).replace("{total}", total);
    }
  }

  // --- One update's form -------------------------------------------------------------------------
  function Editor(form) {
    var status = form.querySelector(".save-status");
    var conflictBox = form.querySelector(".conflict-live");
    var restoredBox = form.querySelector(".restored");
    var versionInput = form.querySelector("input[name$='-version']");
    var draftKey = "alliance-draft:" + USER + ":" + form.dataset.draftKey;
    var savesKey = "alliance-saves:" + USER + ":" + form.dataset.draftKey;
    var timer = null;
    var dirty = false;      // typed since the last save was sent
    var inFlight = false;   // a save is on its way
    var stopped = false;    // a real conflict or a locked report: nothing more is sent
    var invalid = false;    // the last answer refused the content (until the next save lands)
    var failures = 0;       // network failures in a row (for the back-off)
    var rebases = 0;        // own saves built on in a row (a guard against a loop)
    var waiters = [];       // callbacks for "everything typed is saved"

    function say(text, isError) {
      if (!status) { return; }
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    }

    function values() {
      var result = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden" || el.type === "file" || el.type === "submit" || el.type === "button") {
          return;
        }
        result.push([el.name, el.type === "checkbox" ? (el.checked ? "on" : "") : el.value]);
      });
      return result;
    }

    function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

    function apply(saved) {
      saved.forEach(function (pair) {
        var el = form.elements.namedItem(pair[0]);
        if (!el || el.type === "hidden") { return; }
        if (el.type === "checkbox") { el.checked = pair[1] === "on"; } else { el.value = pair[1]; }
      });
    }

    function keep() {
      store(draftKey, { base: Number(versionInput.value), values: values(), at: Date.now() });
    }

    function sentIds() { return load(savesKey) || []; }

    function remember(id) {
      var ids = sentIds();
      ids.push(id);
      store(savesKey, ids.slice(-REMEMBERED_SAVES));
    }

    function isOwn(saveId) { return !!saveId && sentIds().indexOf(saveId) !== -1; }

    function clearErrors() {
      form.querySelectorAll(".error-message, .autosave-error").forEach(function (el) { el.remove(); });
      form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      form.querySelectorAll("[aria-invalid]").forEach(function (input) {
        input.removeAttribute("aria-invalid");
        var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
          return id && id !== input.id + "_error";
        });
        if (described.length) {
          input.setAttribute("aria-describedby", described.join(" "));
        } else {
          input.removeAttribute("aria-describedby");
        }
      });
    }

    function showErrors(errors) {
      clearErrors();
      var first = null;
      Object.keys(errors).forEach(function (name) {
        var input = form.elements.namedItem(name);
        var message = document.createElement("p");
        message.className = "error-message autosave-error";
        errors[name].forEach(function (text, index) {
          if (index) { message.appendChild(document.createElement("br")); }
          var hidden = document.createElement("span");
          hidden.className = "visually-hidden";
          hidden.textContent = t("errorPrefix") + " ";
          message.appendChild(hidden);
          message.appendChild(document.createTextNode(text));
        });
        if (input && input.id) {
          message.id = input.id + "_error";
          var field = input.closest(".field");
          if (field) {
            field.classList.add("has-error");
            if (input.type === "checkbox") { field.appendChild(message); } else { field.insertBefore(message, input); }
          } else {
            input.parentNode.insertBefore(message, input);
          }
          input.setAttribute("aria-invalid", "true");
          var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          described.push(message.id);
          input.setAttribute("aria-describedby", described.join(" "));
          first = first || input;
        } else {
          form.insertBefore(message, form.firstChild);
        }
      });
      return first;
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
      say(t("conflict"), true);
    }

    function settle() {
      if (inFlight || (dirty && !stopped && !signedOut)) { return; }
      var done = waiters;
      waiters = [];
      var saved = !dirty && !stopped && !invalid;
      done.forEach(function (callback) { callback(saved); });
    }

    function schedule(delay) {
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(function () { timer = null; flush(); }, delay === undefined ? DELAY_MS : delay);
    }

    function flush() {
      if (!dirty || stopped || signedOut) { settle(); return; }
      if (inFlight) { return; }  // sent when the save on its way is answered
      send(false);
    }

    function send(keepalive) {
      if (timer) { clearTimeout(timer); timer = null; }
      inFlight = true;
      dirty = false;
      var sentValues = values();
      var id = newId();
      remember(id);
      keep();
      say(t("saving"));
      var request;
      try {
        request = fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "fetch", "Accept": "application/json", "Idempotency-Key": id },
          credentials: "same-origin",
          keepalive: !!keepalive
        });
      } catch (e) {
        request = Promise.reject(e);
      }
      request.then(function (response) {
        return response.json().then(
          function (data) { return { status: response.status, data: data }; },
          function () { return { status: response.status, data: {} }; }
        );
      }).then(function (result) {
        answered(result, sentValues);
      }, function () {
        inFlight = false;
        dirty = true;
        failures += 1;
        var wait = Math.min(MAX_BACKOFF_MS, 1500 * Math.pow(2, failures - 1));
        say(t("offline").replace("{seconds}", Math.round(wait / 1000)), true);
        schedule(wait);
      });
    }

    function answered(result, sentValues) {
      inFlight = false;
      var data = result.data || {};
      invalid = false;
      if (result.status === 200) {
        failures = 0;
        rebases = 0;
        versionInput.value = data.version;
        clearErrors();
        markWritten(form);
        if (!dirty && same(values(), sentValues)) {
          forget(draftKey);
          say(t("saved").replace("{time}", data.saved_at));
        } else {
          keep();  // the new version is the base of what was typed meanwhile
          say(t("unsaved"));
        }
      } else if (result.status === 409 && data.conflict) {
        if (isOwn(data.conflict.save_id) && rebases < 3) {
          // The current version is a save of this browser's (sent as a page closed, or a retry):
          // what is in the form now is newer; build on it.
          rebases += 1;
          versionInput.value = data.conflict.version;
          dirty = true;
        } else {
          keep();
          showConflict(data.conflict);
        }
      } else if (result.status === 400) {
        failures = 0;
        invalid = true;
        var first = showErrors(data.errors || {});
        say(t("invalid"), true);
        if (first && form.dataset.explicit === "true" && !dirty) { first.focus(); }
      } else if (result.status === 401 || (result.status === 403 && data.code === "second_factor")) {
        dirty = true;
        say(t("keptSignedOut"), true);
        sessionEnded();
      } else if (result.status === 403 && data.code === "csrf") {
        dirty = true;
        checkSession().then(function (ok) { if (ok) { flush(); } else { sessionEnded(); } });
        return;
      } else if (result.status === 409 || result.status === 403 || result.status === 404) {
        stopped = true;
        keep();
        say(data.error || data.detail || t("refused"), true);
      } else {
        dirty = true;
        failures += 1;
        var wait = Math.min(MAX_BACKOFF_MS, 1500 * Math.pow(2, failures - 1));
        say(t("serverError").replace("{seconds}", Math.round(wait / 1000)), true);
        schedule(wait);
        return;
      }
      form.dataset.explicit = "false";
      if (dirty && !stopped && !signedOut) { send(false); } else { settle(); }
    }

    function changed() {
      dirty = true;
      keep();
      say(t("unsaved"));
      schedule();
    }

    function restore() {
      var draft = load(draftKey);
      if (!draft || !draft.values) { return; }
      if (same(draft.values, values())) { forget(draftKey); return; }
      var serverVersion = Number(versionInput.value);
      if (draft.base === serverVersion || isOwn(form.dataset.saveId)) {
        // Nobody else saved since this draft was typed here: it is the latest text.
        apply(draft.values);
        restoredBox.hidden = false;
        restoredBox.querySelector("[data-restored-text]").textContent = t("restored");
        restoredBox.querySelector(".actions").hidden = true;
        changed();
        return;
      }
      // Someone else saved since: offer the text back rather than overwrite theirs.
      restoredBox.hidden = false;
      restoredBox.querySelector("[data-restored-text]").textContent =
        t("offered").replace("{time}", clock(new Date(draft.at)));
      restoredBox.querySelector("[data-restore-use]").addEventListener("click", function () {
        apply(draft.values);
        restoredBox.hidden = true;
        changed();
      });
      restoredBox.querySelector("[data-restore-discard]").addEventListener("click", function () {
        forget(draftKey);
        restoredBox.hidden = true;
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (stopped) { return; }
      form.dataset.explicit = "true";
      dirty = true;
      keep();
      flush();
    });
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("focusout", function (event) {
      if (dirty && !(event.relatedTarget && form.contains(event.relatedTarget))) { flush(); }
    });
    function leaving() {
      if (!dirty) { return; }
      keep();
      if (!inFlight && !stopped && !signedOut) { send(true); }
    }
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { leaving(); }
    });
    window.addEventListener("pagehide", leaving);

    restore();
    form.dataset.autosaveReady = "true";

    return {
      resume: function () {
        if (stopped) { return; }
        if (dirty) { flush(); }
      },
      // Calls back once everything typed is saved (true), or at once with false when it cannot be.
      whenSaved: function (callback) {
        if (stopped || signedOut) { callback(false); return; }
        if (!dirty && !inFlight) { callback(!invalid); return; }
        waiters.push(callback);
        flush();
      },
      // Nothing typed is waiting to be sent or answered (and the last answer accepted it).
      idle: function () { return !dirty && !inFlight && !invalid && !stopped; }
    };
  }

  purgeOldDrafts();
  document.querySelectorAll("form[data-autosave]").forEach(function (form) { editors.push(Editor(form)); });

  // Submitting the report waits for every save on its way, so the report holds the last words.
  var submitForm = document.querySelector("form.submit-bar");
  if (submitForm) {
    var submitStatus = submitForm.querySelector(".submit-status");
    submitForm.addEventListener("submit", function (event) {
      if (submitForm.dataset.ready === "true") { return; }
      if (editors.every(function (editor) { return editor.idle(); })) { return; }
      event.preventDefault();
      if (submitStatus) { submitStatus.textContent = t("waiting"); }
      var pending = editors.length;
      var ok = true;
      editors.forEach(function (editor) {
        editor.whenSaved(function (saved) {
          ok = ok && saved;
          pending -= 1;
          if (pending) { return; }
          if (ok) {
            submitForm.dataset.ready = "true";
            // Outside the submit event being handled, or the browser ignores the new one.
            setTimeout(function () { submitForm.requestSubmit(); }, 0);
          } else if (submitStatus) {
            submitStatus.textContent = t("notAllSaved");
          }
        });
      });
    });
  }
  root.dataset.ready = "true";
})();
