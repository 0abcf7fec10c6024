"""The leads tables' rows built in Python (`leads.lead_rows`) are byte for byte the rows the
`_fragments/lead_row.html` include rendered (kept beside this test as
lead_row_reference.html), for leads that exercise every branch, every option and values
that need escaping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Engine, Template
from django.utils import timezone

from leads.lead_rows import RowOptions, lead_row, row_options
from leads.models import LeadList, ListMembership
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

REFERENCE = (Path(__file__).parent / "lead_row_reference.html").read_text()

VARIED: list[dict[str, Any]] = [
    {},
    {"unit": "APT 4", "owner_name": "", "absentee": True, "mailing_city": "", "mailing_state": ""},
    {"absentee": True, "mailing_city": "TEMPE", "mailing_state": "AZ", "beds": 3},
    {"street": '<b>1 "Q" & Co\'s</b>', "owner_name": "O'NEIL <x>", "city": "A&B", "unit": "<u>"},
    {"property_type": "SFR", "beds": 4, "baths": Decimal("2.5"), "year_built": 1988},
    {"baths": Decimal("2.0"), "avm_value_usd": 1234567, "estimated_equity_usd": 0},
    {"avm_value_usd": 0, "estimated_equity_usd": -5000},
    {"best_phone": "+16025550101", "ai_score": 91, "temperature_tag": "on_fire"},
    {"skip_trace_status": "no_match", "ai_score": 10, "temperature_tag": "dead"},
    {"skip_trace_status": "matched", "dnc_flag": True, "litigator": True},
    {"last_sale_date": dt.date(2001, 5, 1), "corporate_owner": True},
]
OPTIONS = [
    {"selectable": True, "oob": False},
    {"selectable": False, "oob": True},
    {"selectable": False, "oob": False},
]
CONTEXTS = [
    {"provider_modes": {"batch": "sandbox"}, "may": lambda: {"skip_trace": True}},
    {"provider_modes": {"batch": "off"}, "may": lambda: {"skip_trace": True}},
    {"provider_modes": {"batch": "live"}, "may": lambda: {"skip_trace": False}},
    {},
]


def reference(lead, **context) -> str:
    return Template(REFERENCE, engine=Engine.get_default()).render(
        Context({"lead": lead, **context})
    )


@pytest.fixture
def leads(agent):
    made = [make_lead(**fields) for fields in VARIED]
    made[2].assigned_to = agent
    made[2].save()
    lists = [LeadList.objects.create(name=name) for name in ("Tax <delinquent>", "Probate & co")]
    now = timezone.now()
    for lead_list in lists:
        ListMembership.objects.create(lead_list=lead_list, lead=made[3], added_at=now)
    ListMembership.objects.create(lead_list=lists[0], lead=made[4], added_at=now)
    return made


def test_every_row_is_the_templates_row_byte_for_byte(leads):
    compared = 0
    for lead in leads:
        for options in OPTIONS:
            for context in CONTEXTS:
                for new_ids in ((), {lead.pk}, {lead.pk + 1000}):
                    full = {**context, **options, "new_ids": new_ids}
                    built = lead_row(lead, row_options(full, **options))
                    assert built == reference(lead, **full), (lead.pk, options, context)
                    compared += 1
    assert compared == len(VARIED) * len(OPTIONS) * len(CONTEXTS) * 3


def test_the_permissions_are_not_read_while_batchdata_is_off():
    def may():
        raise AssertionError("read")

    options = row_options(
        {"provider_modes": {"batch": "off"}, "may": may}, selectable=True, oob=False
    )
    assert options == RowOptions(selectable=True, oob=False, new_ids=(), may_trace=False)


def test_the_tag_takes_an_option_it_is_not_given_from_the_context(leads):
    tag = Template("{% load badges %}{% lead_row lead %}|{% lead_row lead selectable=False %}")
    html = tag.render(Context({"lead": leads[0], "selectable": True, "oob": True}))
    given, overridden = html.split("|")
    assert 'class="row-select"' in given and 'hx-swap-oob="true"' in given
    assert 'class="row-select"' not in overridden and 'hx-swap-oob="true"' in overridden
