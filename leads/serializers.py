"""The one JSON shape of a lead, used by every API answer (camelCase keys)."""

from __future__ import annotations

from typing import Any

from billing.money import micros_to_cents
from leads.models import Email, Lead, Phone, lists_of
from leads.scoring.services import score_reason_strings


def phone_json(phone: Phone) -> dict[str, Any]:
    return {
        "number": phone.number,
        "type": phone.line_type or None,
        "carrier": phone.carrier or None,
        "score": phone.score,
        "reachable": phone.reachable,
        "tested": phone.tested,
        "dnc": phone.dnc,
        "litigator": phone.litigator,
        "dncCheckedAt": phone.dnc_checked_at.isoformat() if phone.dnc_checked_at else None,
        "stale": phone.dnc_checked_at is not None and phone.dnc_stale,
        "doNotCall": phone.do_not_call,
        "valid": phone.valid,
    }


def email_json(email: Email) -> dict[str, Any]:
    return {"email": email.email, "tested": email.tested}


def lead_json(lead: Lead) -> dict[str, Any]:
    """Expects `phones`, `emails` and lists prefetched (see `selectors.with_contacts`)."""
    lists = lists_of(lead)
    return {
        "id": lead.pk,
        "attomId": lead.attom_id,
        "address": lead.address_line,
        "street": lead.street,
        "unit": lead.unit,
        "city": lead.city,
        "state": lead.state,
        "zip": lead.zip_code,
        "zip4": lead.zip4,
        "county": lead.county,
        "latitude": float(lead.latitude) if lead.latitude is not None else None,
        "longitude": float(lead.longitude) if lead.longitude is not None else None,
        "ownerName": lead.owner_name,
        "ownsProperty": lead.owns_property,
        "mailingAddress": lead.mailing_address,
        "absentee": lead.absentee,
        "corporateOwner": lead.corporate_owner,
        "propertyType": lead.property_type,
        "beds": lead.beds,
        "baths": float(lead.baths) if lead.baths is not None else None,
        "livingSqft": lead.living_sqft,
        "yearBuilt": lead.year_built,
        "avmValue": lead.avm_value_usd,
        "estimatedEquity": lead.estimated_equity_usd,
        "lastSaleDate": lead.last_sale_date.isoformat() if lead.last_sale_date else None,
        "lastSaleAmount": lead.last_sale_amount_usd,
        "source": lead.source,
        "sandbox": lead.sandbox,
        "aiScore": lead.ai_score,
        "temperature": lead.temperature_tag or None,
        "scoreReasons": score_reason_strings(lead),
        "scoredBy": lead.scored_by or None,
        "stage": lead.stage,
        "position": lead.position,
        "bestPhone": lead.best_phone or None,
        "phones": [phone_json(p) for p in lead.phones.all()],
        "emails": [email_json(e) for e in lead.emails.all()],
        "dncFlag": lead.dnc_flag,
        "doNotCall": lead.do_not_call,
        "litigator": lead.litigator,
        "contactable": lead.contactable,
        "skipTraceStatus": lead.skip_trace_status or None,
        "skipTraceProvider": lead.skip_trace_provider or None,
        "skipTracedAt": lead.skip_traced_at.isoformat() if lead.skip_traced_at else None,
        "skipTraceCostCents": micros_to_cents(lead.skip_trace_cost_micros),
        "aiCostCents": micros_to_cents(lead.ai_cost_micros),
        "lists": [{"id": item.pk, "name": item.name} for item in lists],
        "listCount": len(lists),
    }
