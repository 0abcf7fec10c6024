// LeadFlow's own behaviour, loaded on every page. No inline scripts (strict CSP).
(function () {
  "use strict";

  // Native <dialog>: open it when htmx swaps content into it, close on [data-close-dialog].
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = event.detail.target.closest("dialog");
    if (dialog && !dialog.open) { dialog.showModal(); }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) { closer.closest("dialog").close(); }
  });

  // Form errors: an htmx answer carries an error summary for a form it did not re-render
  // (`_fragments/form_errors.html` with `data-form`). Mark that form's named fields invalid,
  // described by their line in the summary, clear the marks of fields now valid, and take
  // the person to the first bad field. A whole page already has the marks from the server.
  function markInvalidFields(summary) {
    var form = document.getElementById(summary.dataset.form);
    if (!form) { return null; }
    form.querySelectorAll(".field-error").forEach(function (old) { old.remove(); });
    form.querySelectorAll(".field-invalid").forEach(function (old) { old.classList.remove("field-invalid"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (old) {
      old.removeAttribute("aria-invalid");
      old.removeAttribute("aria-describedby");
    });
    summary.dataset.invalidFields.split(" ").forEach(function (id) {
      var field = id && document.getElementById(id);
      if (!field || !form.contains(field)) { return; }
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", id + "_summary");
      if (field.closest(".field")) { field.closest(".field").classList.add("field-invalid"); }
    });
    return form.querySelector("[aria-invalid=true]");  // the first on the page
  }
  function goToField(field) {
    if (!field) { return; }
    field.scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var first = null;
    event.detail.elt.querySelectorAll(".form-errors[data-form]").forEach(function (summary) {
      first = first || markInvalidFields(summary);
    });
    goToField(first);
  });
  document.addEventListener("DOMContentLoaded", function () {
    goToField(document.querySelector("#main [aria-invalid=true]"));
  });

  // Checkboxes that select every row of a table.
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) { return; }
    document.querySelectorAll(all.dataset.selectAll).forEach(function (box) { box.checked = all.checked; });
  });

  // Where a dropped card lands in its column's full order (the board may be filtered or
  // show only the first cards): just above the card now after it, else just below the one
  // before it. Within one column, moving down closes the gap the card left first.
  function targetPosition(card, sameColumn) {
    var mine = parseInt(card.dataset.position, 10);
    var next = card.nextElementSibling;
    while (next && !next.classList.contains("kcard")) { next = next.nextElementSibling; }
    var prev = card.previousElementSibling;
    while (prev && !prev.classList.contains("kcard")) { prev = prev.previousElementSibling; }
    var position = 0;
    if (next) { position = parseInt(next.dataset.position, 10); }
    else if (prev) { position = parseInt(prev.dataset.position, 10) + 1; }
    if (sameColumn && mine < position) { position -= 1; }
    return Math.max(position, 0);
  }

  // Kanban: SortableJS on each column; a drop posts the move form for that card.
  function initBoard(root) {
    if (typeof Sortable === "undefined") { return; }
    root.querySelectorAll("[data-sortable-stage]").forEach(function (list) {
      if (list.dataset.sortableReady) { return; }
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        group: "pipeline", animation: 120, draggable: ".kcard", filter: "form, select, button, a",
        preventOnFilter: false,
        onEnd: function (evt) {
          var card = evt.item;
          var form = document.getElementById("drop-form");
          if (!form || (evt.from === evt.to && evt.oldIndex === evt.newIndex)) { return; }
          form.querySelector("[name=lead]").value = card.dataset.leadId;
          form.querySelector("[name=stage]").value = evt.to.dataset.sortableStage;
          form.querySelector("[name=position]").value = targetPosition(card, evt.from === evt.to);
          form.querySelector("[name=expected_stage]").value = card.dataset.stage;
          form.querySelector("[name=expected_position]").value = card.dataset.position;
          htmx.trigger(form, "submit");
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { initBoard(document); });
  document.addEventListener("htmx:load", function (event) { initBoard(event.detail.elt); });
})();
