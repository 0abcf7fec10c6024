// LeadFlow's own behaviour, loaded on every page. No inline scripts (strict CSP).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function onReady(fn) {
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }

  // --- The header: on narrow screens the navigation folds behind a "Menu" button. ---------
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (!toggle) { return; }
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    toggle.closest(".topbar").classList.toggle("nav-open", open);
  });

  // --- Native <dialog>: open it when htmx swaps content into it, close on [data-close-dialog].
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

  // --- Checkboxes that select every row of a table. ----------------------------------------
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) { return; }
    document.querySelectorAll(all.dataset.selectAll).forEach(function (box) { box.checked = all.checked; });
  });

  // --- Data tables: each cell learns its column's heading, shown above it when a narrow
  // screen stacks the rows as cards (app.css). Headings that are only for screen readers
  // (an "Actions" column) label nothing.
  function headingText(th) {
    var hidden = th.querySelector(".sr-only");
    var text = th.textContent.trim();
    return hidden && hidden.textContent.trim() === text ? "" : text;
  }
  function labelTable(table) {
    var labels = Array.prototype.map.call(table.querySelectorAll("thead th"), headingText);
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (labels[i] && !cell.hasAttribute("colspan")) { cell.setAttribute("data-label", labels[i]); }
      });
    });
  }
  function labelTables(root) {
    var table = root.closest ? root.closest("table.data") : null;
    if (table) { labelTable(table); }
    if (root.querySelectorAll) { root.querySelectorAll("table.data").forEach(labelTable); }
  }

  // --- A loading indicator for every htmx request: the bar at the top of the page, and
  // aria-busy on the region being replaced.
  var inFlight = 0;
  function loading(delta) {
    inFlight = Math.max(inFlight + delta, 0);
    var bar = document.getElementById("loading-bar");
    if (bar) { bar.classList.toggle("htmx-request", inFlight > 0); }
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    loading(1);
    if (event.detail.target) { event.detail.target.setAttribute("aria-busy", "true"); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    loading(-1);
    if (event.detail.target) { event.detail.target.removeAttribute("aria-busy"); }
  });

  // --- Toasts: a response's HX-Trigger {"showToast": {"message", "level"}} (leadflow/toasts.py).
  function showToast(message, level) {
    var region = document.getElementById("toasts");
    if (!region || !message) { return; }
    var toast = document.createElement("div");
    toast.className = "toast toast-" + (level || "success");
    var text = document.createElement("span");
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.textContent = "×";
    close.addEventListener("click", function () { toast.remove(); });
    toast.appendChild(text);
    toast.appendChild(close);
    region.appendChild(toast);
    setTimeout(function () { toast.remove(); }, level === "error" ? 10000 : 6000);
  }
  document.addEventListener("showToast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  // --- Confirmation before destructive or paid actions, in a <dialog> (base.html):
  // hx-confirm="…" on an htmx element, data-confirm="…" on a plain form or its button;
  // data-confirm-label names the button that goes ahead.
  function confirmAction(message, label) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { return Promise.resolve(window.confirm(message)); }
    document.getElementById("confirm-message").textContent = message;
    document.getElementById("confirm-ok").textContent = label || "Continue";
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () { resolve(dialog.returnValue === "ok"); }, { once: true });
      dialog.showModal();
      document.getElementById("confirm-ok").focus();
    });
  }
  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail.question;
    if (!question) { return; }
    event.preventDefault();
    var label = event.detail.elt.getAttribute("data-confirm-label");
    confirmAction(question, label).then(function (ok) { if (ok) { event.detail.issueRequest(true); } });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var source = event.submitter && event.submitter.hasAttribute("data-confirm") ? event.submitter : form;
    var message = source.getAttribute("data-confirm");
    if (!message || event.defaultPrevented || form.dataset.confirmed) { return; }
    event.preventDefault();
    var submitter = event.submitter;
    confirmAction(message, source.getAttribute("data-confirm-label")).then(function (ok) {
      if (!ok) { return; }
      form.dataset.confirmed = "1";
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
      delete form.dataset.confirmed;
    });
  });

  // --- The board --------------------------------------------------------------------------
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
    if (typeof Sortable === "undefined" || !root.querySelectorAll) { return; }
    root.querySelectorAll("[data-sortable-stage]").forEach(function (list) {
      if (list.dataset.sortableReady) { return; }
      list.dataset.sortableReady = "1";
      Sortable.create(list, {
        group: "pipeline", animation: 120, draggable: ".kcard", filter: "form, select, button, a, summary, input",
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

  // A re-drawn board keeps every card its columns showed ("Load more" included), and the
  // keyboard focus stays on the card just moved.
  var movedLead = null;
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt.closest("[data-board-form]");
    if (!form) { return; }
    document.querySelectorAll("[data-sortable-stage]").forEach(function (list) {
      event.detail.parameters["show_" + list.dataset.sortableStage] = String(list.querySelectorAll(".kcard").length);
    });
    var lead = form.querySelector("input[name=lead][type=hidden]");
    movedLead = lead ? lead.value : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!movedLead || event.detail.target.id !== "board") { return; }
    // Cards carry no id: htmx would copy a dragged card's inline styles onto its
    // replacement while settling, which the CSP refuses.
    var card = document.querySelector('.kcard[data-lead-id="' + movedLead + '"]');
    movedLead = null;
    if (!card) { return; }
    var handle = card.querySelector(".move-menu > summary") || card;
    handle.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
  });
  // A card's Move menu closes when focus or a click goes elsewhere, and on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll(".move-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = event.target.closest && event.target.closest(".move-menu[open]");
    if (menu) { menu.open = false; menu.querySelector("summary").focus(); }
  });

  onReady(function () { initBoard(document); labelTables(document); });
  document.addEventListener("htmx:load", function (event) { initBoard(event.detail.elt); labelTables(event.detail.elt); });
})();
