// Tin Cậy staff pages: small progressive enhancements only; every page works without script.
"use strict";
document.addEventListener("submit", function (event) {
  // <form data-confirm="..."> asks before a destructive action.
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  // <select data-autosubmit> submits its form when changed (language switch).
  if (event.target.matches("select[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});
