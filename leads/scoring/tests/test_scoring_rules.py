from __future__ import annotations

import datetime as dt

import pytest

from leads.models import Lead, Phone, SkipTraceStatus
from leads.scoring import rules as scoring_rules
from leads.scoring.rules import BASE_POINTS, Reason, rules_score

TODAY = dt.date(2026, 6, 1)


def neutral_lead(**facts) -> Lead:
    """A lead no factor has an opinion about: it scores the base points."""
    fields = {
        "street": "1 MAIN ST",
        "normalized_address": "1 MAIN ST||85034",
        "owner_name": "PAT SMITH",
        "state": "AZ",
        "mailing_state": "AZ",
        "absentee": False,
    }
    return Lead(**{**fields, **facts})


def test_it_scores_a_neutral_lead_at_the_base_with_one_reason():
    result = rules_score(neutral_lead(), today=TODAY)
    assert result.score == BASE_POINTS
    assert result.reasons == [Reason(BASE_POINTS, "base score")]


@pytest.mark.parametrize(
    ("facts", "points", "reason"),
    [
        ({"absentee": True}, 20, "absentee owner"),
        ({"mailing_state": "CA"}, 10, "out-of-state mailing address"),
        ({"avm_value_usd": 300_000, "estimated_equity_usd": 150_000}, 15, "equity 50% or more"),
        ({"avm_value_usd": 300_000, "estimated_equity_usd": 60_000}, 8, "equity 20–50%"),
        (
            {"avm_value_usd": 300_000, "estimated_equity_usd": -1},
            -15,
            "underwater (negative equity)",
        ),
        ({"last_sale_date": dt.date(2006, 6, 1)}, 10, "owned 20+ years"),
        ({"last_sale_date": dt.date(2016, 6, 1)}, 5, "owned 10+ years"),
        ({"last_sale_date": dt.date(2025, 1, 1)}, -5, "bought within 2 years"),
        ({"owner_name": "SMITH FAMILY TRUST"}, 5, "owned by a trust"),
        ({"owner_name": "ACME HOLDINGS LLC", "corporate_owner": True}, -10, "owned by an LLC"),
        ({"owner_name": "ACME HOLDINGS INC", "corporate_owner": True}, -10, "owned by a company"),
        ({"year_built": 1966}, 8, "built 60+ years ago (likely needs work)"),
        ({"year_built": 1986}, 4, "built 40+ years ago"),
        ({"avm_value_usd": 1_500_000}, -10, "very high value ($1.5M+)"),
        ({"avm_value_usd": 1_000_000}, -5, "high value ($1M+)"),
        ({"skip_trace_status": SkipTraceStatus.NO_MATCH}, -10, "skip trace found no match"),
        ({"skip_trace_status": SkipTraceStatus.MATCHED, "contactable": True}, 5, "contactable"),
        ({"dnc_flag": True}, -15, "do not call"),
        ({"do_not_call": True}, -15, "do not call"),
    ],
)
def test_it_moves_the_score_by_each_factors_points(facts, points, reason):
    result = rules_score(neutral_lead(**facts), today=TODAY)
    assert result.score == BASE_POINTS + points
    assert result.reasons == [Reason(BASE_POINTS, "base score"), Reason(points, reason)]


@pytest.mark.parametrize(
    ("facts", "moved"),
    [
        ({"last_sale_date": dt.date(2020, 6, 1)}, 0),  # 6 years: no opinion
        ({"avm_value_usd": 300_000, "estimated_equity_usd": 30_000}, 0),  # 10% equity
        ({"avm_value_usd": 0, "estimated_equity_usd": 30_000}, 0),  # no usable AVM
        ({"absentee": None}, 0),  # unknown
        ({"mailing_state": ""}, 0),  # unknown
        ({"year_built": 2000}, 0),
    ],
)
def test_it_has_no_opinion_on_middling_or_unknown_facts(facts, moved):
    assert rules_score(neutral_lead(**facts), today=TODAY).score == BASE_POINTS + moved


@pytest.mark.django_db
def test_it_rewards_a_contactable_owner_whose_best_phone_is_a_mobile():
    lead = neutral_lead(
        skip_trace_status=SkipTraceStatus.MATCHED, contactable=True, best_phone="+16025550100"
    )
    lead.save()
    Phone.objects.create(lead=lead, number="+16025550100", line_type="mobile")

    result = rules_score(lead, today=TODAY)

    assert result.reasons[1:] == [Reason(10, "contactable on a mobile")]
    assert result.score == BASE_POINTS + 10


def test_it_ranks_an_absentee_owner_above_an_owner_occupant():
    occupant = rules_score(neutral_lead(absentee=False), today=TODAY).score
    absentee = rules_score(neutral_lead(absentee=True), today=TODAY).score
    assert absentee > occupant


def test_it_caps_the_score_at_100_and_says_so(monkeypatch):
    monkeypatch.setattr(scoring_rules, "BASE_POINTS", 50)
    lead = neutral_lead(
        absentee=True, mailing_state="CA", avm_value_usd=200_000,
        estimated_equity_usd=200_000, last_sale_date=dt.date(1990, 1, 1),
        owner_name="SMITH TRUST", year_built=1940,
    )  # fmt: skip
    result = rules_score(lead, today=TODAY)
    assert result.score == 100
    assert result.reasons[-1] == Reason(-18, "capped at 100")
    assert sum(r.points for r in result.reasons) == 100


def test_it_floors_the_score_at_0_and_says_so(monkeypatch):
    monkeypatch.setattr(scoring_rules, "BASE_POINTS", 50)
    lead = neutral_lead(
        owner_name="ACME LLC", corporate_owner=True, avm_value_usd=2_000_000,
        estimated_equity_usd=-50_000, last_sale_date=dt.date(2026, 1, 1),
        skip_trace_status=SkipTraceStatus.NO_MATCH, dnc_flag=True,
    )  # fmt: skip
    result = rules_score(lead, today=TODAY)
    assert result.score == 0
    assert result.reasons[-1] == Reason(15, "floored at 0")
    assert sum(r.points for r in result.reasons) == 0


def test_it_gives_the_same_answer_every_time():
    lead = neutral_lead(absentee=True, year_built=1950, avm_value_usd=400_000)
    assert rules_score(lead, today=TODAY) == rules_score(lead, today=TODAY)
