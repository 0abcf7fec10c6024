"""The CSV export, as a page download and as an API call. Both stream: memory stays flat
however many leads match the filters."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBadRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.auth import api_login_required
from leadflow.forms import form_error_text
from leads.errors import invalid_request
from leads.export.writer import csv_stream
from leads.forms import LeadFilterForm, TriStateField
from leads.selectors import leads_filtered


class ExportForm(LeadFilterForm):
    """The stored-lead filters plus the export's own options; page and pageSize are ignored:
    the export holds every lead that matches."""

    scrub = TriStateField(required=False, label="Scrub (leave out numbers not to dial)")
    bom = TriStateField(required=False, label="Start with a byte-order mark (for Excel)")


@require_GET
@login_required
def export_csv(request: HttpRequest) -> HttpResponseBase:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "The export filters are not valid. " + form_error_text(form) + "\n",
            content_type="text/plain; charset=utf-8",
        )
    return _csv_response(form)


@require_GET
@api_login_required
def api_export_csv(request: HttpRequest) -> HttpResponseBase:
    form = ExportForm(request.GET)
    if not form.is_valid():
        return invalid_request(form)
    return _csv_response(form)


def _csv_response(form: ExportForm) -> StreamingHttpResponse:
    options = form.cleaned_data
    rows = csv_stream(
        leads_filtered(form.lead_filters()), scrub=bool(options["scrub"]), bom=bool(options["bom"])
    )
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    filename = f"leadflow-leads-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
