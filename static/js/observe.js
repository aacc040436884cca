// Notes during a lesson, safe when the classroom's Wi-Fi drops. Each note is written to this device first
// (localStorage; its photo in IndexedDB) with a key made here, then sent; it leaves the device only once the
// answer holds the stored note with that key (a redirect to the login page answers 200 too, and stores nothing).
// A note sent twice (the answer lost on the way back) is stored once: the server keys notes by that key.
// Retried when the browser says it is online again and every few seconds.
// What is still on the device is shown in the note list: a note waiting to be sent, and a note the server
// refused (422 with its reason; 403/404/410: the observation takes no more notes), kept apart with its reason
// until the observer puts it back in the form or discards it. Nothing typed leaves the device unseen.
// The running clock shows the minute of the lesson. Without JavaScript the form posts as usual.
(function () {
  "use strict";

  var RETRY_MS = 5000;
  var MAX_MINUTE = 600;
  var MINUTE_MARK = "999999";  // the number in the list's data-minute-label, replaced by a note's minute
  var sending = {};
  var stuck = {};    // observation id -> why the queue cannot go now (a person must act: log in, reload)
  var drained = {};  // observation id -> a note was stored since the page loaded

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function listOf(id) { return document.querySelector('[data-observe-list][data-observation="' + id + '"]'); }
  function formOf(id) { return document.querySelector('form[data-observe][data-observation="' + id + '"]'); }

  function readStore(name) {
    try { return JSON.parse(localStorage.getItem(name) || "[]"); } catch (e) { return []; }
  }
  function writeStore(name, items) {
    try { localStorage.setItem(name, JSON.stringify(items)); return true; } catch (e) { return false; }
  }
  function queueName(id) { return "observe-queue-" + id; }
  function refusedName(id) { return "observe-refused-" + id; }
  function without(name, key) {
    return writeStore(name, readStore(name).filter(function (other) { return other.key !== key; }));
  }
  // Only the notes this person typed (a shared tablet): a note from before this field is everyone's.
  function own(id, items) {
    var list = listOf(id);
    var user = list ? list.getAttribute("data-user") : null;
    return items.filter(function (entry) { return entry.user === undefined || String(entry.user) === user; });
  }
  function queueOf(id) { return own(id, readStore(queueName(id))); }
  function refusedOf(id) { return own(id, readStore(refusedName(id))); }

  // Photos wait in IndexedDB (a Blob does not fit in localStorage); in memory when IndexedDB is not there.
  var memoryPhotos = {};
  function photoDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = indexedDB.open("observe-photos", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("photos"); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function photoStore(mode, work) {
    return photoDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("photos", mode);
        var result = work(tx.objectStore("photos"));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function putPhoto(key, file) {
    memoryPhotos[key] = file;
    return photoStore("readwrite", function (store) { return store.put({ blob: file, name: file.name }, key); })
      .catch(function () { return null; });
  }
  function getPhoto(key) {
    if (memoryPhotos[key]) return Promise.resolve({ blob: memoryPhotos[key], name: memoryPhotos[key].name });
    return photoStore("readonly", function (store) { return store.get(key); }).catch(function () { return null; });
  }
  function dropPhoto(key) {
    delete memoryPhotos[key];
    return photoStore("readwrite", function (store) { return store.delete(key); }).catch(function () { return null; });
  }

  // The clock runs for three hours from the lesson's start (the server's CLOCK_RUNS_MINUTES); after that the lesson
  // is over: no running minute ("Minute 600" on yesterday's lesson), notes are minute 0 unless typed.
  var CLOCK_RUNS_MINUTES = 180;

  function lessonMinute(start) {
    if (!start) return null;
    var minutes = Math.floor((Date.now() - Date.parse(start)) / 60000);
    if (minutes > CLOCK_RUNS_MINUTES) return null;
    return Math.max(0, minutes);
  }

  // --- the list: stored notes from the server, and those still on this device --------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function minuteOf(item) { return parseInt(item.getAttribute("data-minute"), 10) || 0; }

  function place(list, item) {
    var minute = minuteOf(item);
    var after = Array.prototype.find.call(list.children, function (other) { return minuteOf(other) > minute; });
    list.insertBefore(item, after || null);
  }

  function deviceItem(list, entry, kind) {
    // The server answers a note without a minute with the minute it was typed at, or 0 without a lesson start.
    var minute = entry.minute === null || entry.minute === undefined ? 0 : entry.minute;
    var item = element("li", "note note-device note-" + kind);
    item.setAttribute("data-note-key", entry.key);
    item.setAttribute("data-minute", String(minute));
    item.appendChild(element("span", "note-minute", list.getAttribute("data-minute-label").replace(MINUTE_MARK, minute)));
    var body = element("div", "note-body");
    if (kind === "pending") {
      var state = element("p", "note-state");
      state.appendChild(element("span", "badge badge-warn", list.getAttribute("data-note-pending")));
      if (entry.photo) state.appendChild(element("span", "badge", list.getAttribute("data-note-photo")));
      body.appendChild(state);
    }
    if (entry.row_label) body.appendChild(element("span", "badge", entry.row_label));
    if (entry.text) body.appendChild(element("p", "note-text", entry.text));
    if (kind === "refused") {
      if (entry.photo) body.appendChild(element("p", "note-state", list.getAttribute("data-note-photo")));
      body.appendChild(element("p", "field-error note-problem",
                               list.getAttribute("data-refused").replace("{reason}", entry.reason || "")));
      var buttons = element("div", "button-row note-actions");
      if (formOf(list.getAttribute("data-observation")) && !entry.closed) {
        var restore = element("button", "button button-small", list.getAttribute("data-restore"));
        restore.type = "button";
        restore.setAttribute("data-note-restore", entry.key);
        buttons.appendChild(restore);
      }
      var discard = element("button", "button button-small button-danger", list.getAttribute("data-discard"));
      discard.type = "button";
      discard.setAttribute("data-note-discard", entry.key);
      buttons.appendChild(discard);
      body.appendChild(buttons);
    }
    item.appendChild(body);
    return item;
  }

  function showDeviceNotes(id) {
    var list = listOf(id);
    if (!list) return;
    var queue = queueOf(id), refused = refusedOf(id);
    // Drawn again only when it changed: the retry every few seconds must not take the focus off a button.
    var drawn = JSON.stringify([queue, refused, !!formOf(id)]);
    if (list.observeDrawn === drawn) return;
    list.observeDrawn = drawn;
    list.querySelectorAll("li.note-device").forEach(function (item) { item.remove(); });
    function stored(key) { return list.querySelector('li.note:not(.note-device)[data-note-key="' + key + '"]'); }
    queue.forEach(function (entry) { if (!stored(entry.key)) place(list, deviceItem(list, entry, "pending")); });
    refused.forEach(function (entry) { place(list, deviceItem(list, entry, "refused")); });
    var empty = document.getElementById("no-notes");
    if (empty) empty.hidden = list.children.length > 0;
  }

  // The server's note in place of the device's; false when the answer does not hold the note of that key.
  function insertNote(id, html, key) {
    var list = listOf(id);
    var doc = new DOMParser().parseFromString(html, "text/html");
    var item = Array.prototype.find.call(doc.querySelectorAll("li.note"), function (candidate) {
      return candidate.getAttribute("data-note-key") === key;
    });
    if (!item || !list) return !!item;
    list.querySelectorAll("li.note").forEach(function (other) {
      if (other.getAttribute("data-note-key") === key) other.remove();
    });
    place(list, document.importNode(item, true));
    var empty = document.getElementById("no-notes");
    if (empty) empty.hidden = true;
    // What the note changed elsewhere on the page comes with it, out of band (a row of the form to learn by, now
    // holding the note): it takes the place of the page's element of the same id.
    doc.querySelectorAll("[hx-swap-oob][id]").forEach(function (fresh) {
      var shown = document.getElementById(fresh.id);
      if (!shown) return;
      fresh.removeAttribute("hx-swap-oob");
      shown.replaceWith(document.importNode(fresh, true));
    });
    return true;
  }

  function showStatus(id) {
    showDeviceNotes(id);
    var form = formOf(id);
    var status = form && form.querySelector("[data-observe-status]");
    if (!status) return;
    var queue = queueOf(id), refused = refusedOf(id);
    var count = queue.length;
    var parts = [];
    if (count === 1) parts.push(form.getAttribute("data-pending-one"));
    else if (count > 1) parts.push(form.getAttribute("data-pending-many").replace("{n}", count));
    if (count && !navigator.onLine) {
      parts.push(form.getAttribute("data-offline"));
      if (queue.some(function (entry) { return entry.photo; })) parts.push(form.getAttribute("data-photo-offline"));
    }
    if (count && stuck[id]) parts.push(stuck[id]);
    var reasons = [];
    refused.forEach(function (entry) { if (reasons.indexOf(entry.reason) < 0) reasons.push(entry.reason); });
    reasons.forEach(function (reason) { parts.push(form.getAttribute("data-refused").replace("{reason}", reason)); });
    if (!count && !refused.length && drained[id]) parts.push(form.getAttribute("data-all-sent"));
    status.textContent = parts.join(" ");
    status.setAttribute("data-pending", String(count));
    status.setAttribute("data-refused-count", String(refused.length));
    status.classList.toggle("is-pending", count > 0 || refused.length > 0);
  }

  // --- sending ----------------------------------------------------------------------------------------

  function sendOne(list, entry) {
    return (entry.photo ? getPhoto(entry.key) : Promise.resolve(null)).then(function (photo) {
      var data = new FormData();
      data.append("csrf_token", window.csrfToken());
      data.append("client_key", entry.key);
      data.append("minute", entry.minute === null || entry.minute === undefined ? "" : String(entry.minute));
      data.append("row_key", entry.row_key || "");
      data.append("text", entry.text || "");
      data.append("typed_at", entry.typed_at || "");
      if (photo && photo.blob) data.append("photo", photo.blob, photo.name || "photo.jpg");
      return fetch(list.getAttribute("data-action"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": window.csrfToken(), "X-Observe": "1" }
      });
    });
  }

  // Keep a note the server will not take, with the reason, apart from the queue; false if the device is full.
  // `closed`: refused because the observation takes no more notes (finalized, removed): there is no form to put it
  // back into, even on a page opened before, so only "Discard" is offered.
  function refuse(id, entry, reason, closed) {
    var refused = readStore(refusedName(id));
    refused.push(Object.assign({}, entry, { reason: reason, closed: Boolean(closed),
                                            refused_at: new Date().toISOString().slice(0, 19) }));
    if (!writeStore(refusedName(id), refused)) return false;
    return without(queueName(id), entry.key);
  }

  function problemOf(body) {
    var doc = new DOMParser().parseFromString(body, "text/html");
    var problem = doc.querySelector(".note-problem") || doc.body;
    return (problem ? problem.textContent : "").replace(/\s+/g, " ").trim().slice(0, 300);
  }

  // The note's address answers a script with its note or a refusal, never a redirect: a redirect is the way
  // to the login page (a session that ended), which fetch followed.
  function sessionEnded(response) { return response.status === 401 || response.redirected; }

  function flush(id) {
    var list = listOf(id);
    if (!list) return Promise.resolve();
    if (sending[id] || !navigator.onLine) { showStatus(id); return Promise.resolve(); }
    var entry = queueOf(id)[0];
    if (!entry) { stuck[id] = null; showStatus(id); return Promise.resolve(); }
    sending[id] = true;
    return sendOne(list, entry).then(function (response) {
      return response.text().then(function (body) {
        sending[id] = false;
        var form = formOf(id);
        var status = response.status;
        var next = false;
        if (response.ok && !response.redirected && insertNote(id, body, entry.key)) {
          without(queueName(id), entry.key);
          if (entry.photo) dropPhoto(entry.key);
          stuck[id] = null;
          drained[id] = true;
          next = true;
        } else if (sessionEnded(response)) {
          stuck[id] = form && form.getAttribute("data-session-ended");
        } else if (status === 400) {  // the page's CSRF token belongs to a session that ended
          stuck[id] = form && form.getAttribute("data-reload");
        } else if (status === 422) {
          next = refuse(id, entry, problemOf(body) || String(status));
          stuck[id] = null;
        } else if (status === 403 || status === 404 || status === 410) {
          next = refuse(id, entry, list.getAttribute("data-closed"), true);
          stuck[id] = null;
        }  // else kept and sent again later: a busy server, a lost answer
        showStatus(id);
        if (next) return flush(id);
      });
    }, function () {
      sending[id] = false;  // no connection after all: kept on the device
      showStatus(id);
    });
  }

  // --- the form ---------------------------------------------------------------------------------------

  function setFieldError(form, field, message) {
    var wrapper = field.closest(".field") || field.parentNode;
    var errorId = field.id + "-error";
    var error = wrapper.querySelector(".field-error");
    if (!message) {
      if (error) error.remove();
      wrapper.classList.remove("has-error");
      field.removeAttribute("aria-invalid");
      if (field.getAttribute("aria-describedby") === errorId) field.removeAttribute("aria-describedby");
      return;
    }
    if (!error) {
      error = element("p", "field-error");
      error.id = errorId;
      wrapper.appendChild(error);
    }
    error.textContent = message;
    wrapper.classList.add("has-error");
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", errorId);
  }

  // What the server says of a typed minute (NoteForm.minute), or null when it takes it. A number below zero ("-3",
  // "－3") is a whole number out of range, as core.forms.IntegerField says it: the range sentence.
  function minuteProblem(form, typed) {
    if (typed === "") return null;
    if (/^[-\u2212]\s*\p{Nd}+$/u.test(typed.normalize("NFKC"))) return form.getAttribute("data-minute-range");
    if (!/^[0-9]{1,19}$/.test(typed)) return form.getAttribute("data-minute-whole");
    if (parseInt(typed, 10) > MAX_MINUTE) return form.getAttribute("data-minute-range");
    return null;
  }

  function queueNote(form) {
    var id = form.getAttribute("data-observation");
    var list = listOf(id);
    var text = form.querySelector("[name=text]");
    var minute = form.querySelector("[name=minute]");
    var row = form.querySelector("[name=row_key]");
    var file = form.querySelector("input[type=file][name=photo]");
    var photo = file && file.files && file.files[0];
    // Nothing to keep: said beside the note, in the server's words (pressing Add did nothing, silently).
    setFieldError(form, text, !text.value.trim() && !photo ? form.getAttribute("data-note-empty") : null);
    if (!text.value.trim() && !photo) { text.focus(); return; }
    var typed = minute.value.trim();
    var problem = minuteProblem(form, typed);
    setFieldError(form, minute, problem);
    if (problem) { minute.focus(); return; }
    var entry = {
      key: newKey(),
      minute: typed === "" ? (lessonMinute(form.getAttribute("data-lesson-start")) || 0) : parseInt(typed, 10),
      row_key: row ? row.value : "", row_label: row && row.value ? row.options[row.selectedIndex].text : "",
      text: text.value, typed_at: new Date().toISOString().slice(0, 19), photo: !!photo,
      user: list ? list.getAttribute("data-user") : undefined
    };
    var queue = readStore(queueName(id));
    queue.push(entry);
    if (!list || !writeStore(queueName(id), queue)) { form.submit(); return; }  // no storage here: post it
    var stored = photo ? putPhoto(entry.key, photo) : Promise.resolve();
    text.value = "";
    if (file) file.value = "";
    minute.removeAttribute("data-touched");
    tick(form);
    text.focus();
    showStatus(id);
    stored.then(function () { flush(id); });
  }

  // Back in the form as it was typed (the photo too, where the browser lets a page fill a file field).
  function restore(id, key) {
    var form = formOf(id);
    var entry = refusedOf(id).filter(function (other) { return other.key === key; })[0];
    if (!form || !entry) return;
    var text = form.querySelector("[name=text]");
    var minute = form.querySelector("[name=minute]");
    var row = form.querySelector("[name=row_key]");
    var file = form.querySelector("input[type=file][name=photo]");
    // Whatever is being typed now stays: the refused text comes after it.
    text.value = text.value.trim() ? text.value + "\n" + (entry.text || "") : (entry.text || "");
    minute.value = entry.minute === null || entry.minute === undefined ? "" : String(entry.minute);
    minute.setAttribute("data-touched", "");
    setFieldError(form, minute, minuteProblem(form, minute.value.trim()));
    if (row) row.value = entry.row_key || "";
    var photoBack = !entry.photo ? Promise.resolve(true) : getPhoto(key).then(function (photo) {
      if (!photo || !photo.blob || !file || !window.DataTransfer) return false;
      try {
        var transfer = new DataTransfer();
        transfer.items.add(new File([photo.blob], photo.name || "photo.jpg", { type: photo.blob.type }));
        file.files = transfer.files;
        return true;
      } catch (e) { return false; }
    });
    photoBack.then(function (back) {
      if (entry.photo && back) dropPhoto(key);  // a photo that did not go back stays in IndexedDB
      without(refusedName(id), key);
      showStatus(id);
      text.focus();
    });
  }

  function discard(id, key) {
    var entry = refusedOf(id).filter(function (other) { return other.key === key; })[0];
    if (!entry) return;
    without(refusedName(id), key);
    if (entry.photo) dropPhoto(key);
    showStatus(id);
    var form = formOf(id);
    var focus = form && form.querySelector("[name=text]");
    if (focus) focus.focus();
  }

  function tick(form) {
    var start = form.getAttribute("data-lesson-start");
    var minute = lessonMinute(start);
    var clock = document.querySelector("[data-lesson-clock]");
    if (clock && minute !== null) clock.textContent = clock.getAttribute("data-label").replace("{n}", minute);
    if (clock && minute === null) clock.textContent = clock.getAttribute("data-over");
    var field = form.querySelector("[name=minute]");
    if (field && minute !== null && !field.hasAttribute("data-touched") && document.activeElement !== field) {
      field.value = String(minute);
    }
  }

  function start(list) {
    if (list.hasAttribute("data-observe-ready")) return;
    list.setAttribute("data-observe-ready", "");
    var id = list.getAttribute("data-observation");
    var form = formOf(id);
    if (form) {
      var minute = form.querySelector("[name=minute]");
      if (minute) {
        // A minute the server sent back with an error (a plain post) is what the person typed: the clock keeps off.
        if (minute.getAttribute("aria-invalid") === "true") minute.setAttribute("data-touched", "");
        minute.addEventListener("input", function () { minute.setAttribute("data-touched", ""); });
      }
      tick(form);
    }
    showStatus(id);
    flush(id);
  }

  function each(callback) {
    document.querySelectorAll("[data-observe-list][data-observe-ready]").forEach(function (list) {
      callback(list.getAttribute("data-observation"));
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-observe]");
    if (!form || !window.fetch || !window.localStorage) return;
    event.preventDefault();
    queueNote(form);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-note-restore], [data-note-discard]");
    var list = button && button.closest("[data-observe-list]");
    if (!list) return;
    var id = list.getAttribute("data-observation");
    if (button.hasAttribute("data-note-restore")) restore(id, button.getAttribute("data-note-restore"));
    else discard(id, button.getAttribute("data-note-discard"));
  });
  window.addEventListener("online", function () { each(flush); });
  window.addEventListener("offline", function () { each(showStatus); });
  setInterval(function () {
    each(function (id) {
      var form = formOf(id);
      if (form) tick(form);
      flush(id);
    });
  }, RETRY_MS);
  // A list of observations (the pair's, the community's) says, per row, how many notes typed on this device wait
  // to be sent: they go from the observation's page only, which someone may have closed while offline.
  function showWaiting(section) {
    var user = section.getAttribute("data-user");
    section.querySelectorAll("[data-waiting-for]").forEach(function (line) {
      var count = readStore(queueName(line.getAttribute("data-waiting-for"))).filter(function (entry) {
        return entry.user === undefined || String(entry.user) === user;
      }).length;
      var text = section.getAttribute(count === 1 ? "data-waiting-one" : "data-waiting-many") || "";
      line.textContent = count ? text.replace(MINUTE_MARK, String(count)) : "";
      line.hidden = count === 0;
    });
  }
  function showAllWaiting() { document.querySelectorAll("[data-observe-waiting]").forEach(showWaiting); }
  window.addEventListener("storage", showAllWaiting);  // the observation's page, in another tab, sent them
  setInterval(showAllWaiting, RETRY_MS);

  function startAll() {
    document.querySelectorAll("[data-observe-list]").forEach(start);
    showAllWaiting();
  }
  document.addEventListener("DOMContentLoaded", startAll);
  document.addEventListener("htmx:load", startAll);
})();
