"""How every app reports a form's errors: one JSON shape for the API, one text for people."""

from __future__ import annotations

from django import forms


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """Field errors for JSON answers (keyed by the API's field names); form-wide errors
    under "__all__". Pages render the same errors with `_fragments/form_errors.html`."""
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def form_error_text(form: forms.BaseForm) -> str:
    """The errors as one line of plain text for people, each named by its field's label."""
    parts = [str(error) for error in form.non_field_errors()]
    for bound in form:
        parts.extend(f"{bound.label}: {error}" for error in bound.errors)
    return " ".join(parts)
