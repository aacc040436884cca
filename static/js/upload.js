// Uploads on the "Add a resource" form: each file goes in its own request, with a progress bar and a
// cancel button; drag and drop onto the drop zone. Without JavaScript the form posts all files at once.
(function () {
  "use strict";

  function uploadOne(form, file, row, texts, batch) {
    return new Promise(function (resolve) {
      var data = new FormData(form);
      data.delete("files");
      data.append("files", file, file.name);
      data.set("batch", String(batch));  // one title over several files names each after its file too
      var xhr = new XMLHttpRequest();
      var bar = row.querySelector("progress");
      var status = row.querySelector(".upload-status");
      var cancel = row.querySelector("[data-cancel]");
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Upload", "1");
      xhr.setRequestHeader("X-CSRFToken", window.csrfToken());
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) bar.value = Math.round(event.loaded / event.total * 100);
      });
      // A refused, failed or cancelled upload loses its bar: a full bar beside "Not added" said the opposite.
      function failed(text, cancelled) {
        bar.remove();
        if (!cancelled) row.classList.add("has-error");
        status.textContent = text;
        resolve(false);
      }
      xhr.addEventListener("load", function () {
        cancel.remove();
        if (xhr.status === 201) {
          bar.value = 100;
          status.innerHTML = "";
          status.append(texts.done + " ");
          var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
          doc.querySelectorAll("[data-resource-url]").forEach(function (link) { status.append(link); });
          resolve(true);
        } else {
          // The field's own message, or the error page's heading (a file over the request limit), after the
          // language's own colon ("Not added: …", "未加入：…").
          var doc2 = new DOMParser().parseFromString(xhr.responseText, "text/html");
          var reason = doc2.querySelector(".field-error, .form-errors p, .error-page p:not(.error-code)");
          failed(texts.failedBecause.replace("{reason}", reason ? reason.textContent.trim() : xhr.status));
        }
      });
      xhr.addEventListener("error", function () { cancel.remove(); failed(texts.failed); });
      xhr.addEventListener("abort", function () { cancel.remove(); failed(texts.cancelled, true); });
      cancel.addEventListener("click", function () { xhr.abort(); });
      xhr.send(data);
    });
  }

  var rows = 0;
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-upload]");
    if (!form || !window.FormData || !window.XMLHttpRequest) return;
    // Pressed again while its files go up: nothing more (a double click must not upload every file twice).
    if (form.hasAttribute("data-uploading")) { event.preventDefault(); return; }
    var source = form.querySelector("input[name=source]:checked");
    var input = form.querySelector("input[type=file][name=files]");
    if ((source && source.value !== "files") || !input || !input.files.length) return;
    event.preventDefault();
    var list = form.querySelector("[data-upload-list]");
    var template = document.getElementById("upload-row");
    var textsNode = document.querySelector("[data-upload-texts]");
    var texts = { done: textsNode.dataset.done, failed: textsNode.dataset.failed, cancelled: textsNode.dataset.cancelled,
                  failedBecause: textsNode.dataset.failedBecause || textsNode.dataset.failed + ": {reason}" };
    list.innerHTML = "";
    var files = Array.prototype.slice.call(input.files);
    var chain = Promise.resolve(true);
    files.forEach(function (file) {
      var row = template.content.firstElementChild.cloneNode(true);
      var name = row.querySelector(".upload-name");
      name.textContent = file.name;
      // The bar is named by its file ("分數學習單.txt, progress bar 40 %"), not a bare "progress bar".
      name.id = "upload-name-" + (++rows);
      row.querySelector("progress").setAttribute("aria-labelledby", name.id);
      list.append(row);
      chain = chain.then(function (allAdded) {
        return uploadOne(form, file, row, texts, files.length).then(function (added) { return allAdded && added; });
      });
    });
    // Marked busy, not disabled: Chromium takes the focus away from a focused control it disables, and the keyboard
    // and a screen reader were thrown back to <body> at Enter (QA13). The focus stays on the button; the rows say
    // how it goes (the list is polite).
    var button = form.querySelector("button[type=submit]");
    form.setAttribute("data-uploading", "");
    if (button) button.setAttribute("aria-disabled", "true");
    chain.then(function (allAdded) {
      input.value = "";
      form.removeAttribute("data-uploading");
      if (button) button.removeAttribute("aria-disabled");
      // Every file added: the messages of an earlier refused try ("Choose at least one file") no longer hold.
      if (allAdded) {
        form.querySelectorAll(".field-error, .form-errors").forEach(function (node) { node.remove(); });
        form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
        form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
      }
      // Whatever lists the uploads (an activity's gallery) refreshes itself on this event.
      // drafts.js forgets the text kept for the form once every file was added.
      form.dispatchEvent(new CustomEvent("uploads-done", { bubbles: true, detail: { allAdded: allAdded } }));
    });
  });

  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest("[data-dropzone]");
    if (zone) { event.preventDefault(); zone.classList.add("is-over"); }
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest("[data-dropzone]");
    if (zone) zone.classList.remove("is-over");
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("is-over");
    var input = zone.querySelector("input[type=file]");
    if (input && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
      followKind(input);  // set by the script: no change event
    }
  });

  // "Add a resource": the kind follows the files picked (the server's kinds by media type and extension, on the
  // form), unless the person chose one; files of different kinds leave "From the file", each filed by its own.
  // Without the script the server decides the same from the type it sniffs.
  function followKind(input) {
    var form = input.form;
    var select = form && form.dataset.kindsByFile && form.querySelector("select[name=kind]");
    if (!select || select.dataset.chosen || (select.value && select.value !== select.dataset.followed)) return;
    var kinds = JSON.parse(form.dataset.kindsByFile);
    var found = null;
    Array.prototype.forEach.call(input.files, function (file) {
      var dot = file.name.lastIndexOf(".");
      var kind = kinds[file.type] || (dot > 0 ? kinds[file.name.slice(dot).toLowerCase()] : "") || "";
      found = found === null || found === kind ? kind : "";
    });
    select.value = found || "";
    select.dataset.followed = select.value;
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.closest || !target.closest("form[data-kinds-by-file]")) return;
    if (target.matches("select[name=kind]")) {
      target.dataset.chosen = target.value ? "1" : "";  // back on "From the file": it follows the files again
    } else if (target.matches("input[type=file][name=files]")) {
      followKind(target);
    }
  });

  // Live Markdown preview: the server renders with the same sanitizer that saves.
  var timer = null;
  document.addEventListener("input", function (event) {
    var area = event.target.closest("textarea[data-preview]");
    if (!area) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      var data = new FormData();
      data.append("body", area.value);
      fetch(area.getAttribute("data-preview"), { method: "POST", body: data, headers: { "X-CSRFToken": window.csrfToken(), "HX-Request": "true" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          var box = document.getElementById(area.id + "-preview");
          if (box) box.innerHTML = html;  // sanitized server-side by the one allowlist
        });
    }, 400);
  });
})();
