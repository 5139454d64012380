/* Idle logoff that counts the person, not the page.
 *
 * The server signs a session out after IDLE_TIMEOUT_SECONDS without a request the person made
 * (hms.middleware.IdleLogoutMiddleware); polls and socket pings do not count. Typing a long note
 * makes no request, so real input (a key press, a click, a touch) is reported to /activity/, at
 * most once a minute. A minute before the limit the page asks the server how long is left
 * (another tab may have been used) and, if it is really ending, shows "Stay signed in". When the
 * time is up the page asks the server once more, which signs the session out; the page then
 * reloads into the sign-in form, which brings the person back here afterwards.
 */
(function () {
  "use strict";
  var dialog = document.getElementById("idle-dialog");
  if (!dialog) return;
  var url = dialog.getAttribute("data-idle-url");
  var timeoutMs = parseInt(dialog.getAttribute("data-idle-timeout"), 10) * 1000;
  if (!url || !timeoutMs) return;
  // Asking how long is left neither counts as activity nor follows a redirect to the sign-in page.
  var BACKGROUND = { credentials: "same-origin", redirect: "manual", headers: { "X-HMS-Background": "1" } };
  var REPORT_EVERY_MS = Math.min(60000, timeoutMs / 4);
  var WARN_BEFORE_MS = Math.min(60000, timeoutMs / 2);
  var lastReport = Date.now();  // loading this page was a request of the person's own
  var inputSinceReport = false;
  var warnTimer = null;
  var countdownTimer = null;
  var deadline = Date.now() + timeoutMs;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }
  function signedOut(response) {
    // The middleware signed the session out: its answer is a redirect to the sign-in page, not
    // followed here (the page would take the "You were signed out" message meant for the reload).
    return response.type === "opaqueredirect" || response.redirected ||
      response.status === 401 || response.status === 403;
  }
  function goToSignIn() {
    window.hmsLeavingQuietly = true;  // typed notes are kept as a draft (static/js/drafts.js)
    window.location.reload();
  }

  function schedule(secondsLeft) {
    deadline = Date.now() + secondsLeft * 1000;
    clearTimeout(warnTimer);
    warnTimer = setTimeout(check, Math.max(0, secondsLeft * 1000 - WARN_BEFORE_MS));
  }
  function answered(response) {
    if (signedOut(response)) { goToSignIn(); return null; }
    if (!response.ok) return null;
    return response.json().then(function (state) { return state.seconds_left; });
  }
  function report() {
    inputSinceReport = false;
    lastReport = Date.now();
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(answered).then(function (secondsLeft) {
      if (secondsLeft !== null && secondsLeft !== undefined) schedule(secondsLeft);
      return secondsLeft;
    }).catch(function () { return null; });  // offline: the next input tries again
  }
  function check() {
    if (inputSinceReport) { report(); return; }
    fetch(url, BACKGROUND)
      .then(answered)
      .then(function (secondsLeft) {
        if (secondsLeft === null || secondsLeft === undefined) return;
        if (secondsLeft * 1000 > WARN_BEFORE_MS + 2000) schedule(secondsLeft);
        else warn(secondsLeft);
      })
      .catch(function () { schedule(Math.max(0, (deadline - Date.now()) / 1000)); });
  }

  function warn(secondsLeft) {
    deadline = Date.now() + secondsLeft * 1000;
    var shown = dialog.querySelector("[data-idle-countdown]");
    function tick() {
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      if (shown) shown.textContent = String(left);
      if (left <= 0) { clearInterval(countdownTimer); expire(); }
    }
    tick();
    clearInterval(countdownTimer);
    countdownTimer = setInterval(tick, 1000);
    if (!dialog.open) dialog.showModal();
    var stay = dialog.querySelector("[data-idle-stay]");
    if (stay) stay.focus();
  }
  // Time is up on this page's clock. Ask the server (in the background, which does not count):
  // past the limit it signs the session out and answers with the sign-in page; if another tab
  // was used meanwhile, time is left and the page carries on. A plain reload here would itself
  // count as activity and keep the session.
  function expire() {
    fetch(url, BACKGROUND)
      .then(answered)
      .then(function (secondsLeft) {
        if (secondsLeft === null || secondsLeft === undefined) return;
        if (secondsLeft <= 0) { setTimeout(expire, 1000); return; }
        if (dialog.open) dialog.close();
        schedule(secondsLeft);
      })
      .catch(function () { setTimeout(expire, 5000); });  // offline: try again
  }
  function stay() {
    clearInterval(countdownTimer);
    report().then(function (secondsLeft) {
      if (secondsLeft === null) goToSignIn();
    });
    dialog.close();
  }
  dialog.querySelector("[data-idle-stay]").addEventListener("click", stay);
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); stay(); });

  function input() {
    if (dialog.open) return;  // the dialog's own button answers it
    if (Date.now() - lastReport >= REPORT_EVERY_MS) report();
    else inputSinceReport = true;
  }
  ["keydown", "pointerdown", "touchstart"].forEach(function (name) {
    document.addEventListener(name, input, { capture: true, passive: true });
  });
  // Input within the last minute goes out with the next report, at most a minute late.
  setInterval(function () { if (inputSinceReport) report(); }, REPORT_EVERY_MS);
  schedule(timeoutMs / 1000);
})();
