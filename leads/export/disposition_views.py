"""Importing call results: `POST /api/dispositions` (multipart `file`, `preset`) and the page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens
from leads.errors import invalid_fields, invalid_request
from leads.export.disposition_csv import IMPORT_PRESETS, DispositionFileError
from leads.export.dispositions import ImportResult, dispositions_import
from leads.htmx import is_htmx

MAX_FILE_BYTES = 20 * 1024 * 1024
PRESET_LABELS = {
    "generic": "Generic (phone, disposition, time, agent, notes)",
    "batchdialer": "BatchDialer",
    "calltools": "CallTools",
    "readymode": "ReadyMode",
    "convoso": "Convoso",
}


class DispositionsForm(forms.Form):
    file = forms.FileField(label="Call-results CSV")
    preset = forms.ChoiceField(
        required=False, choices=[(name, PRESET_LABELS[name]) for name in IMPORT_PRESETS]
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(f"At most {MAX_FILE_BYTES // 1024 // 1024} MB.")
        return upload


def _import(request: HttpRequest, form: DispositionsForm) -> ImportResult:
    upload = form.cleaned_data["file"]
    return dispositions_import(
        data=upload.read(),
        preset=form.cleaned_data["preset"] or "generic",
        user_id=request.user.pk,
        file_name=upload.name or "",
    )


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def api_dispositions(request: HttpRequest) -> JsonResponse:
    form = DispositionsForm(request.POST, request.FILES)
    if not form.is_valid():
        return invalid_request(form)
    try:
        result = _import(request, form)
    except DispositionFileError as exc:
        return invalid_fields({"file": [str(exc)]})
    return JsonResponse(result.as_json())


@login_required
def dispositions_page(request: HttpRequest) -> HttpResponse:
    form = DispositionsForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                context["result"] = _import(request, form).as_json()
                form = DispositionsForm()
            except DispositionFileError as exc:
                form.add_error("file", str(exc))
                status = 400
    context["form"] = form
    template = "leads/dispositions.html#outcome" if is_htmx(request) else "leads/dispositions.html"
    return render(request, template, context, status=status)
