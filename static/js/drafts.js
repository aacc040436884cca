// Drafts: what is typed in a form that keeps them (form[data-draft-key]: a reply, a new thread, a post being
// edited, a co-planning section or comment, a meeting log, a handbook section, the report's texts, an activity,
// its minutes, a resource, a lesson's reflection, an observation's texts) is kept in this
// browser until the server has taken it, so that a closed tab, a lost connection or a login that ended while
// typing never loses it. Opening the form again offers the kept text back; a section's draft brings back the
// version it was typed from too (the server then merges it with later saves, or shows the conflict: restoring a
// draft never overwrites anyone).
// The key names the reader ("<user id>:<what>:<id>", set by the template), so that on a shared school laptop one
// teacher's text is never offered to another; logging out forgets every draft this browser kept.
// Without this file (or without storage) the forms work the same, without drafts.
(function () {
  "use strict";

  var PREFIX = "draft:";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function read(key) {
    var s = store();
    if (!s) return null;
    try { return JSON.parse(s.getItem(PREFIX + key) || "null"); } catch (e) { return null; }
  }

  function write(key, draft) {
    var s = store();
    if (!s) return false;
    try { s.setItem(PREFIX + key, JSON.stringify(draft)); return true; } catch (e) { return false; }  // full
  }

  function forget(key) {
    var s = store();
    if (s) s.removeItem(PREFIX + key);
  }

  function forgetAll() {
    var s = store();
    if (!s) return;
    for (var i = s.length - 1; i >= 0; i--) {
      var name = s.key(i);
      // "plan-draft:": a section's text kept before every form's drafts came here (no reader in its key)
      if (name && (name.indexOf(PREFIX) === 0 || name.indexOf("plan-draft:") === 0)) s.removeItem(name);
    }
  }

  function formOf(node) { return node && node.closest ? node.closest("form[data-draft-key]") : null; }

  // What is kept: the text a person typed (text areas and one-line text fields), not choices or hidden values.
  function fields(form) {
    return Array.prototype.filter.call(form.querySelectorAll("textarea[name], input[type=text][name]"),
      function (field) { return !field.disabled; });
  }

  function typed(draft) {
    return Object.keys(draft.fields || {}).some(function (name) { return draft.fields[name].trim() !== ""; });
  }

  function keep(form) {
    var base = form.querySelector("input[name=base_version], input[name=version]");
    var draft = { fields: {}, base: base ? base.value : null, at: Date.now() };
    fields(form).forEach(function (field) { draft.fields[field.name] = field.value; });
    if (!typed(draft)) {
      forget(form.getAttribute("data-draft-key"));
      return;
    }
    write(form.getAttribute("data-draft-key"), draft);  // storage full or off: no draft (leaving still asks)
  }

  function offer(form) {
    var draft = read(form.getAttribute("data-draft-key"));
    var bar = form.querySelector("[data-draft-offer]");
    if (!draft || !draft.fields || !bar || !typed(draft)) return;
    var differs = fields(form).some(function (field) {
      return field.name in draft.fields && draft.fields[field.name] !== field.value;
    });
    if (!differs) return;
    bar.hidden = false;
    bar.querySelector("[data-draft-restore]").onclick = function () {
      var first = null;
      fields(form).forEach(function (field) {
        if (!(field.name in draft.fields)) return;
        field.value = draft.fields[field.name];
        first = first || field;
      });
      var base = form.querySelector("input[name=base_version], input[name=version]");
      if (base && draft.base) base.value = draft.base;
      form.setAttribute("data-dirty", "1");
      bar.hidden = true;
      if (first) first.focus();
    };
    bar.querySelector("[data-draft-discard]").onclick = function () {
      forget(form.getAttribute("data-draft-key"));
      bar.hidden = true;
      var first = fields(form)[0];
      if (first) first.focus();
    };
  }

  function setup(root) {
    (root.matches && root.matches("form[data-draft-key]") ? [root] : [])
      .concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("form[data-draft-key]") : []))
      .forEach(offer);
  }

  document.addEventListener("input", function (event) {
    var form = formOf(event.target);
    if (!form || fields(form).indexOf(event.target) < 0) return;
    form.setAttribute("data-dirty", "1");
    keep(form);
  });

  // The server took it (2xx) or it was cancelled: the draft has served. Refused (422), in conflict (409), a login
  // that ended (401) or no answer at all: it stays. The key rides on the request: by the time the answer is in,
  // the form may have been swapped out, and htmx then announces htmx:afterRequest from a parent still on the page.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event.detail.elt);
    if (form && event.detail.xhr) event.detail.xhr.draftKey = form.getAttribute("data-draft-key");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.draftKey && xhr.status >= 200 && xhr.status < 300) {
      forget(xhr.draftKey);
      xhr.draftKey = null;  // announced twice when the form is gone: once is enough
    }
  });

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-draft-key][data-dirty]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // A link or form htmx follows (hx-boost: the top bar, the community's tabs, most links) changes the page without
  // unloading it, so beforeunload never asks: the typed text went without a word (QA13). Such a page change asks
  // the same, in the page's words (#page-language), whenever a form of another part of the page holds unsent text;
  // sending that form itself (a boosted form with a draft) is leaving on purpose. Asked here, one rule for every
  // form that keeps drafts. Leaving anyway keeps the draft, offered back when the form is opened again.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail;
    if (!detail || !detail.boosted) return;
    var sender = detail.elt;
    var unsent = Array.prototype.some.call(document.querySelectorAll("form[data-draft-key][data-dirty]"),
      function (form) { return !form.contains(sender); });
    if (!unsent) return;
    var marker = document.getElementById("page-language");
    if (window.confirm((marker && marker.getAttribute("data-leave-message")) || "")) return;
    event.preventDefault();  // staying: nothing is sent
    var trigger = detail.requestConfig && detail.requestConfig.triggeringEvent;
    if (trigger) trigger.draftsStay = true;  // a form's submit (logging out): its handler below leaves drafts be
  });

  // A form sent by the browser itself, not htmx (the resource form: hx-boost="false"): no answer to read here. The
  // next page tells: a success message and no such form on it, the server took it; the form again (refused), the
  // login page or an error page, the draft stays.
  var SENT = "draft-sent";

  function noteSent(form) {
    try {
      window.sessionStorage.setItem(SENT, JSON.stringify({ key: form.getAttribute("data-draft-key"), at: Date.now() }));
    } catch (e) { /* no storage: the draft stays until discarded */ }
  }

  function settleSent() {
    var sent = null;
    try {
      sent = JSON.parse(window.sessionStorage.getItem(SENT) || "null");
      window.sessionStorage.removeItem(SENT);
    } catch (e) { return; }
    if (!sent || !sent.key || Date.now() - sent.at > 10 * 60 * 1000) return;
    var again = Array.prototype.some.call(document.querySelectorAll("form[data-draft-key]"), function (form) {
      return form.getAttribute("data-draft-key") === sent.key;
    });
    if (!again && document.querySelector(".flash-success")) forget(sent.key);
  }

  document.addEventListener("submit", function (event) {
    if (event.draftsStay) return;  // the person chose to stay (above): nothing was sent
    var form = formOf(event.target);
    if (form) form.removeAttribute("data-dirty");  // sent on purpose: leaving is what was asked
    // htmx (a boosted form) or a script (the uploads) took it over: its answer is read above.
    if (form && !event.defaultPrevented) noteSent(form);
    if (event.target.matches && event.target.matches("form[data-logout]")) forgetAll();
  });

  // The uploads (static/js/upload.js): every file added, the title and description typed with them have served.
  document.addEventListener("uploads-done", function (event) {
    var form = formOf(event.target);
    if (form && event.detail && event.detail.allAdded) forget(form.getAttribute("data-draft-key"));
  });

  // A form on a page of its own, or swapped in by htmx (an Edit clicked, a reply form after a reply).
  document.addEventListener("DOMContentLoaded", function () { settleSent(); setup(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setup(event.target); });
})();
