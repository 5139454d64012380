// The waiting-area TV (templates/queues/display.html): when the board fetched live shows a new
// call, flash the number and sound a short chime (Web Audio: no file, no network). Browsers play
// sound only after a first tap on the page, so the TV is given one "Turn on sound" tap.
(function () {
  "use strict";

  var audio = null;
  var lastCall = null;

  function chime() {
    if (!audio) return;
    var start = audio.currentTime + 0.05;
    [[880, 0], [660, 0.35]].forEach(function (note) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = note[0];
      gain.gain.setValueAtTime(0.0001, start + note[1]);
      gain.gain.exponentialRampToValueAtTime(0.4, start + note[1] + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + note[1] + 0.6);
      osc.connect(gain).connect(audio.destination);
      osc.start(start + note[1]);
      osc.stop(start + note[1] + 0.65);
    });
  }

  function currentCall() {
    var now = document.querySelector("#queue-board [data-last-call]");
    return now ? now.getAttribute("data-last-call") : "";
  }

  function announce() {
    var key = currentCall();
    if (key === lastCall) return;
    lastCall = key;
    if (!key) return;
    var now = document.querySelector("#queue-board [data-last-call]");
    now.classList.add("is-announcing");
    setTimeout(function () { now.classList.remove("is-announcing"); }, 6000);
    document.documentElement.setAttribute("data-queue-announced", key);
    chime();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.body.hasAttribute("data-queue-display")) return;
    lastCall = currentCall();  // what was already called when the TV came on: not announced
    var button = document.querySelector("[data-queue-sound]");
    if (button) {
      button.addEventListener("click", function () {
        var Context = window.AudioContext || window.webkitAudioContext;
        if (!Context) return;
        audio = audio || new Context();
        audio.resume();
        button.hidden = true;
        chime();
      });
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!document.body.hasAttribute("data-queue-display")) return;
    if (event.target && event.target.id === "queue-board") announce();
  });
})();
