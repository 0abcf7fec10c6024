"""JSON views of the billing app."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.auth import api_login_required, csrf_exempt_for_tokens, json_body
from accounts.users import managed_user, unknown_keys
from billing import analytics, team_analytics
from billing.forms import PeriodForm
from billing.limits import limits_json, limits_update
from billing.money import micros_to_cents
from billing.selectors import spend_today
from leadflow.forms import invalid_fields
from providers.modes import OFF, PROVIDERS, provider_mode
from providers.registry import ATTOM, BATCH, OPENAI, TWILIO

MAX_LIMIT_CENTS = Decimal(100_000_000)  # $1,000,000 a day: past this it is a typo


@require_GET
@api_login_required
def system_status(request: HttpRequest) -> JsonResponse:
    today = spend_today()
    modes = {name: provider_mode(name) for name in today}
    return JsonResponse(
        {
            "attomEnabled": modes[ATTOM] != OFF,
            "skipTraceEnabled": modes[BATCH] != OFF,
            "twilioEnabled": modes[TWILIO] != OFF,
            "openaiEnabled": modes[OPENAI] != OFF,
            "caps": {name: micros_to_cents(spend.cap_micros) for name, spend in today.items()},
            "cacheTtlSeconds": settings.CACHE_TTL_SECONDS,
            "providers": {
                name: {
                    "mode": modes[name],
                    "capCents": micros_to_cents(spend.cap_micros),
                    "spentTodayCents": micros_to_cents(spend.settled_micros),
                    "reservedCents": micros_to_cents(spend.reserved_micros),
                }
                for name, spend in today.items()
            },
        }
    )


@require_GET
@api_login_required
def spend(request: HttpRequest) -> JsonResponse:
    form = PeriodForm(request.GET)
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return invalid_fields(fields)
    days = form.days_or_default()
    cost_per_lead = analytics.cost_per_contactable_lead(days)
    return JsonResponse(
        {
            "today": {
                name: _today_json(today) for name, today in analytics.today_by_provider().items()
            },
            "days": [_day_json(day) for day in analytics.daily_spend(days)],
            "costPerContactableLeadCents": None
            if cost_per_lead is None
            else micros_to_cents(cost_per_lead),
            "successRate": analytics.success_rate(days),
            "cacheHitRate": analytics.cache_hit_rate(days),
            "byUser": [
                {
                    "username": row.username,
                    "provider": row.provider,
                    "spentCents": micros_to_cents(row.spent_micros),
                }
                for row in team_analytics.spend_by_agent_today()
            ],
        }
    )


def _today_json(today: analytics.ProviderToday) -> dict:
    return {
        "spentCents": micros_to_cents(today.spent_micros),
        "capCents": micros_to_cents(today.cap_micros),
        "requests": today.requests,
        "cacheHits": today.cache_hits,
        "errors": today.errors,
    }


def _day_json(day: dict) -> dict:
    return {
        "date": day["date"].isoformat(),
        **{provider: micros_to_cents(day[provider]) for provider in PROVIDERS},
    }


@csrf_exempt_for_tokens
@require_http_methods(["GET", "PUT"])
@api_login_required
def user_limits(request: HttpRequest, username: str) -> JsonResponse:
    user, refusal = managed_user(request, username)
    if refusal:
        return refusal
    if request.method == "GET":
        return JsonResponse(limits_json(user.pk))
    body, error = json_body(request)
    if error:
        return error
    fields = unknown_keys(body, set(PROVIDERS)) | {
        key: [problem]
        for key, value in body.items()
        if key in PROVIDERS and (problem := _limit_problem(value))
    }
    if fields:
        return invalid_fields(fields)
    return JsonResponse(limits_update(user_id=user.pk, cents=body))


def _limit_problem(value: object) -> str:
    """Why `value` is no daily limit in cents ("" when it is one, or None for no limit)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "Daily cents as a number, or null for no limit."
    try:
        cents = Decimal(str(value))
    except InvalidOperation:
        return "Daily cents as a number, or null for no limit."
    if not cents.is_finite() or cents < 0 or cents > MAX_LIMIT_CENTS:
        return f"From 0 to {MAX_LIMIT_CENTS:,} cents."
    if cents * 10_000 != (cents * 10_000).to_integral_value():
        return "At most 4 decimals of a cent."
    return ""
