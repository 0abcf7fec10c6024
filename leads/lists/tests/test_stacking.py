"""List stacking: a lead on several lists scores +5 per list beyond the first (at most +15),
with the lists named in the reason; membership changes rescore rules scores only."""

from __future__ import annotations

import pytest

from leads.lists.services import list_add_leads, list_create, list_remove_leads
from leads.models import Lead
from leads.scoring.services import lead_score_rules, score_reason_strings
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

NAMES = ["Tax delinquent", "Absentee", "Probate", "Code violations", "Vacant"]


def on_lists(lead: Lead, count: int) -> Lead:
    for name in NAMES[:count]:
        list_add_leads(lead_list=list_create(name=name, user_id=None), lead_ids=[lead.pk])
    return Lead.objects.get(pk=lead.pk)


def stacking_reasons(lead: Lead) -> list[str]:
    return [r for r in score_reason_strings(lead) if " lists: " in r]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, []),
        (2, ["+5 on 2 lists: Tax delinquent, Absentee"]),
        (3, ["+10 on 3 lists: Tax delinquent, Absentee, Probate"]),
        (4, ["+15 on 4 lists: Tax delinquent, Absentee, Probate, Code violations"]),
        (5, ["+15 on 5 lists: Tax delinquent, Absentee, Probate, Code violations, Vacant"]),
    ],
)
def test_it_scores_stacked_leads_and_names_their_lists(count, expected):
    lead = make_lead()
    lead_score_rules(lead=lead)
    base = lead.ai_score
    assert base is not None

    lead = on_lists(lead, count)

    assert stacking_reasons(lead) == expected
    bonus = int(expected[0].split()[0]) if expected else 0
    assert lead.ai_score == base + bonus


def test_it_rescores_when_a_lead_leaves_a_list():
    lead = on_lists(make_lead(), 2)
    absentee = lead.list_memberships.get(lead_list__name="Absentee").lead_list

    list_remove_leads(lead_list=absentee, lead_ids=[lead.pk])

    assert stacking_reasons(Lead.objects.get(pk=lead.pk)) == []


def test_it_leaves_an_ai_score_as_it_is():
    lead = make_lead(
        ai_score=77, scored_by="gpt-4o-mini", score_reasons=[{"points": None, "reason": "AI"}]
    )

    lead = on_lists(lead, 3)

    assert (lead.ai_score, lead.scored_by) == (77, "gpt-4o-mini")


def test_it_shows_the_stacked_badge_on_the_leads_page(agent_client, django_assert_max_num_queries):
    stacked = on_lists(make_lead(), 3)
    for _ in range(10):
        on_lists(make_lead(), 2)
    single = on_lists(make_lead(), 1)

    # The page also reads the agents to assign to, the permissions and the overdue-task count.
    with django_assert_max_num_queries(16):
        page = agent_client.get("/leads/", {"minLists": 3}).content.decode()

    assert "Stacked × 3" in page
    assert f'id="lead-{stacked.pk}"' in page
    assert f'id="lead-{single.pk}"' not in page
