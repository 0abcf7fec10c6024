from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from leads.models import FollowUpTask, Lead, Stage
from leads.pipeline.services import MoveRejected, append_to_stage, board_columns, lead_move
from leads.selectors import NO_FILTERS
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db


def column(stage: str) -> list[int]:
    return list(Lead.objects.filter(stage=stage).order_by("position").values_list("pk", flat=True))


def positions(stage: str) -> list[int]:
    return list(
        Lead.objects.filter(stage=stage).order_by("position").values_list("position", flat=True)
    )


def make_column(stage: str, count: int) -> list[Lead]:
    leads = [make_lead(stage=stage) for _ in range(count)]
    for i, lead in enumerate(leads):
        Lead.objects.filter(pk=lead.pk).update(position=i)
    return leads


def test_it_moves_a_card_to_the_top_of_another_column():
    new = make_column(Stage.NEW, 3)
    contacted = make_column(Stage.CONTACTED, 2)
    lead_move(lead_id=new[1].pk, stage=Stage.CONTACTED, position=0)
    assert column(Stage.CONTACTED) == [new[1].pk, contacted[0].pk, contacted[1].pk]
    assert column(Stage.NEW) == [new[0].pk, new[2].pk]
    assert positions(Stage.NEW) == [0, 1] and positions(Stage.CONTACTED) == [0, 1, 2]


def test_it_puts_a_card_last_when_the_position_is_past_the_end():
    new = make_column(Stage.NEW, 2)
    contacted = make_column(Stage.CONTACTED, 2)
    lead_move(lead_id=new[0].pk, stage=Stage.CONTACTED, position=99)
    assert column(Stage.CONTACTED) == [contacted[0].pk, contacted[1].pk, new[0].pk]


def test_it_reorders_within_a_column():
    leads = make_column(Stage.NEW, 4)
    lead_move(lead_id=leads[0].pk, stage=Stage.NEW, position=2)
    assert column(Stage.NEW) == [leads[1].pk, leads[2].pk, leads[0].pk, leads[3].pk]
    lead_move(lead_id=leads[3].pk, stage=Stage.NEW, position=0)
    assert column(Stage.NEW) == [leads[3].pk, leads[1].pk, leads[2].pk, leads[0].pk]


def test_it_refuses_an_unknown_stage():
    lead = make_lead()
    with pytest.raises(MoveRejected) as refused:
        lead_move(lead_id=lead.pk, stage="won", position=0)
    assert refused.value.code == "unknown_stage"


def test_it_refuses_an_unknown_lead():
    with pytest.raises(MoveRejected) as refused:
        lead_move(lead_id=999_999, stage=Stage.NEW, position=0)
    assert refused.value.code == "not_found"


def test_it_refuses_a_negative_position():
    lead = make_lead()
    with pytest.raises(MoveRejected) as refused:
        lead_move(lead_id=lead.pk, stage=Stage.NEW, position=-1)
    assert refused.value.code == "invalid_position"


def test_it_refuses_a_card_moved_meanwhile_by_someone_else():
    leads = make_column(Stage.NEW, 2)
    lead_move(lead_id=leads[0].pk, stage=Stage.DEAD, position=0)  # someone else's move
    with pytest.raises(MoveRejected) as refused:
        lead_move(
            lead_id=leads[0].pk,
            stage=Stage.CONTACTED,
            position=0,
            expected_stage=Stage.NEW,
            expected_position=0,
        )
    assert refused.value.code == "stale"
    assert Lead.objects.get(pk=leads[0].pk).stage == Stage.DEAD


def test_it_keeps_positions_dense_and_ordered_after_many_moves():
    rng = random.Random(7)
    leads = make_column(Stage.NEW, 30)
    stages = Stage.values
    for _ in range(200):
        lead = rng.choice(leads)
        lead_move(lead_id=lead.pk, stage=rng.choice(stages), position=rng.randint(0, 35))
    for stage in stages:
        assert positions(stage) == list(range(len(positions(stage))))
    assert Lead.objects.count() == 30


def test_it_appends_new_leads_at_the_bottom_of_the_column():
    make_column(Stage.NEW, 3)
    fresh = [Lead(street="1 A ST", normalized_address=f"1 A ST|{i}") for i in range(2)]
    append_to_stage(fresh)
    assert [lead.position for lead in fresh] == [3, 4]


def test_it_reads_the_board_in_a_constant_number_of_queries(django_assert_max_num_queries):
    make_column(Stage.NEW, 40)
    make_column(Stage.CONTACTED, 3)
    with django_assert_max_num_queries(3 + len(Stage.values)):  # counts, columns, lists, tasks
        columns = board_columns(NO_FILTERS, per_column=25)
    by_stage = {c.stage: c for c in columns}
    assert by_stage[Stage.NEW].count == 40 and len(by_stage[Stage.NEW].cards) == 25
    assert by_stage[Stage.NEW].more == 15
    assert [c.pk for c in by_stage[Stage.CONTACTED].cards] == column(Stage.CONTACTED)


def test_it_reads_every_cards_next_task_in_one_query(django_assert_max_num_queries, agent):
    today = timezone.localdate()
    for stage in Stage.values:
        for lead in make_column(stage, 5):
            Lead.objects.filter(pk=lead.pk).update(assigned_to=agent)
            FollowUpTask.objects.create(lead=lead, title="later", due=today + dt.timedelta(days=9))
            FollowUpTask.objects.create(lead=lead, title="first", due=today)
            FollowUpTask.objects.create(lead=lead, title="done", due=today, done=True)
    with django_assert_max_num_queries(3 + len(Stage.values)):
        columns = board_columns(NO_FILTERS, per_column=25)
        cards = [card for column in columns for card in column.cards]
        assert {getattr(card, "next_task").title for card in cards} == {"first"}  # noqa: B009
        assert {card.assigned_to.get_username() for card in cards if card.assigned_to} == {"agent"}
