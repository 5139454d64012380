/* Nothing typed into a consultation's notes is lost.
 *
 * While the doctor types, what is in the notes form is kept on the server as a draft (after a
 * pause in typing, and at once on leaving a field, with keepalive so it survives the page
 * going away); the next page shows it again (clinical.services.encounter_draft_for) until the
 * notes are saved. The page's parts (notes, prescriptions, tests) are sent by htmx and only their
 * own part is redrawn, so what is typed elsewhere stays. Saving the notes redraws only the line
 * under them (hms:notes-saved carries the saved notes' version). Leaving the page by a link with
 * notes not yet saved asks first; sending a whole-page form of this page does not, the draft is
 * already kept.
 */
(function () {
  "use strict";
  var PAUSE_MS = 1500;
  var form = null;      // the notes form now on the page (redrawn when a save is refused)
  var url = "";
  var version = "";     // the saved notes the page knows of: a draft typed against older is stale
  var lastKept = "";    // what the server holds as draft (or saved notes)
  var recorded = null;  // the notes as the record has them; null: not what the form shows
  var saving = null;    // what a save on its way sent
  var timer = null;
  var saves = 0;        // notes saves begun: a draft answer from before the latest save is stale

  function typed() {
    var data = new FormData(form);
    data.delete("submission");  // the draft is not the submission of the form
    return data;
  }
  function withVersion(data) {
    data.append("notes_version", version);
    return data;
  }
  function text(data) { return new URLSearchParams(data).toString(); }
  function status() { return document.getElementById("draft-status"); }

  function adopt(element) {
    // The notes form of the first page, or the one drawn again after a refused save.
    if (element === form) return;
    form = element;
    url = form.getAttribute("data-draft-url");
    version = form.getAttribute("data-notes-version") || version;
    lastKept = text(typed());
    recorded = form.hasAttribute("data-unsaved") ? null : lastKept;
  }

  function keep() {
    clearTimeout(timer);
    if (!form || !document.body.contains(form)) return;
    var data = typed();
    var now = text(data);
    if (now === lastKept) return;
    var sentAt = saves;
    fetch(url, {
      method: "POST", body: withVersion(data), credentials: "same-origin", keepalive: true,
      redirect: "manual",
    })
      .then(function (response) {
        if (!response.ok) return null;  // a redirect (signed out) is not followed: nothing kept
        // A save sent since (leaving the last box sends this draft as the save's click lands)
        // answers for the notes: this answer must not write over "Notes saved".
        if (sentAt !== saves) return null;
        lastKept = now;
        return response.text();
      })
      .then(function (html) { var line = status(); if (html && line) line.innerHTML = html; })
      .catch(function () {
        var line = status();
        if (line && sentAt === saves) {
          line.textContent = "Not kept yet (no connection): keep this page open.";
        }
      });
  }

  htmx.onLoad(function (content) {
    var found = content.matches && content.matches("form[data-draft-url]")
      ? content : content.querySelector && content.querySelector("form[data-draft-url]");
    if (found) adopt(found);
  });

  document.addEventListener("input", function (event) {
    if (!form || !form.contains(event.target)) return;
    clearTimeout(timer);
    timer = setTimeout(keep, PAUSE_MS);
    var line = status();
    if (line) line.textContent = "Typing…";
  });
  document.addEventListener("focusout", function (event) {
    if (form && form.contains(event.target)) keep();
  });

  // A save by htmx: what it sent becomes the record when the server says it is saved.
  // The record may write a box differently (a code in capitals, spaces trimmed): a box not
  // touched since it was sent shows what was saved.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (form && event.detail.elt === form) { clearTimeout(timer); saves += 1; saving = typed(); }
  });
  document.body.addEventListener("hms:notes-saved", function (event) {
    version = event.detail.version;
    if (form) form.setAttribute("data-notes-version", version);
    if (!form || saving === null) return;
    var written = event.detail.fields || {};
    Object.keys(written).forEach(function (name) {
      var box = form.elements[name];
      var value = String(written[name]).replace(/\r\n/g, "\n");
      if (!saving.has(name)) return;
      if (box && box.value === saving.get(name)) box.value = value;
      saving.set(name, value);
    });
    recorded = lastKept = text(saving);
    saving = null;
    if (text(typed()) !== lastKept) keep();  // typed on while it was saving
  });

  var sending = false;
  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (target !== form) keep();
    // A whole-page form leaves the page (the draft is kept); an htmx one keeps the page.
    if (!target.hasAttribute("hx-post")) sending = true;
  }, true);
  window.addEventListener("beforeunload", function (event) {
    if (!form || !document.body.contains(form)) return;
    var now = text(typed());
    if (now !== lastKept && navigator.sendBeacon) {
      navigator.sendBeacon(url, withVersion(typed()));
      lastKept = now;
    }
    if (sending || window.hmsLeavingQuietly) return;
    if (now !== recorded) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
