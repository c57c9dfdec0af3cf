/* Long text typed into a form is not lost when the form cannot be sent (QA round 84 D1).
   The session cookie holds both the opened case (or the official's sign-in) and the CSRF
   token: once it is gone (the browser closed, 30 idle minutes, cookies cleared) the POST is
   refused before the view runs, and the server must neither skip CSRF nor echo the posted
   body (any site could then show chosen text on our origin). So the text is kept here, in
   the browser: forms marked `data-draft="<stable key>"` save their textareas (textareas only:
   never an input, never a field marked `data-draft-skip`) to sessionStorage when sent
   (this tab only, gone when the tab is closed) with the time and the page's path.

   On each page:
   - drafts older than 24 hours are deleted (and all of them when a form marked
     `data-draft-clear` is sent: signing out, a citizen's "Thoát");
   - a draft just sent is deleted by a page saying it was saved (`.alert-success`,
     `[data-draft-done]`) and by any page that neither says it was not sent
     (`[data-draft-unsent]`: the error page, the sign-in page) nor shows its form again:
     a letter saved, whose answer was lost, is never offered on the next blank form;
   - an official's keys carry the account (templates/_draft.html): another official
     signing in on the same tab is offered none of them;
   - a form whose key has a draft, whose textareas are all empty, on a page with no error
     summary, gets a notice above it (role="status") with the time the text was typed:
     "restore" fills the empty textareas, "discard" deletes the draft. Its words come from
     the form's data-draft-notice / -restore / -discard attributes (translated on the
     server); "{time}" in the notice is replaced by the time.
   Progressive enhancement only: without this file (or without sessionStorage) every form
   works as before. */
(function () {
  "use strict";

  var PREFIX = "drafts:";
  var MAX_AGE = 24 * 60 * 60 * 1000;

  function store() {
    try {
      var s = window.sessionStorage;
      s.getItem(PREFIX);  // throws where storage is blocked
      return s;
    } catch (e) {
      return null;
    }
  }

  function read(s, key) {
    try {
      var draft = JSON.parse(s.getItem(PREFIX + key));
      return draft && typeof draft === "object" && draft.fields ? draft : null;
    } catch (e) {
      return null;
    }
  }

  function write(s, key, draft) {
    try {
      s.setItem(PREFIX + key, JSON.stringify(draft));
    } catch (e) { /* full or blocked: the form is sent all the same */ }
  }

  function allKeys(s) {
    var keys = [];
    for (var i = 0; i < s.length; i++) {
      var name = s.key(i);
      if (name && name.indexOf(PREFIX) === 0) { keys.push(name.slice(PREFIX.length)); }
    }
    return keys;
  }

  function keyOf(form) {
    return form.getAttribute("data-draft") || "";
  }

  // The form's own textareas that may be kept: not read-only, not disabled, not skipped.
  function textareas(form) {
    return Array.prototype.filter.call(form.querySelectorAll("textarea"), function (el) {
      return el.form === form && (el.name || el.id) && !el.readOnly && !el.disabled &&
        !el.hasAttribute("data-draft-skip") && el.type !== "password";
    });
  }

  function fieldName(el) {
    return el.name || el.id;
  }

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function when(ms) {
    var d = new Date(ms);
    return two(d.getHours()) + ":" + two(d.getMinutes()) + " " + two(d.getDate()) + "/" +
      two(d.getMonth() + 1) + "/" + d.getFullYear();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    if (form.hasAttribute("data-draft-clear") && !event.defaultPrevented) {
      // Signing out, or "Thoát" on a citizen's case: the next person at this computer
      // is offered nothing.
      var all = store();
      if (all) { allKeys(all).forEach(function (key) { all.removeItem(PREFIX + key); }); }
      return;
    }
    if (!form.hasAttribute("data-draft")) { return; }
    if (event.defaultPrevented) { return; }  // stopped by another script: not sent
    var s = store();
    var key = keyOf(form);
    if (!s || !key) { return; }
    var fields = {};
    var typed = false;
    textareas(form).forEach(function (el) {
      fields[fieldName(el)] = el.value;
      if (el.value.trim()) { typed = true; }
    });
    if (!typed) {
      s.removeItem(PREFIX + key);
      return;
    }
    write(s, key, {fields: fields, at: Date.now(), path: location.pathname, sent: true});
  });

  function offer(s, form, key, draft) {
    var notice = document.createElement("div");
    notice.className = "alert alert-info d-flex flex-wrap align-items-center gap-2";
    notice.setAttribute("role", "status");
    notice.setAttribute("data-testid", "draft-notice");
    var text = document.createElement("p");
    text.className = "mb-0 me-auto";
    text.textContent = (form.getAttribute("data-draft-notice") || "{time}")
      .replace("{time}", when(draft.at));
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "btn btn-sm btn-primary";
    restore.textContent = form.getAttribute("data-draft-restore") || "\u21BA";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-dark";  // AA contrast on alert-info (QA 87)
    discard.textContent = form.getAttribute("data-draft-discard") || "\u00D7";
    notice.appendChild(text);
    notice.appendChild(restore);
    notice.appendChild(discard);
    form.parentNode.insertBefore(notice, form);

    restore.addEventListener("click", function () {
      var first = null;
      textareas(form).forEach(function (el) {
        var value = draft.fields[fieldName(el)];
        if (typeof value === "string" && value && !el.value) {
          el.value = value;
          el.dispatchEvent(new Event("input", {bubbles: true}));
          first = first || el;
        }
      });
      notice.remove();
      if (first) { first.focus(); }
      // Kept until the form is sent and saved: sent again and refused, it is offered again.
    });
    discard.addEventListener("click", function () {
      s.removeItem(PREFIX + key);
      notice.remove();
      var next = form.querySelector("textarea, input:not([type=hidden]), select, button");
      if (next) { next.focus(); }
    });
  }

  function onLoad() {
    var s = store();
    if (!s) { return; }
    var now = Date.now();
    // A draft just sent is deleted on a page saying it was saved (.alert-success,
    // data-draft-done: a note saved comes back to its page, its form blank); else kept only
    // where the page says it was not sent (the CSRF error page, the sign-in page, the
    // citizen's "not sent" page: data-draft-unsent) or shows its form again (refused, what
    // was typed on it). Any other page follows a sending that landed, whatever it says (a
    // receipt, "already saved", a redirect): a letter saved once must never be offered on
    // the next blank form (QA round 87).
    var saved = document.querySelector(".alert-success, [data-draft-done]");
    var failed = !saved && document.querySelector("[data-draft-unsent]");
    var shown = {};
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      shown[keyOf(form)] = true;
    });
    allKeys(s).forEach(function (key) {
      var draft = read(s, key);
      if (!draft || typeof draft.at !== "number" || now - draft.at > MAX_AGE ||
          (draft.sent && (saved || (!failed && !shown[key])))) {
        s.removeItem(PREFIX + key);  // too old, unreadable, or sent and landed
      } else if (draft.sent) {
        draft.sent = false;  // not sent: kept to be offered when its form is shown
        write(s, key, draft);
      }
    });
    var errors = document.querySelector('[data-testid="error-summary"]');
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = keyOf(form);
      var draft = key && read(s, key);
      if (!draft) { return; }
      if (draft.sent) {  // the form is shown again: what was sent did not land
        draft.sent = false;
        write(s, key, draft);
      }
      var boxes = textareas(form);
      var empty = boxes.length && boxes.every(function (el) { return !el.value.trim(); });
      var any = boxes.some(function (el) { return draft.fields[fieldName(el)]; });
      if (empty && any && !errors) { offer(s, form, key, draft); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
}());
