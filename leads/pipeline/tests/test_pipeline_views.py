"""The pipeline board's HTML views (page, htmx partials, moves, "load more") and the move API."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from leads.models import Lead, Source, Stage, Temperature
from leads.pipeline.services import CARDS_PER_COLUMN
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

BOARD = "/pipeline/"
MOVE = "/pipeline/move/"
HTMX = {"HX-Request": "true"}


def make_column(stage: str, count: int, **fields) -> list[Lead]:
    """`count` leads at dense positions 0..count-1 of one column."""
    return [make_lead(stage=stage, position=i, **fields) for i in range(count)]


def column(stage: str) -> list[int]:
    return list(Lead.objects.filter(stage=stage).order_by("position").values_list("pk", flat=True))


def card_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="kcard[^"]*" data-lead-id="(\d+)"', html)]


def column_html(html: str, stage: str) -> str:
    start = html.index(f'data-sortable-stage="{stage}"')
    return html[start : html.index("</section>", start)]


def count_badge(html: str, stage: str) -> int:
    match = re.search(rf'id="col-{stage}"><span>[^<]*</span><span [^>]*data-count>(\d+)<', html)
    assert match, f"no count for {stage}"
    return int(match.group(1))


# --- The board page ----------------------------------------------------------------------


def test_it_renders_every_stage_with_its_count(agent_client):
    make_column(Stage.NEW, 3)
    make_column(Stage.NEGOTIATING, 1)

    html = agent_client.get(BOARD).content.decode()

    for stage, label in Stage.choices:
        assert f'id="col-{stage}"><span>{label}</span>' in html
    assert count_badge(html, Stage.NEW) == 3
    assert count_badge(html, Stage.NEGOTIATING) == 1
    assert count_badge(html, Stage.DEAD) == 0
    assert 'id="drop-form"' in html and "Sortable.min.js" in html


def test_it_shows_the_leads_facts_on_each_card(agent_client):
    lead = make_lead(
        owner_name="GARCIA, MARIA",
        street="4021 S 16TH ST",
        city="PHOENIX",
        ai_score=90,
        temperature_tag=Temperature.ON_FIRE,
        best_phone="+16025550142",
        contactable=True,
        sandbox=True,
    )

    html = agent_client.get(BOARD).content.decode()
    card = column_html(html, Stage.NEW)

    assert card_ids(card) == [lead.pk]
    assert "GARCIA, MARIA" in card
    assert "4021 S 16TH ST</a>, PHOENIX" in card
    assert 'class="badge badge-ON_FIRE"' in card and "On fire · 90" in card
    assert "+16025550142" in card
    assert '<span class="badge pill-contactable">Contactable</span>' in card
    assert (
        '<span class="badge badge-sandbox" title="Made-up data from the sandbox">Sandbox</span>'
        in card
    )


def test_it_leaves_out_the_pills_a_lead_does_not_earn(agent_client):
    make_lead(owner_name="", contactable=False, sandbox=False)

    card = column_html(agent_client.get(BOARD).content.decode(), Stage.NEW)

    assert "Unknown owner" in card and "Unscored" in card
    assert "Contactable" not in card and "Sandbox" not in card


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("temperature=HOT", {"hot"}),
        ("contactable=true", {"hot", "contactable"}),
        ("contactable=false", {"cold", "sandboxed"}),
        ("source=attom-sandbox", {"sandboxed"}),
        ("temperature=HOT&contactable=true", {"hot"}),
    ],
)
def test_it_filters_the_board(agent_client, query, expected):
    leads = {
        "hot": make_lead(ai_score=70, temperature_tag=Temperature.HOT, contactable=True),
        "cold": make_lead(ai_score=10, temperature_tag=Temperature.DEAD),
        "contactable": make_lead(ai_score=50, temperature_tag=Temperature.WARM, contactable=True),
        "sandboxed": make_lead(source=Source.ATTOM_SANDBOX, sandbox=True, ai_score=45),
    }

    html = agent_client.get(f"{BOARD}?{query}").content.decode()

    assert set(card_ids(html)) == {leads[name].pk for name in expected}
    assert count_badge(html, Stage.NEW) == len(expected)


def test_it_answers_an_htmx_filter_with_the_board_partial_alone(agent_client):
    hot = make_lead(ai_score=70)
    make_lead(ai_score=10)

    response = agent_client.get(f"{BOARD}?temperature=HOT", headers=HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html and 'id="board"' not in html and 'class="board"' in html
    assert card_ids(html) == [hot.pk]
    assert "HX-Request" in response["Vary"]
    # A drop after the filter changed posts the filter now shown.
    drop_form = html[html.index('<form id="drop-form"') :]
    assert 'name="filter" value="temperature=HOT"' in drop_form[: drop_form.index("</form>")]


def test_it_refuses_a_bad_filter(agent_client):
    response = agent_client.get(f"{BOARD}?temperature=LUKEWARM")
    assert response.status_code == 400
    assert "Temperature:" in response.content.decode()


@pytest.mark.usefixtures("no_query_cache")  # it counts what the board asks the database
def test_it_reads_the_board_in_the_same_number_of_queries_for_30_or_300_leads(
    agent_client, django_assert_max_num_queries
):
    stages = Stage.values[:6]
    for stage in stages:
        _bulk_column(stage, 5)
    agent_client.get(BOARD)  # the session and the user are loaded the same way each time
    reset_queries()  # as each request does: from a clear log, all its queries count
    with CaptureQueriesContext(connection) as small:
        assert agent_client.get(BOARD).status_code == 200
    queries = len(small.captured_queries)  # read now: the next request clears the log
    assert queries >= 4  # the session, the user, the counts, the cards

    for stage in stages:
        _bulk_column(stage, 45, start=5)
    assert Lead.objects.count() == 300

    with django_assert_max_num_queries(queries):
        html = agent_client.get(BOARD).content.decode()
    assert len(card_ids(html)) == CARDS_PER_COLUMN * 6  # each column's first cards only
    assert count_badge(html, Stage.NEW) == 50 and count_badge(html, Stage.DEAD) == 0


_bulk_serial = iter(range(10**6))


def _bulk_column(stage: str, count: int, *, start: int = 0) -> None:
    Lead.objects.bulk_create(
        [
            Lead(
                street=f"{n} BULK ST",
                normalized_address=f"{n} BULK ST||85034",
                owner_name=f"BULK {n}",
                normalized_owner=f"BULK {n}",
                stage=stage,
                position=start + i,
            )
            for i, n in ((i, next(_bulk_serial)) for i in range(count))
        ]
    )


# --- "Load more" -------------------------------------------------------------------------


def test_it_loads_the_next_cards_of_a_column(agent_client):
    leads = make_column(Stage.NEW, CARDS_PER_COLUMN * 2 + 5)

    board = agent_client.get(BOARD).content.decode()
    assert card_ids(column_html(board, Stage.NEW)) == [lead.pk for lead in leads[:25]]
    # The label says what a click loads, and how many cards the column does not show.
    assert (
        f'Load {CARDS_PER_COLUMN} more <span class="muted">· {CARDS_PER_COLUMN + 5} not shown'
        in board
    )

    second = agent_client.get(f"/pipeline/{Stage.NEW}/?offset={CARDS_PER_COLUMN}")
    assert second.status_code == 200
    assert card_ids(second.content.decode()) == [lead.pk for lead in leads[25:50]]

    # The page's own "Load more" link asks for the cards after those.
    link = first_link(second.content.decode()).replace("&amp;", "&")
    third = agent_client.get(link)
    assert card_ids(third.content.decode()) == [lead.pk for lead in leads[50:]]
    assert "Load 5 more" in second.content.decode()
    assert "load-more" not in third.content.decode()


def test_it_keeps_the_filters_when_loading_more(agent_client):
    hot = [make_lead(stage=Stage.NEW, position=2 * i, ai_score=70) for i in range(30)]
    for i in range(30):
        make_lead(stage=Stage.NEW, position=2 * i + 1, ai_score=10)

    board = agent_client.get(f"{BOARD}?temperature=HOT").content.decode()
    found = re.search(r'hx-get="(/pipeline/new/[^"]+)"', board)
    assert found is not None
    link = found.group(1).replace("&amp;", "&")
    more = agent_client.get(link).content.decode()

    assert card_ids(more) == [lead.pk for lead in hot[25:]]


def test_it_refuses_an_unknown_column_or_offset(agent_client):
    assert agent_client.get("/pipeline/won/").status_code == 404
    assert agent_client.get(f"/pipeline/{Stage.NEW}/?offset=abc").status_code == 400


# --- Moving a card from the board --------------------------------------------------------


def move(client, lead: Lead, stage: str, *, htmx: bool = True, **fields):
    data = {"lead": lead.pk, "stage": stage, "position": 0, **fields}
    return client.post(MOVE, data, headers=HTMX if htmx else {})


def test_it_moves_a_card_and_answers_with_the_board(agent_client):
    new = make_column(Stage.NEW, 3)
    contacted = make_column(Stage.CONTACTED, 2)

    response = move(
        agent_client,
        new[1],
        Stage.CONTACTED,
        position=1,
        expected_stage=Stage.NEW,
        expected_position=1,
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html and 'class="board"' in html and 'role="alert"' not in html
    assert column(Stage.CONTACTED) == [contacted[0].pk, new[1].pk, contacted[1].pk]
    assert column(Stage.NEW) == [new[0].pk, new[2].pk]
    assert card_ids(column_html(html, Stage.CONTACTED)) == column(Stage.CONTACTED)
    assert count_badge(html, Stage.NEW) == 2 and count_badge(html, Stage.CONTACTED) == 3


def test_it_keeps_the_boards_filter_after_a_move(agent_client):
    hot = make_lead(ai_score=70, stage=Stage.NEW, position=0)
    make_lead(ai_score=10, stage=Stage.NEW, position=1)

    response = move(agent_client, hot, Stage.CONTACTED, filter="temperature=HOT")
    html = response.content.decode()

    assert card_ids(html) == [hot.pk]
    assert 'name="filter" value="temperature=HOT"' in html


def test_it_answers_a_move_of_an_unknown_lead_with_404(agent_client):
    make_column(Stage.NEW, 1)
    response = agent_client.post(
        MOVE, {"lead": 999_999, "stage": Stage.DEAD, "position": 0}, headers=HTMX
    )
    html = response.content.decode()
    assert response.status_code == 404
    assert "No lead 999999." in html and 'class="board"' in html


def test_it_answers_a_move_to_an_unknown_stage_with_400(agent_client):
    lead = make_lead()
    response = move(agent_client, lead, "won")
    html = response.content.decode()
    assert response.status_code == 400
    assert "That move is not valid: Stage:" in html and 'class="board"' in html
    assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW


def test_it_refuses_a_move_from_a_stale_position_with_409(agent_client):
    leads = make_column(Stage.NEW, 2)
    response = move(
        agent_client, leads[1], Stage.DEAD, expected_stage=Stage.NEW, expected_position=0
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else moved this card meanwhile" in html and 'class="board"' in html
    assert column(Stage.NEW) == [leads[0].pk, leads[1].pk]
    assert column(Stage.DEAD) == []


def test_it_redirects_a_plain_form_post_back_to_the_board(agent_client):
    lead = make_lead()
    response = move(agent_client, lead, Stage.FOLLOW_UP, htmx=False, filter="contactable=false")
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?contactable=false"
    assert Lead.objects.get(pk=lead.pk).stage == Stage.FOLLOW_UP


def test_it_shows_a_plain_form_posts_refusal_on_the_board(agent_client):
    leads = make_column(Stage.NEW, 2)
    response = move(
        agent_client,
        leads[0],
        Stage.DEAD,
        htmx=False,
        expected_stage=Stage.NEW,
        expected_position=1,
    )
    assert response.status_code == 302
    page = agent_client.get(response["Location"]).content.decode()
    assert "Someone else moved this card meanwhile" in page


def test_it_sends_an_anonymous_visitor_to_the_login_page(client):
    assert "/accounts/login/" in client.get(BOARD)["Location"]
    assert "/accounts/login/" in client.post(MOVE, {})["Location"]


def test_it_refuses_a_move_by_get(agent_client):
    assert agent_client.get(MOVE).status_code == 405


# --- POST /api/leads/<id>/move -----------------------------------------------------------


def api_move(client, lead_id: int, body) -> tuple[int, dict]:
    response = client.post(
        f"/api/leads/{lead_id}/move", json.dumps(body), content_type="application/json"
    )
    return response.status_code, response.json()


def test_the_api_moves_a_lead_and_answers_with_its_json(agent_client):
    lead = make_column(Stage.NEW, 2)[1]
    contacted = make_column(Stage.CONTACTED, 2)

    status, body = api_move(agent_client, lead.pk, {"stage": "contacted", "position": 0})

    assert status == 200
    assert body["id"] == lead.pk and body["stage"] == "contacted" and body["position"] == 0
    assert column(Stage.CONTACTED) == [lead.pk, contacted[0].pk, contacted[1].pk]


def test_the_api_puts_a_lead_last_when_the_position_is_past_the_end(agent_client):
    lead = make_lead()
    make_column(Stage.DEAD, 3)

    status, body = api_move(agent_client, lead.pk, {"stage": "dead", "position": 99})

    assert status == 200
    assert body["stage"] == "dead" and body["position"] == 3


def test_the_api_refuses_an_unknown_stage(agent_client):
    lead = make_lead()
    status, body = api_move(agent_client, lead.pk, {"stage": "won", "position": 0})
    assert status == 400 and body["error"] == "unknown_stage"
    assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW


def test_the_api_answers_an_unknown_lead_with_404(agent_client):
    status, body = api_move(agent_client, 999_999, {"stage": "dead", "position": 0})
    assert status == 404 and body["error"] == "not_found"


@pytest.mark.parametrize("position", ["1", 1.5, None, True, -1])
def test_the_api_refuses_a_position_that_is_not_a_whole_number(agent_client, position):
    lead = make_lead()
    status, body = api_move(agent_client, lead.pk, {"stage": "dead", "position": position})
    assert status == 400
    assert body["error"] in {"invalid_request", "invalid_position"}
    assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW


def test_the_api_refuses_a_body_that_is_not_a_json_object(agent_client):
    lead = make_lead()
    status, body = api_move(agent_client, lead.pk, ["dead", 0])
    assert status == 400 and body["error"] == "invalid_request"


def test_the_api_answers_an_anonymous_caller_with_401(client):
    lead = make_lead()
    status, body = api_move(client, lead.pk, {"stage": "dead", "position": 0})
    assert status == 401 and body["error"] == "authentication_required"
    assert Lead.objects.get(pk=lead.pk).stage == Stage.NEW


def first_link(html: str) -> str:
    found = re.search(r'hx-get="([^"]+)"', html)
    assert found is not None, "no hx-get link on the page"
    return found.group(1)


# --- What a re-drawn board keeps ---------------------------------------------------------


def test_it_keeps_the_cards_loaded_with_load_more_after_a_move(agent_client):
    new = make_column(Stage.NEW, CARDS_PER_COLUMN * 2 + 5)
    contacted = make_column(Stage.CONTACTED, CARDS_PER_COLUMN + 3)
    moved = new[40]  # a card "Load more" brought in

    response = move(
        agent_client,
        moved,
        Stage.CONTACTED,
        position=CARDS_PER_COLUMN + 3,  # dropped under the last card loaded
        expected_stage=Stage.NEW,
        expected_position=40,
        show_new=str(CARDS_PER_COLUMN * 2),
        show_contacted=str(CARDS_PER_COLUMN + 3),
    )
    html = response.content.decode()

    assert card_ids(column_html(html, Stage.NEW)) == column(Stage.NEW)[: CARDS_PER_COLUMN * 2]
    assert card_ids(column_html(html, Stage.CONTACTED)) == [c.pk for c in contacted] + [moved.pk]


def test_it_shows_as_many_cards_as_the_board_url_asks_for(agent_client):
    leads = make_column(Stage.NEW, CARDS_PER_COLUMN * 2 + 5)

    board = agent_client.get(f"{BOARD}?show_new=50").content.decode()
    assert card_ids(column_html(board, Stage.NEW)) == [lead.pk for lead in leads[:50]]
    # Without JavaScript, "Load more" is a link to the board showing the next cards too.
    assert 'href="/pipeline/?show_new=55"' in board and "Load 5 more" in board

    for bad in ("show_new=abc", "show_new=-3", "show_new=1"):
        html = agent_client.get(f"{BOARD}?{bad}").content.decode()
        assert len(card_ids(column_html(html, Stage.NEW))) == CARDS_PER_COLUMN


def test_it_answers_a_move_with_a_toast(agent_client):
    lead = make_lead(owner_name="GARCIA, MARIA")

    response = move(agent_client, lead, Stage.FOLLOW_UP)

    assert json.loads(response["HX-Trigger"]) == {
        "showToast": {"message": "Moved GARCIA, MARIA to Follow-up.", "level": "success"}
    }
    refused = move(agent_client, lead, Stage.DEAD, expected_stage=Stage.NEW)
    assert json.loads(refused["HX-Trigger"])["showToast"]["level"] == "error"


@pytest.mark.usefixtures("no_query_cache")
def test_it_shows_each_cards_lists_without_a_query_per_card(
    agent_client, django_assert_max_num_queries
):
    from leads.lists.services import list_add_leads, list_create

    leads = make_column(Stage.NEW, 6)
    more = make_column(Stage.CONTACTED, 1)
    probate = list_create(name="Probate", user_id=None)
    taxes = list_create(name="Tax delinquent", user_id=None)
    list_add_leads(lead_list=probate, lead_ids=[lead.pk for lead in leads[:3]])
    list_add_leads(lead_list=taxes, lead_ids=[leads[0].pk])
    agent_client.get(BOARD)
    reset_queries()
    with CaptureQueriesContext(connection) as few:
        agent_client.get(BOARD)

    more += [make_lead(stage=Stage.CONTACTED, position=i) for i in range(1, 21)]
    list_add_leads(lead_list=taxes, lead_ids=[lead.pk for lead in more])
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = agent_client.get(BOARD).content.decode()

    cards = dict(zip(card_ids(html), re.split(r'<li class="kcard', html)[1:], strict=True))
    assert "Stacked × 2" in cards[leads[0].pk] and ">Probate</a>" not in cards[leads[0].pk]
    assert ">Probate</a>" in cards[leads[1].pk] and "Stacked" not in cards[leads[1].pk]
    assert ">Tax delinquent</a>" in cards[more[0].pk]
    assert "lead-lists" not in cards[leads[5].pk]
