// Notes during a lesson, safe when the classroom's Wi-Fi drops. Each note is written to this device first
// (localStorage; its photo in IndexedDB) with a key made here, then sent; it leaves the device only once the
// server answered that it is stored. A note sent twice (the answer lost on the way back) is stored once: the
// server keys notes by that key. Retried when the browser says it is online again and every few seconds.
// The running clock shows the minute of the lesson. Without JavaScript the form posts as usual.
(function () {
  "use strict";

  var RETRY_MS = 5000;
  var sending = {};

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function storeName(form) { return "observe-queue-" + form.getAttribute("data-observation"); }
  function readQueue(form) {
    try { return JSON.parse(localStorage.getItem(storeName(form)) || "[]"); } catch (e) { return []; }
  }
  function writeQueue(form, queue) {
    try { localStorage.setItem(storeName(form), JSON.stringify(queue)); return true; } catch (e) { return false; }
  }

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

  function lessonMinute(start) {
    if (!start) return null;
    var minutes = Math.floor((Date.now() - Date.parse(start)) / 60000);
    return Math.max(0, Math.min(minutes, 600));
  }

  function showStatus(form, extra) {
    var status = form.querySelector("[data-observe-status]");
    if (!status) return;
    var queue = readQueue(form);
    var count = queue.length;
    var text = "";
    if (count === 1) text = form.getAttribute("data-pending-one");
    else if (count > 1) text = form.getAttribute("data-pending-many").replace("{n}", count);
    if (count && !navigator.onLine) {
      text += " " + form.getAttribute("data-offline");
      if (queue.some(function (entry) { return entry.photo; })) text += " " + form.getAttribute("data-photo-offline");
    }
    if (extra) text = (text ? text + " " : "") + extra;
    status.textContent = text;
    status.setAttribute("data-pending", String(count));
    status.classList.toggle("is-pending", count > 0);
  }

  function insertNote(html) {
    var list = document.getElementById("note-list");
    if (!list) return;
    var doc = new DOMParser().parseFromString(html, "text/html");
    var item = doc.querySelector("li.note");
    if (!item) return;
    if (list.querySelector('[data-note-key="' + item.getAttribute("data-note-key") + '"]')) return;
    var minute = parseInt(item.getAttribute("data-minute"), 10) || 0;
    var after = Array.prototype.find.call(list.children, function (other) {
      return (parseInt(other.getAttribute("data-minute"), 10) || 0) > minute;
    });
    list.insertBefore(document.importNode(item, true), after || null);
    var empty = document.getElementById("no-notes");
    if (empty) empty.remove();
  }

  function sendOne(form, entry) {
    return (entry.photo ? getPhoto(entry.key) : Promise.resolve(null)).then(function (photo) {
      var data = new FormData();
      data.append("csrf_token", window.csrfToken());
      data.append("client_key", entry.key);
      data.append("minute", entry.minute === null || entry.minute === undefined ? "" : String(entry.minute));
      data.append("row_key", entry.row_key || "");
      data.append("text", entry.text || "");
      data.append("typed_at", entry.typed_at || "");
      if (photo && photo.blob) data.append("photo", photo.blob, photo.name || "photo.jpg");
      return fetch(form.action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": window.csrfToken(), "X-Observe": "1" }
      });
    });
  }

  function flush(form) {
    var id = storeName(form);
    if (sending[id] || !navigator.onLine) { showStatus(form); return Promise.resolve(); }
    var queue = readQueue(form);
    if (!queue.length) { showStatus(form); return Promise.resolve(); }
    sending[id] = true;
    var entry = queue[0];
    return sendOne(form, entry).then(function (response) {
      return response.text().then(function (body) {
        var done = response.status === 200 || response.status === 201;
        var refused = response.status === 422;
        if (done) insertNote(body);
        if (done || refused) {
          writeQueue(form, readQueue(form).filter(function (other) { return other.key !== entry.key; }));
          if (entry.photo) dropPhoto(entry.key);
        }
        sending[id] = false;
        if (refused) {
          var reason = new DOMParser().parseFromString(body, "text/html").body.textContent.trim();
          showStatus(form, form.getAttribute("data-refused").replace("{reason}", reason));
          return flush(form);
        }
        if (done) return flush(form);
        showStatus(form);  // kept; sent again later (a busy server, an expired session)
      });
    }, function () {
      sending[id] = false;  // no connection after all: kept on the device
      showStatus(form);
    });
  }

  function queueNote(form) {
    var text = form.querySelector("[name=text]");
    var minute = form.querySelector("[name=minute]");
    var row = form.querySelector("[name=row_key]");
    var file = form.querySelector("input[type=file][name=photo]");
    var photo = file && file.files && file.files[0];
    if (!text.value.trim() && !photo) { text.focus(); return; }
    var typed = minute.value.trim();
    var entry = {
      key: newKey(),
      minute: typed === "" ? lessonMinute(form.getAttribute("data-lesson-start")) : parseInt(typed, 10),
      row_key: row ? row.value : "", text: text.value, typed_at: new Date().toISOString().slice(0, 19), photo: !!photo
    };
    var queue = readQueue(form);
    queue.push(entry);
    if (!writeQueue(form, queue)) { form.submit(); return; }  // no storage on this device: post it as a form
    var stored = photo ? putPhoto(entry.key, photo) : Promise.resolve();
    text.value = "";
    if (file) file.value = "";
    minute.removeAttribute("data-touched");
    tick(form);
    text.focus();
    stored.then(function () {
      showStatus(form);
      flush(form);
    });
  }

  function tick(form) {
    var start = form.getAttribute("data-lesson-start");
    var minute = lessonMinute(start);
    var clock = document.querySelector("[data-lesson-clock]");
    if (clock && minute !== null) clock.textContent = clock.getAttribute("data-label").replace("{n}", minute);
    var field = form.querySelector("[name=minute]");
    if (field && minute !== null && !field.hasAttribute("data-touched") && document.activeElement !== field) {
      field.value = String(minute);
    }
  }

  function start(form) {
    if (form.hasAttribute("data-observe-ready")) return;
    form.setAttribute("data-observe-ready", "");
    var minute = form.querySelector("[name=minute]");
    if (minute) minute.addEventListener("input", function () { minute.setAttribute("data-touched", ""); });
    tick(form);
    showStatus(form);
    flush(form);
  }

  function each(callback) {
    document.querySelectorAll("form[data-observe]").forEach(callback);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-observe]");
    if (!form || !window.fetch || !window.localStorage) return;
    event.preventDefault();
    queueNote(form);
  });
  window.addEventListener("online", function () { each(flush); });
  window.addEventListener("offline", function () { each(function (form) { showStatus(form); }); });
  setInterval(function () { each(function (form) { tick(form); flush(form); }); }, RETRY_MS);
  document.addEventListener("DOMContentLoaded", function () { each(start); });
  document.addEventListener("htmx:load", function () { each(start); });
})();
