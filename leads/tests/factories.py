"""Small builders for test data (real rows in the test database)."""

from __future__ import annotations

import itertools

from django.utils import timezone

from leads.models import Email, Lead, Phone

_numbers = itertools.count(1)


def make_lead(**fields) -> Lead:
    n = next(_numbers)
    defaults = {
        "street": f"{100 + n} MAIN ST",
        "city": "PHOENIX",
        "state": "AZ",
        "zip_code": "85034",
        "normalized_address": f"{100 + n} MAIN ST||85034",
        "owner_name": f"OWNER {n}",
        "normalized_owner": f"OWNER {n}",
        "owner_first_name": "PAT",
        "owner_last_name": f"OWNER{n}",
    }
    defaults.update(fields)
    return Lead.objects.create(**defaults)


def make_phone(lead: Lead, number: str, **fields) -> Phone:
    defaults = {
        "line_type": "mobile",
        "score": 80,
        "reachable": True,
        "tested": True,
        "dnc": False,
        "litigator": False,
        "dnc_checked_at": timezone.now(),
        "source": "batchdata",
    }
    defaults.update(fields)
    return Phone.objects.create(lead=lead, number=number, **defaults)


def make_email(lead: Lead, email: str) -> Email:
    return Email.objects.create(lead=lead, email=email, tested=True)
