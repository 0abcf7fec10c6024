"""Every form field people can get wrong has a label for its error messages: a field named in
the API's camelCase would otherwise be reported as "PageSize" or "MaxRecords"."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

from django import forms

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "billing", "leads", "leadflow")


def form_classes():
    for app in APPS:
        for path in (ROOT / app).rglob("forms.py"):
            module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
            for cls in vars(module).values():
                if inspect.isclass(cls) and issubclass(cls, forms.BaseForm):
                    yield cls


def test_it_labels_every_camel_case_field():
    unlabelled = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in form_classes()
        for name, field in cls.base_fields.items()
        if field.label is None and re.search("[A-Z]", name)
    ]
    assert unlabelled == []
