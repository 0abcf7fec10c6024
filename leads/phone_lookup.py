"""Optional line-type checks of traced phones through Twilio Lookup, metered like any call."""

from __future__ import annotations

import logging

from django.utils import timezone

from billing.guard import CapExceeded, charge
from billing.models import Outcome
from billing.pricing import unit_price_micros
from leads.models import Lead, Phone
from providers.http import ProviderError
from providers.modes import OFF, provider_mode
from providers.twilio_lookup import TwilioLookupClient

logger = logging.getLogger("leadflow.skiptrace")

TWILIO_LINE_TYPES = {
    "mobile": "mobile",
    "landline": "landline",
    "fixedVoip": "voip",
    "nonFixedVoip": "voip",
    "tollFree": "toll_free",
}


def check_line_types(lead: Lead) -> list[str]:
    """Look up each phone not checked yet. Returns why any were left unchecked."""
    if provider_mode("twilio") == OFF:
        return []
    phones = list(lead.phones.filter(line_type_checked_at__isnull=True))
    if not phones:
        return []
    client = TwilioLookupClient.from_settings()
    price = unit_price_micros("twilio.lookups")
    for phone in phones:
        try:
            _check(client, phone, price, lead)
        except CapExceeded:
            return ["Line-type checks stopped: today's Twilio cap is reached."]
        except ProviderError as exc:
            logger.warning("line type lookup failed lead=%s: %s", lead.pk, exc.message)
            return [f"Line-type check failed: {exc.message}"]
    return []


def _check(client: TwilioLookupClient, phone: Phone, price: int, lead: Lead) -> None:
    with charge(
        provider="twilio", max_micros=price, operation="line_type_lookup", lead_id=lead.pk
    ) as current:
        result = client.lookup(phone.number)
        current.settle(
            cost_micros=price if result.billed else 0,
            call=result.call,
            units=1 if result.billed else 0,
            outcome=Outcome.SUCCESS if result.billed else Outcome.EMPTY,
        )
    phone.valid = result.valid
    if result.line_type:
        phone.line_type = TWILIO_LINE_TYPES.get(result.line_type, result.line_type)
    if result.carrier:
        phone.carrier = result.carrier
    phone.line_type_checked_at = timezone.now()
    phone.save(update_fields=["valid", "line_type", "carrier", "line_type_checked_at"])
