// HMS page behaviour shared by every screen: toasts, and clear feedback when an htmx request fails.
(function () {
  "use strict";

  function showToasts(root) {
    // Only toasts never shown yet: a closed or timed-out one is removed, never shown again.
    root.querySelectorAll("[data-hms-toast]:not(.show):not(.hide):not(.showing)").forEach(function (el) {
      el.addEventListener("hidden.bs.toast", function () { el.remove(); }, { once: true });
      // Urgent ones (a critical lab value) stay until the person closes them, except on a page
      // that pins them (dashboards, notifications): there the pinned card holds the alert until
      // it is acknowledged, and a toast left standing would cover its Acknowledge button.
      var sticky = el.hasAttribute("data-hms-sticky") &&
        !document.getElementById("pinned-notifications");
      bootstrap.Toast.getOrCreateInstance(el, { delay: 6000, autohide: !sticky }).show();
    });
  }

  function toast(text, colour) {
    var container = document.getElementById("toasts");
    if (!container) return;
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + (colour || "danger");
    el.setAttribute("role", "alert");
    el.setAttribute("data-hms-toast", "");
    var row = document.createElement("div");
    row.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body fs-6";
    body.textContent = text;  // never HTML: the text may echo user input
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", "Close");
    row.appendChild(body);
    row.appendChild(close);
    el.appendChild(row);
    container.appendChild(el);
    showToasts(container);
  }
  window.hmsToast = toast;

  document.addEventListener("DOMContentLoaded", function () { showToasts(document); });

  // The sign-in pop-up of urgent notifications (messaging/urgent_popup.html) opens by itself.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-hms-modal-open]").forEach(function (el) {
      bootstrap.Modal.getOrCreateInstance(el).show();
    });
  });

  // A refused field takes the focus (autofocus) and says why just under itself: bring that reason
  // into sight too, or a field at the foot of the screen hides it below the fold.
  function showRefusalReason() {
    var field = document.querySelector("[autofocus][aria-describedby]");
    if (!field) return;
    var reason = document.getElementById(field.getAttribute("aria-describedby").split(" ")[0]);
    if (reason) reason.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("DOMContentLoaded", function () {
    window.requestAnimationFrame(showRefusalReason);
  });
  document.addEventListener("htmx:afterSettle", function (event) { showToasts(event.target); });

  // A table wider than its box scrolls sideways: someone on a keyboard must be able to reach it
  // and scroll it (WCAG 2.1.1; axe's scrollable-region-focusable). Only boxes that do scroll
  // become a tab stop, named by the heading above them.
  function reachableTables(root) {
    root.querySelectorAll(".table-responsive:not([tabindex])").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth + 1) return;
      var card = box.closest(".card, section, main");
      var heading = card && card.querySelector("h1, h2, h3, h4");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", (heading ? heading.textContent.trim() + ": " : "") +
        "table, scrolls sideways");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { reachableTables(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target.querySelectorAll) reachableTables(event.target);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 403) toast("Your role may not do that. Nothing was changed.", "warning");
    else if (status === 404) toast("That record no longer exists. Reload the page.", "warning");
    else if (status === 409) toast("Someone else was saving the same thing at that moment, so " +
      "nothing of yours was saved. Look again and do it again.", "warning");
    else if (status === 503) toast("The hospital's database is not answering, so nothing was " +
      "saved. Wait a minute and try again.");
    else toast("Something went wrong (" + status + "). Nothing was changed; please try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    toast("The server cannot be reached. Check the network and try again.");
  });

  // The live connection (htmx ws extension, one socket per tab). The extension reconnects with
  // jittered back-off; we show when it is down, keep it alive with a heartbeat (which the server
  // uses to notice signed-out and idle sessions), and on reconnect ask every live fragment of the
  // page to fetch itself again: events missed while offline are not replayed, the page re-reads.
  var heartbeat = null;
  var everOpened = false;
  var liveSocket = null;
  function liveStatus(online) {
    var badge = document.getElementById("live-status");
    if (badge) badge.hidden = online;
  }
  document.addEventListener("htmx:wsOpen", function (event) {
    var socket = event.detail.socketWrapper;
    liveSocket = socket;
    liveStatus(true);
    clearInterval(heartbeat);
    heartbeat = setInterval(function () { socket.send(JSON.stringify({ ping: 1 })); }, 25000);
    if (everOpened) htmx.trigger(document.body, "hms:resync");
    everOpened = true;
  });
  // A page already on its way elsewhere (a form sent, a link followed: "Sign out" is one) must
  // not reload itself over that navigation: the reload would cancel it. If the page is still
  // here after a few seconds (a download, say), it reloads then.
  var leaving = false;
  window.addEventListener("beforeunload", function () { leaving = true; });
  document.addEventListener("htmx:wsClose", function (event) {
    clearInterval(heartbeat);
    if (event.detail.event.code === 4401) {  // the session ended: sign-in page
      // The idle logoff (static/js/idle.js) may be reloading already: one reload, not two.
      if (window.hmsLeavingQuietly) return;
      window.hmsLeavingQuietly = true;  // no "leave the page?" (static/js/drafts.js): it is kept
      setTimeout(function () { window.location.reload(); }, leaving ? 3000 : 0);
      return;
    }
    liveStatus(false);
  });
  // A live "signal" asks the parts of the page that show something to fetch it again (they
  // listen with hx-trigger="<event> from:body"): the fragment says what changed, not how it looks.
  function fireSignals() {
    var box = document.getElementById("live-signals");
    if (!box) return;
    box.querySelectorAll("[data-hms-event]").forEach(function (signal) {
      htmx.trigger(document.body, signal.getAttribute("data-hms-event"));
      signal.remove();
    });
  }
  // A live panel asked again while its last fetch is on the way: htmx queues the second fetch on
  // the panel that the answer then replaces (outerHTML), so it was dropped and the panel kept the
  // first answer, which may predate the second change. Asked in the 20 ms between that swap and
  // the new panel's settling, no panel listens at all. So the asks are counted where they are
  // sent (each panel's events, heard on the document before htmx hears them on the body) and the
  // fetches where they leave; when the new panel has settled and an ask came after its fetch set
  // out, it fetches once more. Only those events are asks: a panel's own triggers (load, a timer,
  // hms:stale) fetch at once, and a timer comes round again on the new panel.
  var liveSeq = 0, liveAsked = {}, liveFetched = {}, liveEventsHeard = {};
  var LIVE_EVENT = /(\S+) from:body/g;
  function livePanel(elt) {
    return elt && elt.hasAttribute && elt.hasAttribute("data-hms-live") && elt.id ? elt : null;
  }
  function liveAsk(event) {
    document.querySelectorAll("[data-hms-live]").forEach(function (panel) {
      var names = (panel.getAttribute("hx-trigger") || "").match(LIVE_EVENT) || [];
      if (panel.id && names.indexOf(event.type + " from:body") !== -1) {
        liveAsked[panel.id] = ++liveSeq;
      }
    });
  }
  function hearLiveEvents() {
    document.querySelectorAll("[data-hms-live]").forEach(function (panel) {
      var found, trigger = panel.getAttribute("hx-trigger") || "";
      LIVE_EVENT.lastIndex = 0;
      while ((found = LIVE_EVENT.exec(trigger)) !== null) {
        var name = found[1];
        if (liveEventsHeard[name]) continue;
        liveEventsHeard[name] = true;
        document.addEventListener(name, liveAsk, true);  // capture: before htmx's fetch
      }
    });
  }
  document.addEventListener("DOMContentLoaded", hearLiveEvents);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var panel = livePanel(event.detail.target);
    if (panel) liveFetched[panel.id] = { seq: ++liveSeq, elt: panel };
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    hearLiveEvents();
    var panel = livePanel(event.target);
    var fetched = panel && liveFetched[panel.id];
    if (!fetched || fetched.elt === panel || fetched.elt.isConnected) return;
    // Not bubbling: a panel inside another asks for itself alone.
    if ((liveAsked[panel.id] || 0) > fetched.seq) {
      panel.dispatchEvent(new CustomEvent("hms:stale", { bubbles: false }));
    }
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    showToasts(document);
    fireSignals();
    chatArrived();
  });

  // Chat: keep the log scrolled to the newest message, tell the server what was read while the
  // page is visible, and announce typing (the server throttles and checks membership too).
  function chatThread() { return document.body.getAttribute("data-chat-thread"); }
  function chatScroller() { return document.getElementById("chat-scroll"); }
  function scrollChatToEnd() {
    var box = chatScroller();
    if (box) box.scrollTop = box.scrollHeight;
  }
  function markChatRead() {
    var thread = chatThread();
    if (!thread || document.visibilityState !== "visible") return;
    var log = document.getElementById("chat-log-" + thread);
    var form = document.getElementById("chat-read");
    var all = log ? log.querySelectorAll(".chat-msg") : [];
    var last = all.length ? all[all.length - 1] : null;
    if (!last || !form) return;
    var upTo = last.getAttribute("data-message-id");
    if (form.elements.up_to.value === upTo) return;
    form.elements.up_to.value = upTo;
    htmx.trigger(form, "hms:chat-read");
  }
  function chatArrived() {
    if (!chatThread()) return;
    var box = chatScroller();
    if (box && box.scrollHeight - box.scrollTop - box.clientHeight < 200) scrollChatToEnd();
    markChatRead();
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!chatThread()) return;
    scrollChatToEnd();
    var input = document.getElementById("chat-body");
    if (input) input.focus();
  });
  document.addEventListener("visibilitychange", markChatRead);
  var lastTyping = 0;
  document.addEventListener("input", function (event) {
    if (event.target.id !== "chat-body" || !liveSocket) return;
    var now = Date.now();
    if (now - lastTyping < 2000) return;
    lastTyping = now;
    liveSocket.send(JSON.stringify({ typing: chatThread() }));
  });
  // Enter sends, Shift+Enter makes a new line.
  document.addEventListener("keydown", function (event) {
    if (event.target.id === "chat-body" && event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });
  // Older messages load above: keep the reader's place.
  var heightBefore = 0;
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "chat-older") {
      heightBefore = chatScroller().scrollHeight;
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "chat-compose") {
      var input = document.getElementById("chat-body");
      if (input) input.focus();
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (heightBefore && chatScroller()) {
      var box = chatScroller();
      box.scrollTop += box.scrollHeight - heightBefore;
      heightBefore = 0;
    }
  });

  // "Print" for a PDF (invoice, receipt): load it in a hidden frame and open the print dialog.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print-pdf]");
    if (!button) return;
    var frame = document.getElementById("hms-print-frame");
    if (frame) frame.remove();
    frame = document.createElement("iframe");
    frame.id = "hms-print-frame";
    frame.style.position = "fixed";
    frame.style.width = "1px";
    frame.style.height = "1px";
    frame.style.opacity = "0";
    frame.src = button.getAttribute("data-print-pdf");
    frame.onload = function () {
      try { frame.contentWindow.focus(); frame.contentWindow.print(); }
      catch (error) { window.open(frame.src, "_blank", "noopener"); }
    };
    document.body.appendChild(frame);
  });

  // A button with data-clear="<id>" empties that element (a form opened in place, closed).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-clear]") : null;
    var box = button ? document.getElementById(button.getAttribute("data-clear")) : null;
    if (box) box.innerHTML = "";
  });

  // Buttons that need a second thought carry data-confirm: a plain confirm(), no inline script.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // A second tap on a form that is already sending does nothing: the first answer comes back.
  // (The server is the real guard: each form's one-time token, hms.submissions. This spares the
  // second request.) The submitting button is not disabled, so its name and value still go.
  var SENDING_MS = 15000;  // a page that stays (a download, a lost answer) can be sent again
  function markSending(form) {
    form.setAttribute("data-hms-sending", "");
    form.setAttribute("aria-busy", "true");
    setTimeout(function () { unmarkSending(form); }, SENDING_MS);
  }
  function unmarkSending(form) {
    form.removeAttribute("data-hms-sending");
    form.removeAttribute("aria-busy");
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("hx-post") || form.hasAttribute("data-hx-post")) return;  // htmx's own
    if (form.hasAttribute("data-hms-sending")) { event.preventDefault(); return; }
    markSending(form);
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (!form || (event.detail.requestConfig.verb || "").toLowerCase() !== "post") return;
    if (form.hasAttribute("data-hms-sending")) { event.preventDefault(); return; }
    markSending(form);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (form) unmarkSending(form);
  });
  // Coming back with the browser's Back button shows the page as it was: sendable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-hms-sending]").forEach(unmarkSending);
  });
})();
