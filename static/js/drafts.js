/* Nothing typed into a consultation's notes is lost.
 *
 * While the doctor types, what is in the notes form is kept on the server as a draft (after a
 * pause in typing, and at once on leaving a field, with keepalive so it survives the page
 * going away); the next page shows it again (clinical.services.encounter_draft_for) until the
 * notes are saved. Leaving the page by a link with notes not yet saved asks first; sending a
 * form of this page (a prescription, a test order) does not, the draft is already kept.
 */
(function () {
  "use strict";
  var form = document.querySelector("form[data-draft-url]");
  if (!form) return;
  var url = form.getAttribute("data-draft-url");
  var status = document.getElementById("draft-status");
  var PAUSE_MS = 1500;
  var timer = null;

  var version = form.getAttribute("data-notes-version") || "";
  function typed() {
    var data = new FormData(form);
    data.delete("submission");  // the draft is not the submission of the form
    return data;
  }
  function withVersion(data) {
    // The saved notes this page showed: a draft still on its way when they are saved is stale.
    data.append("notes_version", version);
    return data;
  }
  function text(data) { return new URLSearchParams(data).toString(); }
  var lastKept = text(typed());
  // The notes as the record has them; a restored draft or a refused save is not the record.
  var recorded = form.hasAttribute("data-unsaved") ? null : lastKept;

  function keep() {
    clearTimeout(timer);
    var data = typed();
    var now = text(data);
    if (now === lastKept) return;
    fetch(url, {
      method: "POST", body: withVersion(data), credentials: "same-origin", keepalive: true,
      redirect: "manual",
    })
      .then(function (response) {
        if (!response.ok) return null;  // a redirect (signed out) is not followed: nothing kept
        lastKept = now;
        return response.text();
      })
      .then(function (html) { if (html && status) status.innerHTML = html; })
      .catch(function () {
        if (status) status.textContent = "Not kept yet (no connection): keep this page open.";
      });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(keep, PAUSE_MS);
    if (status) status.textContent = "Typing…";
  });
  form.addEventListener("focusout", keep);

  var sending = false;
  document.addEventListener("submit", function (event) {
    sending = true;
    if (event.target !== form) keep();
  }, true);
  window.addEventListener("beforeunload", function (event) {
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
