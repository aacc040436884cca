// Co-planning: what is typed in an open section editor is kept in this browser until it is saved, so that a
// closed tab, a lost connection or an expired login never loses it. Opening the section's editor again offers
// the kept text back, with the version it was typed from (the server then merges it with later saves, or shows
// the conflict: restoring a draft never overwrites anyone). Leaving the page with unsaved text asks first.
// It also keeps the plan page current: the poll brings in the sections others saved. Without this file the
// editor works the same, without drafts, and the page shows others' saves on reload.
(function () {
  "use strict";

  var PREFIX = "plan-draft:";

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
    if (!s) return;
    try { s.setItem(PREFIX + key, JSON.stringify(draft)); } catch (e) { /* storage full: no draft */ }
  }

  function forget(key) {
    var s = store();
    if (s) s.removeItem(PREFIX + key);
  }

  function formOf(node) { return node && node.closest ? node.closest("form[data-draft-key]") : null; }

  function offer(form) {
    var key = form.getAttribute("data-draft-key");
    var draft = read(key);
    var area = form.querySelector("textarea[name=body]");
    var bar = form.querySelector("[data-draft-offer]");
    if (!draft || !area || !bar || draft.text === area.value) return;
    bar.hidden = false;
    bar.querySelector("[data-draft-restore]").onclick = function () {
      area.value = draft.text;
      form.querySelector("input[name=base_version]").value = draft.base;
      form.setAttribute("data-dirty", "1");
      bar.hidden = true;
      area.focus();
    };
    bar.querySelector("[data-draft-discard]").onclick = function () {
      forget(key);
      bar.hidden = true;
      area.focus();
    };
  }

  function setup(root) {
    (root.matches && root.matches("form[data-draft-key]") ? [root] : [])
      .concat(Array.prototype.slice.call(root.querySelectorAll ? root.querySelectorAll("form[data-draft-key]") : []))
      .forEach(offer);
  }

  document.addEventListener("input", function (event) {
    var form = formOf(event.target);
    if (!form || event.target.name !== "body") return;
    form.setAttribute("data-dirty", "1");
    write(form.getAttribute("data-draft-key"), {
      text: event.target.value,
      base: form.querySelector("input[name=base_version]").value,
      at: Date.now()
    });
  });

  // A save that the server took (200) or a Cancel: the draft has served. A conflict (409) keeps it.
  // The key rides on the request: by the time the answer is in, the form has been swapped out, and htmx then
  // announces htmx:afterRequest from a parent still on the page, with that parent as detail.elt.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event.detail.elt);
    if (form && event.detail.xhr) event.detail.xhr.planDraftKey = form.getAttribute("data-draft-key");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.planDraftKey && xhr.status === 200) {
      forget(xhr.planDraftKey);
      xhr.planDraftKey = null;  // announced twice when the form is gone: once is enough
    }
  });

  // The plan page's poll says which version of each section it shows (sections open in an editor are not
  // shown: they are never replaced); the answer brings, out of band, each section saved since.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt.hasAttribute || !event.detail.elt.hasAttribute("data-plan-poll")) return;
    var shown = [];
    document.querySelectorAll(".plan-section[data-version]").forEach(function (section) {
      shown.push(section.id.replace("section-", "") + ":" + section.getAttribute("data-version"));
    });
    event.detail.parameters.shown = shown.join(",");
  });

  // Never swap a section someone is working in: opened for editing (or asked for its editor) after the poll
  // left, or with a field focused or typed text in it (a comment being written). It comes in at a later poll.
  // The focus on a button or link (Edit, History, after a save) is not work in progress: the section comes in.
  function typing(element) {
    return element.isContentEditable || /^(TEXTAREA|INPUT|SELECT)$/.test(element.tagName);
  }

  function busy(section) {
    if (section.classList.contains("is-editing") || section.querySelector(".htmx-request")) return true;
    if (section.contains(document.activeElement) && typing(document.activeElement)) return true;
    return Array.prototype.some.call(section.querySelectorAll("textarea, input[type=text]"), function (field) {
      return field.value !== "";
    });
  }

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("plan-section") && busy(target)) {
      event.detail.shouldSwap = false;
    }
  });

  // Back to the tab after a while: ask at once rather than at the next tick.
  document.addEventListener("visibilitychange", function () {
    var poll = document.querySelector("[data-plan-poll]");
    if (poll && document.visibilityState === "visible" && window.htmx) window.htmx.trigger(poll, "plans:refresh");
  });

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-draft-key][data-dirty]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("submit", function (event) {  // a plain form post (no htmx) leaves the page on purpose
    var form = formOf(event.target);
    if (form) form.removeAttribute("data-dirty");
  });

  // An editor on a page of its own, or swapped in by htmx when Edit is clicked.
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setup(event.target); });
})();
