"""The form renderer writes exactly the markup of Django's own widget templates."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from leadflow.form_rendering import FastWidgetRenderer


class Everything(forms.Form):
    text = forms.CharField(max_length=10, help_text="Help", label="A <label>")
    number = forms.IntegerField(min_value=0, max_value=9, required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "data-x": 'a"b'}))
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    flag = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=[("", "Any"), ("a", "A & B"), (1, "One"), ("x", 2000)])
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Group <1>", [("g1", "G1"), ("g2", "G2")]), ("z", "Z")],
        required=False,
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], required=False)
    safe = forms.ChoiceField(choices=[(mark_safe("<b>"), mark_safe("<i>bold</i>"))])
    disabled = forms.CharField(disabled=True, required=False)
    area = forms.CharField(widget=forms.Textarea, required=False)  # left to the templates
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A")], required=False)


BOUND = [
    {},
    {"text": "<script>", "number": "12", "day": "2026-13-01", "flag": "on", "choice": "a"},
    {"text": "ok", "number": "3", "day": "2026-01-02", "choice": "1", "grouped": "g2"},
    {"many": ["a", "b"], "secret": "s&s", "hidden": '"quoted"', "safe": "<b>", "area": "x"},
]


@pytest.mark.parametrize("data", BOUND)
@pytest.mark.parametrize("field", list(Everything.base_fields))
def test_widgets_render_as_djangos_templates(data: dict, field: str) -> None:
    form = Everything(data or None, initial={"day": dt.date(2026, 1, 2), "text": "init"})
    fast = form[field].as_widget()
    form.renderer = DjangoTemplates()
    assert fast == form[field].as_widget()


def test_the_projects_filter_forms_render_as_djangos_templates(db) -> None:
    from leads.forms import LeadFilterForm

    form = LeadFilterForm({"stage": "new", "sort": "-value", "zip": "8503x"})
    form.is_valid()
    fast = [str(form[name]) for name in form.fields]
    form.renderer = DjangoTemplates()
    assert fast == [str(form[name]) for name in form.fields]


def test_it_is_the_default_renderer() -> None:
    assert isinstance(get_default_renderer(), FastWidgetRenderer)


def test_selects_and_inputs_take_the_quick_path() -> None:
    renderer = FastWidgetRenderer()
    assert renderer._builder("django/forms/widgets/select.html") is not None
    assert renderer._builder("django/forms/widgets/date.html") is not None
    assert renderer._builder("django/forms/widgets/textarea.html") is None
