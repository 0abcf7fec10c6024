"""The CSV export (a page download and an API call, both streamed), the export page that
shows what scrub leaves out before the download, and its JSON twin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.auth import api_login_required
from accounts.permissions import EXPORT, PermissionRefused, ensure_permitted
from leadflow.forms import form_error_text
from leads.errors import error_json, invalid_request
from leads.export.forms import PAGING, ExportForm
from leads.export.services import (
    ExportPlan,
    export_filename,
    export_plan,
    export_record,
    export_stream,
)
from leads.htmx import is_htmx

# Paging is no part of an export; everything else in the query is its filters.
NOT_FILTERS = (*PAGING, "bom")


@require_GET
@login_required
def export_csv(request: HttpRequest) -> HttpResponseBase:
    try:
        ensure_permitted(request.user.pk, EXPORT)
    except PermissionRefused as exc:
        return HttpResponse(exc.message, status=403, content_type="text/plain; charset=utf-8")
    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "The export filters are not valid. " + form_error_text(form) + "\n",
            content_type="text/plain; charset=utf-8",
        )
    return _download(request, form)


@require_GET
@api_login_required
def api_export_csv(request: HttpRequest) -> HttpResponseBase:
    """`GET /api/leads/export.csv?preset=…&scrub=true` (+ every lead filter); 403 without the
    export permission; the counts scrub left out in `X-Scrubbed-Numbers`/`X-Scrubbed-Leads`."""
    try:
        ensure_permitted(request.user.pk, EXPORT)
    except PermissionRefused as exc:
        return error_json(exc)
    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return invalid_request(form)
    return _download(request, form)


def _plan(form: ExportForm) -> ExportPlan:
    options = form.cleaned_data
    return export_plan(
        filters=form.lead_filters(),
        preset_name=options["preset"],
        scrub=bool(options["scrub"]),
        rows_per_file=options["rowsPerFile"],
    )


def _download(request: HttpRequest, form: ExportForm) -> StreamingHttpResponse:
    plan = _plan(form)
    filters = {k: v for k, v in request.GET.items() if k not in NOT_FILTERS}
    record = export_record(plan, user_id=request.user.pk, filters=filters)
    content_type = "application/zip" if plan.zipped else "text/csv; charset=utf-8"
    response = StreamingHttpResponse(
        export_stream(plan, bom=bool(form.cleaned_data["bom"])), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(plan)}"'
    response["X-Scrubbed-Numbers"] = str(plan.summary.numbers)
    response["X-Scrubbed-Leads"] = str(plan.summary.leads)
    response["X-Scrub-Reasons"] = plan.summary.header()
    response["X-Export-Rows"] = str(plan.rows)
    response["X-Export-Files"] = str(plan.files)
    response["X-Export-Id"] = str(record.pk)
    return response


@require_GET
@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    """Choose a preset, scrub and the byte-order mark, with every lead filter (the Leads page
    links here with its current ones); see what the file holds and what scrub leaves out, and
    why, before the download. With no parameters it counts every lead."""
    form = ExportForm(request.GET, user=request.user)
    query = request.GET.copy()
    for name in PAGING:
        query.pop(name, None)
    context: dict[str, Any] = {"form": form, "query": query.urlencode()}
    status = 200
    if form.is_valid():
        context["plan"] = _plan(form)
    else:
        status = 400
    template = "leads/export.html#summary" if is_htmx(request) else "leads/export.html"
    return render(request, template, context, status=status)


@require_GET
@api_login_required
def api_export_preview(request: HttpRequest) -> JsonResponse:
    """`GET /api/leads/export/preview` (the export's parameters): what it would hold."""
    form = ExportForm(request.GET, user=request.user)
    if not form.is_valid():
        return invalid_request(form)
    plan = _plan(form)
    return JsonResponse(
        {
            "preset": plan.preset.name if plan.preset else None,
            "rows": plan.rows,
            "leads": plan.lead_count,
            "files": plan.files,
            "scrubbedNumbers": plan.summary.numbers,
            "scrubbedLeads": plan.summary.leads,
            "scrubbedByReason": {code: n for code, _, n in plan.summary.reasons()},
        }
    )
