"""The form renderer (settings.FORM_RENDERER): Django's template renderer, with the widgets
every filter form shows (text-like inputs and selects) written out in Python.

Django renders each widget through its templates, and each option of a select through two
more includes; the lead list's sixteen filters cost more than its twenty-five rows. The
markup built here is exactly what Django's own `django/forms/widgets/` templates produce
(leadflow/tests/test_form_rendering.py compares the two). A widget whose template a project
template overrides, or whose option template is not Django's, is rendered by the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

DJANGO_WIDGETS = Path(django.forms.__file__).parent / "templates"
INPUT = "django/forms/widgets/input.html"
SELECT = "django/forms/widgets/select.html"
SELECT_OPTION = "django/forms/widgets/select_option.html"
# Widget templates that are `{% include "django/forms/widgets/input.html" %}` and nothing else.
INPUT_LIKE = {
    f"django/forms/widgets/{kind}.html"
    for kind in (
        "input", "text", "number", "email", "url", "color", "search", "tel", "password",
        "hidden", "date", "datetime", "time", "checkbox",
    )
}  # fmt: skip


def _formatted(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: str() of the value, escaped unless marked safe."""
    text = str(value)  # what "%s" % value gives (stringformat makes a tuple one string first)
    return mark_safe(text) if isinstance(value, SafeData) else escape(text)


def _shown(value: Any) -> str:
    """`{{ value }}`: localised, then escaped unless marked safe."""
    return str(conditional_escape(localize(template_localtime(value))))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {conditional_escape(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: Mapping[str, Any]) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{_formatted(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


def _option(option: Mapping[str, Any]) -> str:
    """django/forms/widgets/select_option.html, with the newline that ends the file."""
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_shown(option['label'])}</option>\n"
    )


def _select(widget: Mapping[str, Any]) -> str | None:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            if option["template_name"] != SELECT_OPTION:
                return None
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FastWidgetRenderer(DjangoTemplates):
    """Django's form renderer; see the module's docstring."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        build = self._builder(template_name)
        html = build(context["widget"]) if build is not None else None
        if html is None:
            return super().render(template_name, context, request=request)
        return mark_safe(html)  # every value in it was escaped above

    @cache  # noqa: B019  # one renderer per process (get_default_renderer)
    def _builder(self, template_name: str) -> Callable[[Mapping[str, Any]], str | None] | None:
        if template_name in INPUT_LIKE and self._is_djangos(template_name, INPUT):
            return _input
        if template_name == SELECT and self._is_djangos(SELECT, SELECT_OPTION):
            return _select
        return None

    def _is_djangos(self, *template_names: str) -> bool:
        """Do these names load Django's own widget templates (no project override)?"""
        return all(
            Path(str(self.get_template(name).origin.name)).is_relative_to(DJANGO_WIDGETS)
            for name in (*template_names, "django/forms/widgets/attrs.html")
        )
