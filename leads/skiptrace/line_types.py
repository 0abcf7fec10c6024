"""Optional line-type checks of traced phones through Twilio Lookup, metered like any call."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from django.utils import timezone

from billing.guard import CapExceeded
from billing.meter import BillingMeter
from leads.models import Lead, Phone
from providers.http import ProviderError
from providers.modes import OFF, provider_mode
from providers.registry import TWILIO
from providers.twilio_lookup import TwilioLookupClient

logger = logging.getLogger("leadflow.skiptrace")

TWILIO_LINE_TYPES = {
    "mobile": "mobile",
    "landline": "landline",
    "fixedVoip": "voip",
    "nonFixedVoip": "voip",
    "tollFree": "toll_free",
}


CAP_NOTE = "Line-type checks stopped: today's Twilio cap is reached."


def check_line_types(leads: Sequence[Lead], *, user_id: int | None = None) -> dict[int, list[str]]:
    """Look up each phone of these leads not checked yet. Returns, per lead, why any of its
    phones were left unchecked.

    Once the cap refuses a lookup, the remaining leads wait for another day too: asking
    again lead by lead would only pile up refusals.
    """
    notes: dict[int, list[str]] = {lead.pk: [] for lead in leads}
    if provider_mode(TWILIO) == OFF or not leads:
        return notes
    unchecked: dict[int, list[Phone]] = defaultdict(list)
    for phone in Phone.objects.filter(
        lead_id__in=list(notes), line_type_checked_at__isnull=True
    ).order_by("lead_id", "rank", "id"):
        unchecked[phone.lead_id].append(phone)
    if not unchecked:
        return notes
    client = TwilioLookupClient.from_settings()
    waiting = [lead for lead in leads if lead.pk in unchecked]
    for index, lead in enumerate(waiting):
        try:
            for phone in unchecked[lead.pk]:
                _check(client, phone, lead, user_id)
        except CapExceeded:
            for left in waiting[index:]:
                notes[left.pk] = [CAP_NOTE]
            break
        except ProviderError as exc:
            logger.warning("line type lookup failed lead=%s: %s", lead.pk, exc.message)
            notes[lead.pk] = [f"Line-type check failed: {exc.message}"]
    return notes


def _check(client: TwilioLookupClient, phone: Phone, lead: Lead, user_id: int | None) -> None:
    meter = BillingMeter(user_id=user_id, lead_id=lead.pk)
    with meter.request(
        provider=TWILIO, operation="line_type_lookup", max_usage={"lookups": 1}
    ) as ticket:
        result = client.lookup(phone.number)
        ticket.billed(usage={"lookups": 1 if result.billed else 0}, call=result.call)
    phone.valid = result.valid
    if result.line_type:
        phone.line_type = TWILIO_LINE_TYPES.get(result.line_type, result.line_type)
    if result.carrier:
        phone.carrier = result.carrier
    phone.line_type_checked_at = timezone.now()
    phone.save(update_fields=["valid", "line_type", "carrier", "line_type_checked_at"])
