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

document.addEventListener("click", function (event) {
  // The weekly report: put the district's false information of the period into the
  // "unusual information" field of the section this person fills, once, then autosave.
  var button = event.target.closest("[data-insert-unusual]");
  if (!button) {
    return;
  }
  var field = document.querySelector("form.reportform textarea[data-unusual]");
  if (!field) {
    return;
  }
  var text = button.getAttribute("data-insert-unusual");
  if (field.value.indexOf(text) === -1) {
    field.value = field.value ? field.value + "\n" + text : text;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
  field.focus();
});
