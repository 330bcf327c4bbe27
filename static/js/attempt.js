/* Taking a diagnostic: the countdown (from the server's remaining seconds, not the client clock),
   spoken warnings, error swaps for refused answers, focus kept on reordered elements. */
(function () {
  "use strict";
  var timer = document.getElementById("countdown");
  var announce = document.getElementById("time-announce");

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(total) {
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return pad(h) + ":" + pad(m) + ":" + pad(s);
  }

  if (timer) {
    var end = Date.now() + parseInt(timer.dataset.seconds || "0", 10) * 1000;
    var warned = {};
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      timer.textContent = format(left);
      [600, 300, 60].forEach(function (mark) {
        if (left <= mark && left > 0 && !warned[mark]) {
          warned[mark] = true;
          if (announce) { announce.textContent = "Осталось " + Math.ceil(left / 60) + " мин."; }
          if (mark <= 300) { timer.classList.add("text-danger", "fw-bold"); }
        }
      });
      if (left <= 0) {
        clearInterval(handle);
        timer.textContent = "00:00:00";
        if (announce) { announce.textContent = "Время истекло. Работа завершается с сохранёнными ответами."; }
        window.setTimeout(function () { window.location.href = timer.dataset.expiredUrl; }, 1500);
      }
    };
    var handle = window.setInterval(tick, 1000);
    tick();
  }

  // Answers are saved by htmx on change; Enter in a text field must not submit the form (this was an
  // inline onsubmit handler, which the Content-Security-Policy does not run).
  document.addEventListener("submit", function (evt) {
    if (evt.target && evt.target.id === "answer-form") { evt.preventDefault(); }
  });

  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    var status = evt.detail.xhr.status;
    if (status === 400 || status === 409) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
      var box = document.getElementById("save-status");
      if (box) { evt.detail.target = box; evt.detail.swapOverride = "innerHTML"; }
    }
  });

  var lastMove = null;
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    var el = evt.detail.elt;
    lastMove = el && el.name === "move" ? el.value : null;
  });

  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var ok = evt.detail.xhr.status === 200;
    var current = document.querySelector("#question-nav [aria-current=page]");
    if (ok && current) {
      current.classList.add("answered");
      var label = current.querySelector(".answered-label");
      if (label) { label.textContent = " (есть ответ)"; }
    }
    if (lastMove) {
      var button = document.querySelector('button[name=move][value="' + lastMove + '"]:not([disabled])');
      if (!button) {
        var id = lastMove.split(":")[0];
        button = document.querySelector('button[name=move][value^="' + id + ':"]:not([disabled])');
      }
      if (button) { button.focus(); }
      var status = document.getElementById("save-status");
      if (ok && status) { status.textContent = "Порядок сохранён"; }
      lastMove = null;
    }
  });
})();
