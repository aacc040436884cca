// Co-planning: keeps the plan page current: the poll brings in the sections others saved, never over a section
// someone is working in. (A section's unsaved text is kept by drafts.js, as every form's.) Without this file the
// page shows others' saves on reload.
(function () {
  "use strict";

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
})();
