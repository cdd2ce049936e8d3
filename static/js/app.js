// 红色物业门户: the only script besides htmx. No inline scripts (CSP), no eval.
(function () {
  "use strict";
  // A confirm dialog before destructive actions marked data-confirm (works with and without htmx).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
  // After a refused submission, put the cursor on the first field to fix (or on the form's message), so a
  // screen-reader or keyboard user lands where the problem is. Only when the page or fragment has one.
  function focusFirstProblem(root) {
    var target = root.querySelector('[aria-invalid="true"]') ||
      root.querySelector("form .flash-error[role=alert], .flash-error[data-testid=login-error]");
    if (!target) { return; }
    if (target.matches("fieldset")) {
      target = target.querySelector("input") || target;
    }
    if (!target.matches("input, select, textarea, button")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstProblem(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && event.target.querySelector) { focusFirstProblem(event.target); }
  });
  // If the network drops, say so instead of doing nothing.
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (flash) {
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.setAttribute("role", "alert");
      p.textContent = document.documentElement.lang === "en"
        ? "Network error: nothing was saved. Please check your connection and try again."
        : "网络连接失败，内容未保存。请检查网络后重试。";
      flash.replaceChildren(p);
    }
  });
})();
