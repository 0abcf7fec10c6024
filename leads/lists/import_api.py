"""The import API: `POST /api/imports`, `GET /api/imports/<id>` and the rejected rows as CSV
(`GET /api/imports/<id>/rejected.csv`, also the page's download).

A file over IMPORT_INLINE_MAX_BYTES is queued: 202 with the import's `statusUrl`, which
answers its progress and, once it is done, the same body as an import inside the request.
Its preview reads its first rows only: `partial` says so, and `totalRows` about how many
the file holds."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens
from leads.errors import invalid_fields, invalid_request, not_found
from leads.export.writer import safe_cell
from leads.lists.csv_files import ImportFileError
from leads.lists.forms import ImportForm
from leads.lists.import_jobs import import_enqueue
from leads.lists.import_staging import is_large, preview_limit
from leads.lists.imports import ImportResult, import_commit, import_preview
from leads.lists.models import ImportStatus, ListImport
from leads.lists.serializers import import_json, import_progress_json


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def imports(request: HttpRequest) -> JsonResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return invalid_request(form)
    data = form.cleaned_data
    upload = data["file"]
    try:
        result = _import(form, user_id=request.user.pk)
    except ImportFileError as exc:
        return invalid_fields({exc.field: [exc.message]})
    finally:
        upload.close()
    record = result.record
    if record is not None and record.status == ImportStatus.QUEUED:
        return JsonResponse(import_progress_json(record), status=202)
    status = 201 if record is not None else 200
    return JsonResponse(import_json(result, preview=bool(data["preview"])), status=status)


def _import(form: ImportForm, *, user_id: int | None) -> ImportResult:
    data = form.cleaned_data
    stream = data["file"].open("rb")
    size = data["file"].size or 0
    if data["preview"]:  # a large file's preview reads its first rows only
        return import_preview(stream, mapping=data["mapping"], limit=preview_limit(size))
    large = is_large(size)
    return (import_enqueue if large else import_commit)(
        stream,
        list_name=data["listName"].strip(),
        user_id=user_id,
        file_name=data["file"].name or "",
        mapping=data["mapping"],
    )


@require_GET
@api_login_required
def import_detail(request: HttpRequest, import_id: int) -> JsonResponse:
    record = ListImport.objects.filter(pk=import_id).first()
    if record is None:
        return not_found(f"No import {import_id}.")
    if record.status != ImportStatus.DONE:
        return JsonResponse(import_progress_json(record))
    return JsonResponse({**import_json(ImportResult.of(record), preview=False), "status": "done"})


@require_GET
@api_login_required
def api_rejected_csv(request: HttpRequest, import_id: int) -> HttpResponse:
    return _rejected_download(import_id)


@require_GET
@login_required
def rejected_csv(request: HttpRequest, import_id: int) -> HttpResponse:
    return _rejected_download(import_id)


def _rejected_download(import_id: int) -> HttpResponse:
    """The rows an import turned down, as they were, with their line and the reason."""
    record = ListImport.objects.filter(pk=import_id).first()
    if record is None:
        return HttpResponse("No such import.", status=404, content_type="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "reason", *record.header])
    for item in record.rejected:
        writer.writerow([item["row"], safe_cell(item["reason"]), *map(safe_cell, item["cells"])])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-rejected.csv"'
    return response
