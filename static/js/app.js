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

// Social listening: the alerts queue by keyboard. j/k move between alerts, d/a/t press the
// alert's dismiss/attach/tip button, o (or Enter) opens the post. Keys are ignored while typing.
(function () {
  function alerts() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-alerts] [data-alert]"));
  }
  function current() {
    return document.querySelector("[data-alert].is-current");
  }
  function select(item) {
    var old = current();
    if (old) {
      old.classList.remove("is-current");
    }
    if (item) {
      item.classList.add("is-current");
      item.focus({ preventScroll: false });
    }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    var list = alerts();
    if (!list.length) {
      return;
    }
    var here = current();
    var index = here ? list.indexOf(here) : -1;
    var key = event.key;
    if (key === "j" || key === "k") {
      var next = key === "j" ? Math.min(index + 1, list.length - 1) : Math.max(index - 1, 0);
      select(list[next]);
      event.preventDefault();
    } else if (here && (key === "o" || key === "Enter") && target === here) {
      var link = here.querySelector("[data-open]");
      if (link) {
        link.click();
      }
    } else if (here && (key === "d" || key === "a" || key === "t" || key === "u")) {
      var button = here.querySelector('button[data-key="' + key + '"]');
      if (button) {
        button.click();
        event.preventDefault();
      }
    }
  });
  // After htmx swaps a handled alert, keep the place in the queue: select the next open one.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.detail.target && document.getElementById(event.detail.target.id);
    var list = alerts();
    var at = list.indexOf(swapped);
    if (at >= 0 && swapped.classList.contains("alert--open") === false) {
      select(list[at + 1] || swapped);
    }
  });
})();

// Daily figures: in the entry grid, Enter and the down arrow go to the same column of the next
// district, the up arrow to the previous one (Tab keeps going along the row).
document.addEventListener("keydown", function (event) {
  var input = event.target;
  if (!input.matches || !input.matches("[data-grid] tbody input") || event.ctrlKey || event.metaKey) {
    return; // Ctrl+Enter saves the form
  }
  var down = event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey);
  var up = event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey);
  if (!down && !up) {
    return;
  }
  var cell = input.closest("td");
  var row = cell.parentElement;
  var index = Array.prototype.indexOf.call(row.children, cell);
  var other = down ? row.nextElementSibling : row.previousElementSibling;
  event.preventDefault();
  if (other && other.children[index]) {
    var next = other.children[index].querySelector("input");
    if (next) {
      next.focus();
      next.select();
    }
  }
});
