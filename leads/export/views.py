"""The CSV export, as a page download and as an API call. Both stream: memory stays flat
however many leads match the filters."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.auth import api_login_required
from leads.errors import invalid_request
from leads.export.writer import csv_stream
from leads.forms import LeadFilterForm, TriStateField
from leads.selectors import leads_filtered


class ExportForm(LeadFilterForm):
    """The stored-lead filters plus the export's own options; page and pageSize are ignored:
    the export holds every lead that matches."""

    scrub = TriStateField(required=False, label="Leave out numbers that must not be dialled")
    bom = TriStateField(required=False, label="Start with a byte-order mark (for Excel)")


@require_GET
@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(_error_text(form), content_type="text/plain; charset=utf-8")
    return _csv_response(form.cleaned_data)


@require_GET
@api_login_required
def api_export_csv(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return invalid_request(form)
    return _csv_response(form.cleaned_data)


def _csv_response(options: dict) -> StreamingHttpResponse:
    rows = csv_stream(
        leads_filtered(options), scrub=bool(options["scrub"]), bom=bool(options["bom"])
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"leadflow-leads-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _error_text(form: ExportForm) -> str:
    lines = [
        f"{field}: {' '.join(errors)}" if field != "__all__" else " ".join(errors)
        for field, errors in form.errors.items()
    ]
    return "The export filters are not valid.\n" + "\n".join(lines) + "\n"
