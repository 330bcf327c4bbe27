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

  // Autosave. Only an answer the server confirms (2xx with X-Answer-Saved) counts as saved; a
  // redirect to the login page, an error page or no connection shows «Ответ не сохранён», keeps
  // the answer in the form and retries with a growing pause (2, 4, 8 … 30 s).
  var form = document.getElementById("answer-form");
  var statusBox = document.getElementById("save-status");
  var retryTimer = null, retryDelay = 0, unsaved = false;

  function fromAnswerForm(evt) {
    var cfg = evt.detail.requestConfig;
    var elt = (cfg && cfg.elt) || evt.detail.elt;
    return !!(form && elt && (elt === form || form.contains(elt)));
  }
  function isSaved(xhr) {
    return xhr.status >= 200 && xhr.status < 300 && xhr.getResponseHeader("X-Answer-Saved") === "1";
  }
  function failureText(xhr) {
    if (!xhr || xhr.status === 0) { return "нет связи с сервером"; }
    if (xhr.status === 401) { return "сессия истекла. Войдите снова в новой вкладке, ответ сохранится сам"; }
    try {
      var data = JSON.parse(xhr.responseText);
      if (data && data.detail) { return data.detail; }
    } catch (e) { /* not JSON */ }
    if (xhr.status >= 200 && xhr.status < 400) { return "сервер не подтвердил сохранение (возможно, нужно войти снова)"; }
    return "ошибка сервера (" + xhr.status + ")";
  }
  function retryNow() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    if (form) { htmx.trigger(form, "change"); }
  }
  function showUnsaved(reason) {
    if (!statusBox) { return; }
    var line = document.createElement("span");
    line.className = "text-danger fw-semibold";
    line.setAttribute("data-unsaved", "1");
    line.textContent = "Ответ не сохранён: " + reason + ". Повторная попытка через " +
      Math.round(retryDelay / 1000) + " с. ";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 align-baseline";
    button.textContent = "Повторить сейчас";
    button.addEventListener("click", retryNow);
    statusBox.replaceChildren(line, button);
  }
  function scheduleRetry(reason) {
    unsaved = true;
    retryDelay = retryDelay ? Math.min(retryDelay * 2, 30000) : 2000;
    window.clearTimeout(retryTimer);
    showUnsaved(reason);
    retryTimer = window.setTimeout(retryNow, retryDelay);
  }
  function settled() {
    unsaved = false;
    retryDelay = 0;
    window.clearTimeout(retryTimer);
    retryTimer = null;
  }

  document.body.addEventListener("htmx:beforeSwap", function (evt) {
    if (!fromAnswerForm(evt)) { return; }
    var xhr = evt.detail.xhr;
    if (xhr.status === 400 || xhr.status === 409) {
      // Refused by the rules (a wrong value, time over): said as is, retrying would not help.
      settled();
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
      if (statusBox) { evt.detail.target = statusBox; evt.detail.swapOverride = "innerHTML"; }
    } else if (isSaved(xhr)) {
      settled();
    } else {
      evt.detail.shouldSwap = false;
      evt.detail.isError = false;
      scheduleRetry(failureText(xhr));
    }
  });
  // Signing in again (in another tab, after an expired session) rotates the CSRF token: retries
  // send the current one from the cookie, not the one the page was rendered with.
  document.body.addEventListener("htmx:configRequest", function (evt) {
    if (!fromAnswerForm(evt)) { return; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { evt.detail.headers["X-CSRFToken"] = decodeURIComponent(match[1]); }
  });
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.body.addEventListener(name, function (evt) {
      if (fromAnswerForm(evt)) { scheduleRetry(failureText(null)); }
    });
  });
  window.addEventListener("beforeunload", function (evt) {
    if (unsaved) { evt.preventDefault(); evt.returnValue = ""; }
  });

  var lastMove = null;
  document.body.addEventListener("htmx:beforeRequest", function (evt) {
    var el = evt.detail.elt;
    lastMove = el && el.name === "move" ? el.value : null;
  });

  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var ok = isSaved(evt.detail.xhr);
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
