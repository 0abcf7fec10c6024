"""The import pages: upload → preview (mapping, normalised sample, counts, rejections) →
commit. The file waits between the steps as a `StagedUpload` (`import_staging`), so any web
process can commit what another previewed. A large file waits in storage; its preview shows
its first rows in the request while the whole file is counted in the background
(`import_counts`, polled by htmx), and its commit queues it and shows its progress page,
which htmx polls until the import is done."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from leads.htmx import partial_template
from leads.lists.csv_files import FIELDS, ImportFileError
from leads.lists.forms import ImportForm
from leads.lists.import_counts import counts_forget, counts_of, counts_start
from leads.lists.import_jobs import import_enqueue
from leads.lists.import_staging import (
    is_large,
    preview_limit,
    staged_create,
    staged_delete,
    staged_open,
    staged_size,
)
from leads.lists.imports import ImportResult, import_commit, import_preview
from leads.lists.models import ListImport, StagedUpload
from leads.skiptrace.job_status import waiting_for_worker

REJECTIONS_SHOWN = 50


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "leads/list_import.html", {"form": ImportForm()})
    form = ImportForm({**request.POST.dict(), "preview": "true"}, request.FILES)
    if not form.is_valid():
        return render(request, "leads/list_import.html", {"form": form}, status=400)
    try:
        staged = staged_create(form.cleaned_data["file"], user_id=request.user.pk)
    except ImportFileError as exc:
        context = {"form": form, "error": exc.message}
        return render(request, "leads/list_import.html", context, status=400)
    return _preview(request, staged, form.cleaned_data["listName"], None)


@login_required
@require_POST
def import_review(request: HttpRequest, staged_id: int) -> HttpResponse:
    """The preview again, with the mapping the agent chose."""
    staged = get_object_or_404(StagedUpload, pk=staged_id, created_by_id=request.user.pk)
    return _preview(request, staged, request.POST.get("listName", ""), _chosen_mapping(request))


@login_required
@require_POST
def import_commit_view(request: HttpRequest, staged_id: int) -> HttpResponse:
    staged = get_object_or_404(StagedUpload, pk=staged_id, created_by_id=request.user.pk)
    name = request.POST.get("listName", "").strip()[:120] or staged.file_name or "Imported list"
    mapping = _chosen_mapping(request)
    large = is_large(staged_size(staged))
    try:
        with staged_open(staged) as stream:
            result = (import_enqueue if large else import_commit)(
                stream,
                list_name=name,
                user_id=request.user.pk,
                file_name=staged.file_name,
                mapping=mapping,
            )
    except ImportFileError as exc:
        return _preview(request, staged, name, mapping, error=exc.message)
    staged_delete(staged)
    counts_forget(staged_id)
    record = result.record or result.duplicate_of
    assert record is not None
    if large and result.record is not None:
        return redirect("list-import-progress", record.pk)
    if result.duplicate_of is not None:
        messages.info(
            request, f"This file was imported before (import {record.pk}): nothing changed."
        )
    else:
        messages.success(
            request,
            f"Imported {result.rows} rows: {result.created} new leads, {result.merged} merged "
            f"into existing leads, {len(result.rejected)} rejected.",
        )
    return redirect("list-detail", record.lead_list_id)


@login_required
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """A background import's progress: the page, or (htmx, every second) its counts."""
    record = get_object_or_404(ListImport, pk=import_id)
    context = {"progress": record, "waiting": waiting_for_worker(record)}
    return render(request, partial_template(request, "leads/list_import.html", "progress"), context)


@login_required
def import_counts(request: HttpRequest, staged_id: int) -> HttpResponse:
    """A large file's whole-file counts while it is previewed (htmx, every second)."""
    staged = get_object_or_404(
        StagedUpload.objects.defer("data"), pk=staged_id, created_by_id=request.user.pk
    )
    counts = counts_of(staged.pk)
    waiting = waiting_for_worker(counts) if counts is not None else ""
    context = {"staged": staged, "counts": counts, "waiting": waiting}
    return render(request, "leads/list_import.html#counts", context)


def _chosen_mapping(request: HttpRequest) -> dict[str, str] | None:
    try:
        columns = json.loads(request.POST.get("columns", "[]"))
    except ValueError:
        return None
    chosen = {}
    for index, column in enumerate(columns if isinstance(columns, list) else []):
        field = request.POST.get(f"map-{index}", "")
        if isinstance(column, str) and field in FIELDS:
            chosen[column] = field
    return chosen or None


def _preview(
    request: HttpRequest,
    staged: StagedUpload,
    list_name: str,
    mapping: dict[str, str] | None,
    *,
    error: str = "",
) -> HttpResponse:
    context: dict = {"staged": staged, "list_name": list_name, "fields": FIELDS, "error": error}
    try:
        with staged_open(staged) as stream:
            limit = preview_limit(staged_size(staged))
            result: ImportResult = import_preview(stream, mapping=mapping, limit=limit)
    except ImportFileError as exc:
        context["error"] = exc.message
        return render(request, "leads/list_import.html", context, status=400)
    if result.partial:  # a large file: the whole of it is counted in the background
        context["counts"] = counts_start(staged, total_rows=result.total_rows, mapping=mapping)
    context.update(
        result=result,
        columns=[(i, column, result.mapping.get(column)) for i, column in enumerate(result.header)],
        columns_json=json.dumps(result.header),
        rejected_shown=result.rejected[:REJECTIONS_SHOWN],
    )
    return render(request, "leads/list_import.html", context)
