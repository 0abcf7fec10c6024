"""The lists API: lists, their leads, saved searches and their refresh.

`POST /api/lists`, `GET /api/lists`, `GET /api/lists/<id>`, `POST|DELETE
/api/lists/<id>/leads`, `POST /api/saved-searches`, `POST /api/lists/<id>/refresh`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from leads.errors import SERVICE_ERRORS, error_json, invalid_fields, invalid_request, not_found
from leads.forms import clean_lead_ids
from leads.lists.forms import ListForm, RefreshForm, SavedSearchForm, form_data, stored_query
from leads.lists.models import LeadList, ListKind
from leads.lists.refresh import refresh_plan, saved_search_refresh
from leads.lists.serializers import list_json, refresh_json, refresh_preview_json
from leads.lists.services import (
    list_add_leads,
    list_create,
    list_remove_leads,
    lists_with_counts,
)
from leads.models import Lead

LEAD_IDS_LIMIT = 10_000


@csrf_exempt_for_tokens
@require_http_methods(["GET", "POST"])
@api_login_required
def lists(request: HttpRequest) -> JsonResponse:
    if request.method == "GET":
        return JsonResponse({"lists": [list_json(item) for item in lists_with_counts()]})
    parsed = _valid_body(request, ListForm)
    if isinstance(parsed, JsonResponse):
        return parsed
    form, _ = parsed
    lead_list = list_create(name=form.cleaned_data["name"], user_id=request.user.pk)
    return JsonResponse(list_json(lead_list), status=201)


@require_http_methods(["GET"])
@api_login_required
def list_detail(request: HttpRequest, list_id: int) -> JsonResponse:
    lead_list = lists_with_counts().filter(pk=list_id).first()
    if lead_list is None:
        return _list_not_found(list_id)
    return JsonResponse(list_json(lead_list))


@csrf_exempt_for_tokens
@require_http_methods(["POST", "DELETE"])
@api_login_required
def list_leads(request: HttpRequest, list_id: int) -> JsonResponse:
    lead_list = LeadList.objects.filter(pk=list_id).first()
    if lead_list is None:
        return _list_not_found(list_id)
    body, error = json_body(request)
    if error:
        return error
    try:
        ids = _existing_lead_ids(body.get("leadIds"))
    except ValidationError as exc:
        return invalid_fields({"leadIds": exc.messages})
    if request.method == "DELETE":
        return JsonResponse({"removed": list_remove_leads(lead_list=lead_list, lead_ids=ids)})
    added = list_add_leads(lead_list=lead_list, lead_ids=ids)
    return JsonResponse({"added": added.added, "alreadyOn": added.already_on})


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def saved_searches(request: HttpRequest) -> JsonResponse:
    """Stores the search; runs none (a refresh does)."""
    parsed = _valid_body(request, SavedSearchForm)
    if isinstance(parsed, JsonResponse):
        return parsed
    form, body = parsed
    lead_list = list_create(
        kind=ListKind.SAVED_SEARCH,
        user_id=request.user.pk,
        query=stored_query(body),
        **form.saved_fields(),
    )
    return JsonResponse(list_json(lead_list), status=201)


@csrf_exempt_for_tokens
@require_POST
@api_login_required
def list_refresh(request: HttpRequest, list_id: int) -> JsonResponse:
    lead_list = LeadList.objects.filter(pk=list_id).first()
    if lead_list is None:
        return _list_not_found(list_id)
    parsed = _valid_body(request, RefreshForm)
    if isinstance(parsed, JsonResponse):
        return parsed
    form, _ = parsed
    max_records = form.cleaned_data["maxRecords"]
    try:
        if form.cleaned_data["preview"]:
            return JsonResponse(
                refresh_preview_json(refresh_plan(lead_list, max_records=max_records))
            )
        result = saved_search_refresh(
            lead_list=lead_list, max_records=max_records, user_id=request.user.pk
        )
    except SERVICE_ERRORS as exc:
        return error_json(exc)
    return JsonResponse(refresh_json(result))


def _existing_lead_ids(value: object) -> list[int]:
    ids = clean_lead_ids(value, limit=LEAD_IDS_LIMIT)
    known = set(Lead.objects.filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [pk for pk in ids if pk not in known]
    if unknown:
        shown = ", ".join(str(pk) for pk in unknown[:10])
        raise ValidationError(f"No lead{'s' if len(unknown) > 1 else ''} {shown}.")
    return ids


def _valid_body[F: forms.Form](
    request: HttpRequest, form_class: type[F]
) -> tuple[F, dict[str, Any]] | JsonResponse:
    """The request's JSON body through a form: the bound valid form and the raw body, or
    the 400 answer (bad JSON, wrong value types, or the form's field errors)."""
    body, error = json_body(request)
    if error:
        return error
    data, bad = form_data(body)
    if bad:
        return invalid_fields(bad)
    form = form_class(data)
    if not form.is_valid():
        return invalid_request(form)
    return form, body


def _list_not_found(list_id: int) -> JsonResponse:
    return not_found(f"No list {list_id}.")
