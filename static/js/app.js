// Small progressive enhancements; every page works without them. No inline scripts (strict CSP).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function flash(message, kind) {
    var area = document.getElementById("flashes");
    if (!area) return;
    var p = document.createElement("p");
    p.className = "flash flash-" + (kind || "error");
    p.textContent = message;
    area.replaceChildren(p);
  }

  // The main menu marks the page it is on (aria-current), as the community tabs do: the menu is cached per reader,
  // not per page, so the mark is set here. A section's pages (the library's, the administration's) mark its entry.
  function markCurrentPage() {
    var here = window.location.pathname;
    document.querySelectorAll("#site-nav a[href]").forEach(function (link) {
      var path = new URL(link.href, window.location.href).pathname;
      var current = path === here || (path !== "/" && here.indexOf(path) === 0 && path.slice(-1) === "/");
      if (current) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
    });
  }

  function enhance(root) {
    var toggle = document.querySelector(".nav-toggle");
    if (toggle && toggle.hidden) {
      toggle.hidden = false;
      document.body.classList.add("nav-collapsible");
      document.body.classList.remove("nav-open");  // a boosted swap keeps <body>'s own classes
    }
    // A pair's pages fold the community's tabs on a phone behind one button (communities/_nav.html): shown only
    // where a script can open it.
    document.querySelectorAll(".tabs-toggle[hidden]").forEach(function (button) { button.hidden = false; });
    markCurrentPage();
    scrollRegions();
  }

  // A table that scrolls sideways sits in a box the keyboard can focus (tabindex="0", role="region", named by its
  // heading), so the arrow keys reach its last columns. Where the table fits (a wide screen), the box scrolls nothing
  // and was one more stop on the way through the page: it takes the focus only while it has something to scroll.
  function scrollRegions() {
    document.querySelectorAll(".scroll-x[role='region']").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && box.getAttribute("tabindex") !== "0") box.setAttribute("tabindex", "0");
      else if (!scrolls && box.hasAttribute("tabindex") && document.activeElement !== box) box.removeAttribute("tabindex");
    });
  }
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(scrollRegions, 150);
  });

  // The phone menu (☰) closes as a disclosure does: on Escape, the focus back on its button; and on a tap outside it.
  function closeMenu(focusToggle) {
    var toggle = document.querySelector(".nav-toggle");
    if (!toggle || toggle.getAttribute("aria-expanded") !== "true") return false;
    toggle.setAttribute("aria-expanded", "false");
    document.body.classList.remove("nav-open");
    if (focusToggle) toggle.focus();
    return true;
  }
  // A pair's pages fold the community's tabs behind one button (communities/_nav.html), a disclosure too: Escape closes
  // it, the focus back on its button, when the focus is on it or among its tabs (QA13: it stayed open, and its nine
  // links kept pushing the page down); a tap outside it closes it.
  function closeTabs(focusToggle) {
    var toggle = document.querySelector(".tabs-toggle[aria-expanded='true']");
    if (!toggle) return false;
    var tabs = document.getElementById(toggle.getAttribute("aria-controls"));
    var active = document.activeElement;
    var within = !active || active === document.body || active === toggle || (tabs && tabs.contains(active));
    if (focusToggle && !within) return false;  // Escape meant for something else (a list of suggestions, a field)
    toggle.setAttribute("aria-expanded", "false");
    if (focusToggle) toggle.focus();
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    if (closeMenu(true) || closeTabs(true)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".nav-toggle");
    if (toggle) {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      document.body.classList.toggle("nav-open", open);
      return;
    }
    var tabsToggle = event.target.closest(".tabs-toggle");
    if (tabsToggle) {
      tabsToggle.setAttribute("aria-expanded", tabsToggle.getAttribute("aria-expanded") === "true" ? "false" : "true");
      return;
    }
    if (!event.target.closest("#site-nav")) closeMenu(false);
    if (!event.target.closest(".tabs-compact")) closeTabs(false);
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var input = document.querySelector(copy.getAttribute("data-copy"));
      if (!input) return;
      input.select();
      var done = function () { copy.textContent = copy.getAttribute("data-copied") || "✓"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
      return;
    }
    var fill = event.target.closest("[data-fill-target]");
    if (fill) {
      var field = document.querySelector(fill.getAttribute("data-fill-target"));
      if (field) { field.value = fill.getAttribute("data-fill-value"); field.focus(); }
    }
  });

  // A select that goes where it is set (data-autosubmit: the language) goes at once when picked with the mouse or a
  // finger; worked by keys (data-keys-wait, below) each arrow key is a change, so it goes on Enter or when the
  // focus leaves it, if it was moved off the choice the page was drawn with (QA: the first ↓ reloaded the page).
  function submitMoved(select) {
    var drawn = Array.prototype.find.call(select.options, function (option) { return option.defaultSelected; });
    if (select.form && drawn && drawn.value !== select.value) select.form.requestSubmit();
  }
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form && !select.dataset.keyed) select.form.requestSubmit();
  });
  document.addEventListener("keydown", function (event) {
    var select = event.target.closest ? event.target.closest("select[data-autosubmit]") : null;
    if (select && event.key === "Enter") { event.preventDefault(); submitMoved(select); }
  });
  document.addEventListener("focusout", function (event) {
    var select = event.target.closest ? event.target.closest("select[data-autosubmit][data-keyed]") : null;
    if (select) submitMoved(select);
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-select-on-focus]")) event.target.select();
  });

  // The CSRF token of the page as it is now, for htmx and for the scripts' own requests (uploads, previews).
  // It sits inside <body>: a boosted page change (logging in, say) swaps the body's content but keeps <body>'s
  // own attributes, so a token kept there would belong to the session before.
  window.csrfToken = function () {
    var token = document.getElementById("csrf-token");
    return token ? token.getAttribute("data-token") : "";
  };
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = window.csrfToken();
  });

  // A live region (data-live: the compliance panel) refreshes itself by polling. It is not replaced while the
  // person is typing in one of its forms or has changed a field there (text typed, a choice made in a list, a box
  // ticked, a file picked), and the parts they had opened stay open after a refresh.
  function defaultIndex(select) {
    // The option the page brought selected: the last marked `selected`, else the first that is not disabled.
    var chosen = -1, first = -1;
    Array.prototype.forEach.call(select.options, function (option, index) {
      if (option.defaultSelected) chosen = index;
      if (first < 0 && !option.disabled) first = index;
    });
    return chosen >= 0 ? chosen : first;
  }
  function edited(field) {
    if (field.tagName === "SELECT") {
      if (field.multiple) {
        return Array.prototype.some.call(field.options, function (option) {
          return option.selected !== option.defaultSelected;
        });
      }
      return field.selectedIndex !== defaultIndex(field);
    }
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
    return field.value !== field.defaultValue;
  }
  var openParts = {};
  document.addEventListener("htmx:beforeRequest", function (event) {
    var live = event.detail.elt;
    if (!live || !live.hasAttribute || !live.hasAttribute("data-live")) return;
    var active = document.activeElement;
    var typing = active && live.contains(active) && active.matches("input, textarea, select");
    var changed = Array.prototype.some.call(live.querySelectorAll("input, textarea, select"), edited);
    if (typing || changed) { event.preventDefault(); return; }
    openParts[live.id] = Array.prototype.map.call(live.querySelectorAll("details[open][id]"),
      function (part) { return part.id; });
  });
  document.addEventListener("htmx:afterSettle", function () {
    Object.keys(openParts).forEach(function (id) {
      var live = document.getElementById(id);
      if (!live) return;
      openParts[id].forEach(function (partId) {
        var part = document.getElementById(partId);
        if (part && live.contains(part)) part.open = true;
      });
    });
  });

  // The live region tells a screen reader what its refresh changed, not that it refreshed: each item that carries a
  // status (data-status, with its words in data-status-text) is compared before and after, and only a changed one is
  // put, politely, into the page's live region that the region names (data-announce; it stays while the region is
  // replaced). A refresh that changes no status says nothing, nor does a change whose data-status-text is empty (an
  // export going from queued to running: only done and failed are news).
  var statusesBefore = null;
  function withStatus(live) {
    var items = Array.prototype.slice.call(live.querySelectorAll("[data-status][id]"));
    return live.hasAttribute("data-status") ? [live].concat(items) : items;
  }
  function statusesOf(live) {
    var statuses = {};
    withStatus(live).forEach(function (item) { statuses[item.id] = item.getAttribute("data-status"); });
    return statuses;
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    var live = event.detail.target;
    statusesBefore = live && live.hasAttribute && live.hasAttribute("data-announce") ?
      { id: live.id, statuses: statusesOf(live) } : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var before = statusesBefore;
    statusesBefore = null;
    var live = before && document.getElementById(before.id);
    var news = live && document.querySelector(live.getAttribute("data-announce"));
    if (!news) return;
    var changed = [];
    withStatus(live).forEach(function (item) {
      var was = before.statuses[item.id], text = item.getAttribute("data-status-text");
      if (was !== undefined && was !== item.getAttribute("data-status") && text) changed.push(text);
    });
    if (!changed.length) return;
    news.textContent = [news.getAttribute("data-message") || ""].concat(changed).join(" ").trim();
    // What became ready (an export's file) takes the focus, unless the person is somewhere on the page already.
    var ready = live.querySelector("[data-focus-when-ready]");
    if (ready && (!document.activeElement || document.activeElement === document.body)) ready.focus();
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var boosted = event.detail.requestConfig && event.detail.requestConfig.boosted;
    if (boosted && event.detail.requestConfig.verb === "get") {
      // A boosted link to a missing or forbidden page: show the server's own error page.
      window.location.href = event.detail.pathInfo.requestPath;
      return;
    }
    var message = document.body.getAttribute("data-error-message");
    var explanation = null;
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var heading = doc.querySelector(".error-page h1");
      if (heading) message = heading.textContent.trim();
      explanation = doc.querySelector(".error-page p:not(.error-code)");
    } catch (e) { /* keep the generic message */ }
    var form = formOf(event.detail.elt);
    if (form && xhr.status >= 500) {
      unsentNotice(form, message, explanation ? explanation.textContent.trim() : "");
      return;
    }
    flash(message, "error");
  });

  // A save in place that did not reach the server (no connection: htmx:sendError) or that the server could not
  // complete (5xx: a busy database, a fault) is not swapped, so its form keeps what was typed. The message goes
  // beside that form's button, where the person is looking: the page's flash sits at the top, on a phone 1,300 to
  // 2,000 px above a reply box or a plan section, and nothing seemed to happen (QA10). One rule for every form htmx
  // sends (a reply, a plan section, a comment, a meeting log...); a request without a form (a poll, a link) still
  // says it at the top. The message goes when the form is sent again, and a form the answer replaces takes it along.
  function formOf(elt) {
    return elt && elt.closest ? elt.closest("form") : null;
  }
  function unsentNotice(form, message, detail) {
    var notice = form.querySelector(".form-unsent");
    if (!notice) {
      // The existing style of a form's errors, above the button's row (not squeezed into the row beside it).
      notice = document.createElement("p");
      notice.className = "form-errors form-unsent";
      notice.setAttribute("role", "alert");
      var button = form.querySelector("button[type=submit], button:not([type])");
      var row = button && button.parentNode !== form ? button.closest(".button-row") : null;
      var before = row && form.contains(row) ? row : button;
      if (before) before.parentNode.insertBefore(notice, before); else form.append(notice);
    }
    if (detail) {
      var heading = document.createElement("strong");
      heading.textContent = message;
      notice.replaceChildren(heading, " " + detail);
    } else {
      notice.textContent = message;
    }
    notice.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = formOf(event.detail.elt);
    if (form) form.querySelectorAll(".form-unsent").forEach(function (notice) { notice.remove(); });
  });

  // A region that follows another field (the web address follows the community's name) is not replaced
  // while the person is typing in it: an answer already on its way would overwrite what they typed.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var guarded = target && target.getAttribute && target.getAttribute("data-keep-while-focused");
    if (guarded && document.activeElement && document.activeElement.matches(guarded)) {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var message = document.body.getAttribute("data-offline-message");
    var form = formOf(event.detail.elt);
    if (form) unsentNotice(form, message, ""); else flash(message, "error");
  });

  // <html lang> and the messages the scripts show come with each page, inside <body> (#page-language): a boosted
  // page change swaps the body's content but keeps <html> and <body>'s own attributes, so after logging in (or
  // changing the language on the account page) lang="en" stayed over Chinese text, with the wrong font and the
  // wrong voice for screen readers, until a reload. Copy them over after every swap and history restore.
  function adoptPageLanguage() {
    var marker = document.getElementById("page-language");
    if (!marker) return;  // a fragment swap: the page keeps its language
    var lang = marker.getAttribute("data-lang");
    if (lang && document.documentElement.getAttribute("lang") !== lang) document.documentElement.setAttribute("lang", lang);
    ["data-error-message", "data-offline-message"].forEach(function (name) {
      var text = marker.getAttribute(name);
      if (text) document.body.setAttribute(name, text);
    });
  }
  adoptPageLanguage();

  document.addEventListener("htmx:historyRestore", adoptPageLanguage);

  // A region that replaces itself (data-keep-open: the sign-in board's code, every few seconds) keeps a <details>
  // the reader opened open: the new copy comes from the server closed.
  var keptOpen = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    keptOpen = target && target.hasAttribute("data-keep-open") ?
      Array.prototype.map.call(target.querySelectorAll("details[id][open]"), function (details) { return details.id; }) :
      [];
  });
  document.addEventListener("htmx:afterSwap", function () {
    keptOpen.forEach(function (id) {
      var details = document.getElementById(id);
      if (details) details.open = true;
    });
    keptOpen = [];
  });

  // Focus after a swap. A region htmx replaces takes the focused control with it, and the focus falls to <body>:
  // a keyboard or screen-reader user is thrown back to the top of the page. Before the swap, note where the focus
  // was (its id, else the ids of its nearest ancestors and a key that finds it again among their content: a form's
  // action, a link's address, a <details>' summary); after it, one rule decides where the focus goes:
  //   1. the answer has field errors (a refused form, in place or boosted): the first invalid field;
  //   2. a link or button that opened a form in place (Edit): that form's first field;
  //   3. else, if the focus fell to <body>: the same control again, else the nearest item that is still there
  //      (a log moved to the trash: its list), made focusable for the moment.
  // A page change (boosted, not refused) starts at the top as usual. What the action says goes into #flashes.
  var FIELDS = "input:not([type=hidden]), select, textarea";
  function visible(element) {
    // checkVisibility: a closed <details>' content still has boxes in Chromium (content-visibility: hidden).
    return element.checkVisibility ? element.checkVisibility({ visibilityProperty: true }) : element.getClientRects().length > 0;
  }
  function keyOf(element) {
    if (!element || element === document.body || !element.isConnected) return null;
    var key = { id: element.id || null, anchors: [], select: null, index: 0 };
    for (var up = element.parentElement; up && up !== document.body; up = up.parentElement) {
      if (up.id) key.anchors.push(up.id);
    }
    var form = element.form || element.closest("form");
    if (element.matches("summary")) key.select = "summary";
    else if (element.matches("a[href]")) key.select = "a[href=\"" + CSS.escape(element.getAttribute("href")) + "\"]";
    else if (form && form.getAttribute("action")) {
      var own = element === form ? "button[type=submit], button:not([type])" : element.tagName.toLowerCase() +
        (element.name ? "[name=\"" + CSS.escape(element.name) + "\"]" : "");
      key.select = "form[action=\"" + CSS.escape(form.getAttribute("action")) + "\"] " + own;
      key.index = Math.max(0, Array.prototype.indexOf.call(form.querySelectorAll(own), element));
    }
    return key;
  }
  function focusable(element) {
    if (!element.matches("a[href], button, input, select, textarea, summary, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
      element.addEventListener("blur", function () { element.removeAttribute("tabindex"); }, { once: true });
    }
    return element;
  }
  function findKey(key) {
    if (key.id) {
      var same = document.getElementById(key.id);
      if (same && visible(same)) return same;
    }
    for (var i = 0; i < key.anchors.length; i++) {
      var anchor = document.getElementById(key.anchors[i]);
      if (!anchor || !visible(anchor)) continue;
      if (key.select) {
        var found = anchor.querySelectorAll(key.select);
        var match = found[key.index] || found[0];
        if (match && visible(match)) return match;
      }
      return focusable(anchor);
    }
    return null;
  }
  function focusFirstError(root) {
    var first = (root || document).querySelector("[aria-invalid='true']") ||
      (root || document).querySelector(".form-errors, .field-error");
    if (!first) return false;
    first.scrollIntoView({ block: "center" });
    if (first.matches("input, select, textarea")) first.focus({ preventScroll: true });
    return true;
  }
  // Each request's swap is noted apart (keyed by its XMLHttpRequest): a thread's poll answering while a reply's
  // swap settled once overwrote the reply's note, and the focus fell to <body> after every reply.
  var swaps = new WeakMap();
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail, config = detail.requestConfig || {};
    var refused = detail.xhr && (detail.xhr.status === 422 || detail.xhr.status === 409);
    if (refused && config.boosted) {
      // A boosted form the server refused comes back as the whole page with its errors: keep the reader where they
      // were (not the top of the page, htmx's choice for a boosted answer).
      detail.swapOverride = "innerHTML show:none";
    }
    if (!detail.xhr) return;
    if (!detail.shouldSwap || (config.boosted && !refused)) { swaps.delete(detail.xhr); return; }
    var target = detail.target, active = document.activeElement;
    var trigger = config.elt || detail.elt;
    var held = active && active !== document.body && target && target.contains(active) ? active :
      (trigger && target && trigger !== target && target.contains(trigger) ? trigger : null);
    swaps.set(detail.xhr, {
      refused: refused, targetId: target && target.id, key: keyOf(held),
      opens: config.verb === "get" && trigger && trigger.matches && trigger.matches("a, button") &&
        !(target && target.hasAttribute("data-live")),
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var swap = xhr && swaps.get(xhr);
    if (!swap) return;
    swaps.delete(xhr);
    var region = (swap.targetId && document.getElementById(swap.targetId)) || document.querySelector("main") || document.body;
    if (swap.refused || region.querySelector("[aria-invalid='true']")) {
      if (focusFirstError(region) || focusFirstError(document.querySelector("main"))) return;
    }
    if (swap.opens) {
      var field = Array.prototype.find.call(region.querySelectorAll("form " + FIELDS), visible);
      if (field) { field.focus(); return; }
    }
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var back = swap.key && findKey(swap.key);
    if (back) back.focus({ preventScroll: true });
  });

  // A page change (a boosted link, or a plain form's redirect) brings its messages inside the new page: the live
  // region arrives with them, and a screen reader announces nothing. Put them back in a moment, so they are news.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;
    if (!config || !config.boosted) return;
    var area = document.getElementById("flashes");
    if (!area || !area.children.length) return;
    var messages = Array.prototype.slice.call(area.children);
    area.replaceChildren();
    window.setTimeout(function () { area.replaceChildren.apply(area, messages); }, 150);
  });

  // A page change (a boosted link or form) leaves the focus on <body>, and nothing tells a screen reader that the page
  // changed (only <title> does). Move the focus to the new page's main heading, else to <main>, as a full page load
  // starts there; a link to a part of the page (#expenses) goes to that part. A refused form is left to the rule
  // above (its first invalid field), and a field the new page focused itself (autofocus) keeps the focus.
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig, xhr = event.detail.xhr;
    if (!config || !config.boosted || (xhr && (xhr.status === 422 || xhr.status === 409))) return;
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    var main = document.querySelector("main");
    if (!main) return;
    var part = window.location.hash.length > 1 ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
    // Not a heading someone wrote inside a description or a post (.prose): the page's own. Under a community's header
    // (its name is the h1 of every tab) that is the page's first h2: after saving attendance the focus landed on
    // the community's name, not on "Attendance".
    var heading = main.querySelector("h1:not(.prose h1)");
    if (heading && heading.closest(".community-head")) {
      var own = Array.prototype.find.call(main.querySelectorAll("h2"), function (h2) {
        return !h2.closest(".prose, .community-head") && visible(h2);
      });
      if (own) heading = own;
    }
    var target = part || heading || main;
    focusable(target).focus({ preventScroll: !part });
  });

  // "Line 175" beside an error of a text typed in a box (a program's JSON): the caret goes to that line of the box,
  // selected, scrolled into view (the link alone took the focus to the box, wherever its caret was).
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-line][href^='#']") : null;
    var area = link ? document.getElementById(link.getAttribute("href").slice(1)) : null;
    if (!area || area.tagName !== "TEXTAREA") return;
    event.preventDefault();
    var lines = area.value.split("\n"), wanted = Math.max(1, Math.min(parseInt(link.getAttribute("data-line"), 10) || 1,
                                                                      lines.length));
    var start = 0;
    for (var i = 0; i < wanted - 1; i++) start += lines[i].length + 1;
    area.focus();
    area.setSelectionRange(start, start + lines[wanted - 1].length);
    var height = parseFloat(window.getComputedStyle(area).lineHeight) || 18;
    area.scrollTop = Math.max(0, (wanted - 3) * height);
    area.scrollIntoView({ block: "nearest" });
  });

  // A list whose default follows another's choice (data-follows="<the other's id>", data-choice-map='{"<its value>":
  // "<this value>"}', data-choice-else: the value for the rest): the observation form follows the person observed (the
  // new teacher observing their mentor starts on the form to learn by), until the person chooses this list themselves.
  document.addEventListener("change", function (event) {
    var changed = event.target;
    if (!changed || changed.tagName !== "SELECT") return;
    if (changed.hasAttribute("data-follows")) { changed.setAttribute("data-chosen", ""); return; }
    if (!changed.id) return;
    document.querySelectorAll("select[data-follows='" + changed.id + "']").forEach(function (follower) {
      if (follower.hasAttribute("data-chosen")) return;
      var map = {};
      try { map = JSON.parse(follower.getAttribute("data-choice-map") || "{}"); } catch (error) { map = {}; }
      var value = map[changed.value] || follower.getAttribute("data-choice-else");
      var known = Array.prototype.some.call(follower.options, function (option) { return option.value === value; });
      if (value && known) follower.value = value;
    });
  });

  // A select that saves when picked (data-keys-wait: a member's role, the language) is marked while worked by keys:
  // each arrow key is a change in Chromium, and browsing the roles saved each one; its form's Save (shown while it
  // has the focus) saves then. A pointer clears the mark, so that a role picked with the mouse or a finger still
  // saves at once.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target && target.tagName === "SELECT" && target.hasAttribute("data-keys-wait")) target.dataset.keyed = "1";
  }, true);
  document.addEventListener("pointerdown", function (event) {
    var target = event.target && event.target.closest ? event.target.closest("select[data-keys-wait]") : null;
    if (target) delete target.dataset.keyed;
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    var trigger = event.detail && event.detail.triggeringEvent;
    if (trigger && trigger.type === "change" && trigger.target && trigger.target.dataset && trigger.target.dataset.keyed) {
      event.preventDefault();  // not sent: the keys only browsed (Save sends it)
    }
  });

  document.addEventListener("htmx:afterSettle", function () { adoptPageLanguage(); enhance(document); });
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
})();
