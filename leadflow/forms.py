"""How every app reports a form's errors: one JSON shape for the API, one text for people."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import JsonResponse


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """Field errors for JSON answers (keyed by the API's field names); form-wide errors
    under "__all__". Pages render the same errors with `_fragments/form_errors.html`."""
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def invalid_fields(fields: dict[str, list[str]]) -> JsonResponse:
    """The API's one 400 for bad input: `{"error": "invalid_request", "fields": {...}}`."""
    return JsonResponse({"error": "invalid_request", "fields": fields}, status=400)


def form_error_text(form: forms.BaseForm) -> str:
    """The errors as one line of plain text for people, each named by its field's label."""
    parts = [str(error) for error in form.non_field_errors()]
    for bound in form:
        parts.extend(f"{bound.label}: {error}" for error in bound.errors)
    return " ".join(parts)


# The largest whole number the databases hold (a signed 64-bit integer).
MAX_STORED_INT = 2**63 - 1


def _ascii_number(value: object) -> object:
    """Refuse a number not written in ASCII digits. Python's int() and Decimal() read "١٢٣"
    and "１２３" as 123, and a native library handed such text can panic and take the
    worker down (zipcodes did on a ZIP), so numbers are ASCII from the form on."""
    if isinstance(value, str) and not value.isascii():
        raise forms.ValidationError("Enter a number in the digits 0-9.", code="invalid")
    return value


class AsciiIntegerField(forms.IntegerField):
    """A whole number in ASCII digits, never past what the database holds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_value", MAX_STORED_INT)
        kwargs.setdefault("min_value", -MAX_STORED_INT)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        return super().to_python(_ascii_number(value))


class AsciiDecimalField(forms.DecimalField):
    """A decimal number in ASCII digits."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(_ascii_number(value))


def whole_number(text: str, *, minimum: int = 0, maximum: int = MAX_STORED_INT) -> int:
    """A query or form value read as a whole number in ASCII digits, within bounds;
    ValueError otherwise (for views that read a single value without a form)."""
    text = text.strip()
    if not (text.isascii() and text.lstrip("-").isdigit()):
        raise ValueError(f"{text[:20]!r} is not a whole number")
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValueError(f"{number} is out of range")
    return number
