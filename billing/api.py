"""JSON views of the billing app."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from accounts.auth import api_login_required
from billing import analytics, team_analytics
from billing.forms import PeriodForm
from billing.money import micros_to_cents
from billing.selectors import spend_today
from providers.modes import OFF, PROVIDERS, provider_mode


@require_GET
@api_login_required
def system_status(request: HttpRequest) -> JsonResponse:
    today = spend_today()
    modes = {name: provider_mode(name) for name in today}
    return JsonResponse(
        {
            "attomEnabled": modes["attom"] != OFF,
            "skipTraceEnabled": modes["batch"] != OFF,
            "twilioEnabled": modes["twilio"] != OFF,
            "openaiEnabled": modes["openai"] != OFF,
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
        return JsonResponse({"error": "invalid_request", "fields": fields}, status=400)
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
