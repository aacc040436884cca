// The post editor: Write/Preview tabs, @ mentions with suggestions, images and files uploaded as they
// are chosen, pasted or dropped (the Markdown that shows them goes into the text). Without this file
// the form still works: the preview tab stays hidden and chosen files go with the form.
(function () {
  "use strict";

  function insertAtCaret(area, text) {
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    var before = value.slice(0, start), after = value.slice(end);
    var padBefore = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var insert = padBefore + text + "\n";
    area.value = before + insert + after;
    area.selectionStart = area.selectionEnd = before.length + insert.length;
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // --- Write / Preview ---------------------------------------------------------------------------
  function setup(root) {
    root.querySelectorAll("[data-editor]").forEach(function (editor) {
      var tabs = editor.querySelector(".editor-tabs");
      if (tabs) tabs.hidden = false;
    });
  }

  // keyed: chosen with the arrow keys, the focus stays on the tab (a click on Write goes on into the text).
  function showTab(editor, which, keyed) {
    var area = editor.querySelector("textarea");
    var preview = editor.querySelector(".editor-preview");
    editor.querySelectorAll("[data-tab]").forEach(function (tab) {
      var chosen = tab.getAttribute("data-tab") === which;
      tab.setAttribute("aria-selected", chosen ? "true" : "false");
      tab.setAttribute("tabindex", chosen ? "0" : "-1");  // roving: only the selected tab is a Tab stop
      if (chosen && keyed) tab.focus();
    });
    if (which === "write") {
      preview.hidden = true;
      area.hidden = false;
      if (!keyed) area.focus();
      return;
    }
    var data = new FormData();
    data.append("body", area.value);
    fetch(editor.getAttribute("data-preview-url"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "X-CSRFToken": window.csrfToken(), "HX-Request": "true" }
    }).then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        // The writer went back to Write before the answer came: it must not hide the text box they are in.
        var previewTab = editor.querySelector('[data-tab="preview"]');
        if (previewTab && previewTab.getAttribute("aria-selected") !== "true") return;
        preview.innerHTML = html;  // rendered and sanitized by the server's one allowlist
        preview.style.minHeight = area.offsetHeight + "px";
        area.hidden = true;
        preview.hidden = false;
      });
  }

  // --- @ mentions --------------------------------------------------------------------------------
  var mentionTimer = null;

  function mentionQuery(area) {
    var before = area.value.slice(0, area.selectionStart);
    // Chinese puts no space before the @ ("謝謝！@王", "請@王老師"), and the server finds those mentions:
    // only an @ right after a Latin letter, digit or . _ + - (an email address) gets no suggestions.
    var match = /(^|[^A-Za-z0-9_.+-])@([^\s@]{0,30})$/.exec(before);
    return match ? match[2] : null;
  }

  // The highlighted name is the textarea's active descendant: a screen reader reads it as the arrows move.
  function highlight(menu, option) {
    var area = menu.closest("[data-editor]").querySelector("textarea");
    menu.querySelectorAll("[role=option]").forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
    });
    if (option) area.setAttribute("aria-activedescendant", option.id);
    else area.removeAttribute("aria-activedescendant");
  }

  function closeMenu(menu) {
    menu.hidden = true;
    menu.replaceChildren();
    highlight(menu, null);
  }

  function suggest(editor, area) {
    var menu = editor.querySelector(".mention-menu");
    var url = editor.getAttribute("data-mention-url");
    if (!menu || !url) return;
    var query = mentionQuery(area);
    if (query === null) { closeMenu(menu); return; }
    clearTimeout(mentionTimer);
    mentionTimer = setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          menu.innerHTML = html;  // server-rendered, escaped names
          var first = menu.querySelector("[role=option]");
          if (!first) { closeMenu(menu); return; }
          menu.querySelectorAll("[role=option]").forEach(function (option, index) {
            option.id = (menu.id || "mentions") + "-" + index;
          });
          menu.hidden = false;
          highlight(menu, first);
        });
    }, 150);
  }

  function choose(editor, option) {
    var area = editor.querySelector("textarea");
    var menu = editor.querySelector(".mention-menu");
    var query = mentionQuery(area);
    if (query === null) { closeMenu(menu); return; }
    var caret = area.selectionStart;
    var start = caret - query.length;
    var name = option.getAttribute("data-name");
    area.value = area.value.slice(0, start) + name + " " + area.value.slice(caret);
    area.selectionStart = area.selectionEnd = start + name.length + 1;
    closeMenu(menu);
    area.focus();
  }

  // --- uploads -----------------------------------------------------------------------------------
  // "photo.png: why", with the language's own colon (the page gives the pattern: "{name}：{reason}" in Chinese).
  function failedText(editor, file, reason) {
    return (editor.getAttribute("data-upload-failed") || "{name}: {reason}")
      .replace("{name}", file.name).replace("{reason}", reason || "");
  }

  function upload(editor, files) {
    var url = editor.getAttribute("data-upload-url");
    var area = editor.querySelector("textarea");
    if (!url || !files.length) return false;
    Array.prototype.forEach.call(files, function (file) {
      var status = document.createElement("p");
      status.className = "help upload-status";
      status.textContent = (editor.getAttribute("data-uploading") || "{name}").replace("{name}", file.name);
      editor.appendChild(status);
      var data = new FormData();
      data.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", window.csrfToken());
      xhr.setRequestHeader("Accept", "application/json");  // errors too (a busy database's 503) come as {error}
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) status.textContent = file.name + " " + Math.round(event.loaded * 100 / event.total) + "%";
      });
      xhr.addEventListener("load", function () {
        var answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (e) { /* keep empty */ }
        if (xhr.status === 201 && answer.markdown) {
          insertAtCaret(area, answer.markdown);
          status.remove();
        } else {
          status.className = "field-error upload-status";
          status.textContent = failedText(editor, file, answer.error || document.body.getAttribute("data-error-message"));
        }
      });
      xhr.addEventListener("error", function () {
        status.className = "field-error upload-status";
        status.textContent = failedText(editor, file, document.body.getAttribute("data-offline-message"));
      });
      xhr.send(data);
    });
    return true;
  }

  // The preview carries an id (its tab's aria-controls names it), so htmx settles a swapped editor by copying the
  // old preview's attributes onto the new one, its inline min-height too — which the CSP forbids as an attribute.
  // The height is the script's own measure of the moment: drop it before the swap.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.querySelectorAll) return;
    target.querySelectorAll("[data-editor] .editor-preview[style]").forEach(function (preview) {
      preview.removeAttribute("style");
    });
  });

  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[data-editor] [data-tab]");
    if (tab) { showTab(tab.closest("[data-editor]"), tab.getAttribute("data-tab")); return; }
    var option = event.target.closest(".mention-menu [role=option]");
    if (option) { event.preventDefault(); choose(option.closest("[data-editor]"), option); }
  });

  // The tabs' keyboard model (WAI-ARIA tabs, selection follows focus): ←/→ move to the other tab (wrapping),
  // Home/End to the first/last, and select it.
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest ? event.target.closest("[data-editor] [role=tab]") : null;
    if (!tab || event.altKey || event.ctrlKey || event.metaKey) return;
    var tabs = Array.prototype.slice.call(tab.closest("[role=tablist]").querySelectorAll("[role=tab]"));
    var at = tabs.indexOf(tab);
    var next = {
      ArrowRight: (at + 1) % tabs.length, ArrowLeft: (at + tabs.length - 1) % tabs.length,
      Home: 0, End: tabs.length - 1
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    showTab(tab.closest("[data-editor]"), tabs[next].getAttribute("data-tab"), true);
  });

  document.addEventListener("input", function (event) {
    var area = event.target.closest("[data-editor] textarea");
    if (area) suggest(area.closest("[data-editor]"), area);
  });

  document.addEventListener("keydown", function (event) {
    var area = event.target.closest("[data-editor] textarea");
    if (!area) return;
    var editor = area.closest("[data-editor]");
    var menu = editor.querySelector(".mention-menu");
    if (!menu || menu.hidden) return;
    var options = Array.prototype.slice.call(menu.querySelectorAll("[role=option]"));
    var current = options.findIndex(function (option) { return option.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var next = (current + (event.key === "ArrowDown" ? 1 : options.length - 1)) % options.length;
      highlight(menu, options[next]);
    } else if ((event.key === "Enter" || event.key === "Tab") && current >= 0) {
      event.preventDefault();
      choose(editor, options[current]);
    } else if (event.key === "Escape") {
      closeMenu(menu);
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target.closest("[data-editor] input[type=file]");
    if (!input) return;
    if (upload(input.closest("[data-editor]"), input.files)) input.value = "";  // sent already, not again with the form
  });

  document.addEventListener("paste", function (event) {
    var area = event.target.closest("[data-editor] textarea");
    if (!area || !event.clipboardData || !event.clipboardData.files.length) return;
    if (upload(area.closest("[data-editor]"), event.clipboardData.files)) event.preventDefault();
  });

  document.addEventListener("drop", function (event) {
    var area = event.target.closest("[data-editor] textarea");
    if (!area || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    upload(area.closest("[data-editor]"), event.dataTransfer.files);
  });

  // A reply that was sent: the form is swapped for a fresh one; the new post arrives by the poll.
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setup(event.target); });
})();
