// Warns two minutes before the session ends for lack of activity, and lets
// the person stay signed in without leaving the page (and losing what they
// typed). Without JavaScript the page still says when the session ends.
(function () {
  "use strict";
  var timer = document.getElementById("session-timer");
  var warning = document.getElementById("session-warning");
  var stay = document.getElementById("session-stay");
  if (!timer || !warning || !stay) {
    return;
  }
  var until = parseInt(timer.getAttribute("data-idle-until"), 10);
  var lead = 2 * 60 * 1000;
  var pending = null;
  function schedule() {
    if (pending) {
      clearTimeout(pending);
    }
    var wait = until - Date.now() - lead;
    pending = setTimeout(function () {
      warning.hidden = false;
    }, Math.max(wait, 0));
  }
  stay.addEventListener("click", function () {
    fetch("/session/ping", { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      if (res.ok) {
        var next = parseInt(res.headers.get("X-Idle-Until"), 10);
        if (next) {
          until = next;
        }
        warning.hidden = true;
        schedule();
      } else {
        window.location.reload();
      }
    });
  });
  schedule();
})();
