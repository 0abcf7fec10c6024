"""The board's cards (`leads.pipeline.cards`): what each shows, escaped, in board order."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from leads.activity.models import FollowUpTask
from leads.lists.services import list_add_leads, list_create
from leads.models import Stage, Temperature
from leads.pipeline.tests.test_pipeline_views import BOARD, card_ids, column_html
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def cards_by_id(html: str) -> dict[int, str]:
    return dict(zip(card_ids(html), re.split(r'<li class="kcard', html)[1:], strict=True))


def test_it_escapes_what_people_typed_on_a_card(agent_client):
    lead = make_lead(owner_name="<script>x</script>", street="1 A & B ST", unit='"2"', city="<C>")
    FollowUpTask.objects.create(lead=lead, title="<b>call</b>", due=timezone.localdate())
    probate = list_create(name="<i>Probate</i>", user_id=None)
    list_add_leads(lead_list=probate, lead_ids=[lead.pk])

    card = cards_by_id(agent_client.get(BOARD).content.decode())[lead.pk]

    assert "<script>" not in card and "<b>" not in card and "<i>" not in card
    assert '<div class="owner">&lt;script&gt;x&lt;/script&gt;</div>' in card
    assert 'aria-label="Select &lt;script&gt;x&lt;/script&gt;"' in card
    assert f'<a href="/leads/{lead.pk}/">1 A &amp; B ST &quot;2&quot;</a>, &lt;C&gt;' in card
    assert "Next: &lt;b&gt;call&lt;/b&gt;" in card
    assert f'<a href="/lists/{probate.pk}/">&lt;i&gt;Probate&lt;/i&gt;</a>' in card


def test_it_offers_every_other_stage_in_a_cards_move_menu(agent_client):
    lead = make_lead(stage=Stage.FOLLOW_UP, position=0)

    card = cards_by_id(agent_client.get(f"{BOARD}?source=").content.decode())[lead.pk]

    offered = re.findall(r'<button type="submit" name="stage" value="([a-z_]+)">', card)
    assert offered == [stage for stage in Stage.values if stage != Stage.FOLLOW_UP]
    assert 'name="expected_stage" value="follow_up"' in card
    assert 'name="expected_position" value="0"' in card
    assert 'name="filter" value="source="' in card
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', card)
    assert token and len(token.group(1)) == 64


def test_it_shows_the_temperature_phone_agent_and_an_overdue_task(agent_client, agent):
    lead = make_lead(
        ai_score=72,
        temperature_tag=Temperature.HOT,
        scored_by="gpt-4o-mini",
        best_phone="+16025550142",
        assigned_to=agent,
        litigator=True,
    )
    FollowUpTask.objects.create(lead=lead, title="Call back", due=dt.date(2020, 3, 9))

    card = cards_by_id(agent_client.get(BOARD).content.decode())[lead.pk]

    assert card.startswith(' temp-HOT"')  # the card's own class, after "kcard"
    assert '<span class="badge badge-HOT" title="Score 72 (gpt-4o-mini)">Hot · 72</span>' in card
    assert 'class="phone-link badge badge-ok" href="tel:+16025550142">(602) 555-0142</a>' in card
    assert '<div class="assignee">Agent: agent</div>' in card
    assert '<div class="next-task overdue">Next: Call back · Mar 9</div>' in card
    assert "badge-litigator" in card


def test_it_orders_each_columns_cards_by_position(agent_client):
    # Made in another order than they sit in, in several columns (one query reads them all
    # on PostgreSQL: the order must come from each column's own positions).
    placed = {stage: [make_lead(stage=stage, position=p) for p in (2, 0, 1)] for stage in Stage}

    html = agent_client.get(BOARD).content.decode()

    for stage, leads in placed.items():
        expected = [lead.pk for lead in sorted(leads, key=lambda lead: lead.position)]
        assert card_ids(column_html(html, stage)) == expected


def test_it_loads_more_cards_with_the_same_markup(agent_client):
    leads = [make_lead(stage=Stage.NEW, position=i) for i in range(27)]

    board = cards_by_id(agent_client.get(BOARD).content.decode())
    more = cards_by_id(agent_client.get("/pipeline/new/?offset=1").content.decode())

    assert list(more) == [lead.pk for lead in leads[1:26]]
    assert without_token(more[leads[1].pk]) == without_token(board[leads[1].pk])


def without_token(card: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", card)
