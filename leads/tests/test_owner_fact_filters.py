"""The distress and equity filters: each one keeps exactly the leads whose fact, as the rules
score reads it, passes; a lead whose value is unknown matches neither true nor false."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from leads.models import Lead
from leads.scoring import rules
from leads.selectors import LeadFilters, leads_filtered
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def varied_leads() -> list[Lead]:
    """Leads covering every reading of every fact, including the unknowns."""
    owners = [
        ("PAT SMITH", False),
        ("", False),
        ("ACME HOLDINGS LLC", True),
        ("SMITH FAMILY TRUST", False),
        ("JONES LIVING TRUST", True),  # ATTOM's corporate flag: still a trust
        ("DOE REVOCABLE TR", True),
        ("MARY DOE TRUSTEE", False),
        ("TRUSTY PLUMBING INC", True),  # not a trust
    ]
    values = [(None, None), (300_000, 150_000), (300_000, 149_999), (0, 10), (300_000, -5)]
    sales = [
        (None, None),
        (dt.date(2006, 6, 1), None),
        (dt.date(2006, 6, 2), 0),
        (dt.date(2016, 1, 1), 120_000),
        (None, 90_000),
    ]
    states = [("AZ", "AZ"), ("AZ", "ca"), ("AZ", ""), ("", "CA")]
    leads = []
    for index, ((owner, corporate), (avm, equity), (sold, mortgage), (state, mailing)) in enumerate(
        itertools.product(owners, values, sales, states)
    ):
        if index % 3:  # a third of the combinations is plenty
            continue
        leads.append(
            make_lead(
                owner_name=owner,
                corporate_owner=corporate,
                avm_value_usd=avm,
                estimated_equity_usd=equity,
                last_sale_date=sold,
                mortgage_amount_usd=mortgage,
                state=state,
                mailing_state=mailing,
            )
        )
    return leads


def kept(filters: LeadFilters) -> set[int]:
    return set(leads_filtered(filters).values_list("pk", flat=True))


def where(leads: list[Lead], test) -> set[int]:
    return {lead.pk for lead in leads if test(lead)}


@pytest.mark.parametrize("kind", rules.OWNER_TYPES)
def test_it_filters_owner_types_as_the_score_reads_them(varied_leads, kind):
    assert kept(LeadFilters(owner_type=kind)) == where(
        varied_leads, lambda lead: rules.owner_type(lead) == kind
    )


def test_it_keeps_owner_types_disjoint_and_a_trust_out_of_corporate(varied_leads):
    sets = [kept(LeadFilters(owner_type=kind)) for kind in rules.OWNER_TYPES]
    assert sum(len(s) for s in sets) == len(set().union(*sets))
    trusts = Lead.objects.filter(pk__in=sets[2]).values_list("owner_name", flat=True)
    assert "JONES LIVING TRUST" in trusts and "TRUSTY PLUMBING INC" not in trusts
    nameless = {lead.pk for lead in varied_leads if not lead.owner_name}
    assert not nameless & set().union(*sets)


@pytest.mark.parametrize("percent", [-10, 0, 49, 50, 51])
def test_it_filters_min_equity_as_the_score_reads_it(varied_leads, percent):
    def passes(lead: Lead) -> bool:
        value = rules.equity_percent(lead)
        return value is not None and value >= percent

    assert kept(LeadFilters(min_equity_pct=percent)) == where(varied_leads, passes)


@pytest.mark.parametrize("years", [0, 10, 19, 20, 21])
def test_it_filters_years_owned_from_the_last_sale_date(varied_leads, years, time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC))

    def passes(lead: Lead) -> bool:
        value = rules.years_owned(lead, TODAY)
        return value is not None and value >= years

    assert kept(LeadFilters(min_years_owned=years)) == where(varied_leads, passes)


@pytest.mark.parametrize(
    ("name", "reading"),
    [("free_and_clear", rules.free_and_clear), ("out_of_state_owner", rules.out_of_state_owner)],
)
@pytest.mark.parametrize("wanted", [True, False])
def test_it_filters_flags_true_false_and_never_unknown(varied_leads, name, reading, wanted):
    assert kept(LeadFilters(**{name: wanted})) == where(
        varied_leads, lambda lead: reading(lead) is wanted
    )
    unknown = where(varied_leads, lambda lead: reading(lead) is None)
    assert unknown and not unknown & kept(LeadFilters(**{name: wanted}))


def test_it_counts_years_from_a_leap_day():
    assert rules.owned_since_q(1, dt.date(2024, 2, 29)) == rules.owned_since_q(
        1, dt.date(2024, 2, 28)
    )


def test_free_and_clear_means_a_sale_on_record_and_no_mortgage_above_zero():
    sold = dt.date(2010, 1, 1)
    assert rules.free_and_clear(Lead(last_sale_date=sold)) is True
    assert rules.free_and_clear(Lead(last_sale_date=sold, mortgage_amount_usd=0)) is True
    assert rules.free_and_clear(Lead(last_sale_date=sold, mortgage_amount_usd=1)) is False
    assert rules.free_and_clear(Lead(mortgage_amount_usd=0)) is None


def test_it_takes_the_filters_in_the_api_and_the_export(agent_client):
    trust = make_lead(owner_name="SMITH FAMILY TRUST", mailing_state="CA")
    make_lead(owner_name="PAT SMITH", mailing_state="AZ")

    body = agent_client.get("/api/leads", {"ownerType": "trust", "outOfStateOwner": "true"}).json()
    csv = b"".join(
        agent_client.get("/api/leads/export.csv", {"ownerType": "trust"}).streaming_content
    ).decode()

    assert [lead["id"] for lead in body["leads"]] == [trust.pk]
    assert len(csv.strip().splitlines()) == 2 and "SMITH FAMILY TRUST" in csv


@pytest.mark.parametrize(
    "params",
    [
        {"ownerType": "alien"},
        {"freeAndClear": "maybe"},
        {"outOfStateOwner": "2"},
        {"minEquityPct": "lots"},
        {"minYearsOwned": "-1"},
    ],
)
def test_it_refuses_bad_filter_values_with_field_errors(agent_client, params):
    response = agent_client.get("/api/leads", params)

    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(params)
