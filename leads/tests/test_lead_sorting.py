"""The Leads table, a list's page and /api/leads sort by a whitelisted `sort` parameter."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from leads.forms import SORT_CHOICES
from leads.lists.services import list_add_leads
from leads.models import Lead, LeadList
from leads.selectors import SORT_FIELDS, best_score_first, leads_sorted
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def must_find(pattern: str, text: str) -> re.Match[str]:
    found = re.search(pattern, text)
    assert found, text
    return found


@pytest.fixture
def three():
    return [
        make_lead(street="200 B ST", owner_name="CARA", ai_score=50, avm_value_usd=300_000,
                  estimated_equity_usd=10, last_sale_date=dt.date(2010, 1, 1)),
        make_lead(street="100 A ST", owner_name="ABE", ai_score=90, avm_value_usd=None,
                  estimated_equity_usd=90, last_sale_date=dt.date(2020, 1, 1)),
        make_lead(street="300 C ST", owner_name="BEA", ai_score=None, avm_value_usd=100_000,
                  estimated_equity_usd=None, last_sale_date=None),
    ]  # fmt: skip


def owners(leads) -> list[str]:
    return [lead.owner_name for lead in leads]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-score", ["ABE", "CARA", "BEA"]),
        ("score", ["CARA", "ABE", "BEA"]),  # unknown values last in either direction
        ("address", ["ABE", "CARA", "BEA"]),
        ("-owner", ["CARA", "BEA", "ABE"]),
        ("-value", ["CARA", "BEA", "ABE"]),
        ("-equity", ["ABE", "CARA", "BEA"]),
        ("-lastSale", ["ABE", "CARA", "BEA"]),
        ("-yearsOwned", ["CARA", "ABE", "BEA"]),  # the oldest sale is owned longest
        ("yearsOwned", ["ABE", "CARA", "BEA"]),
    ],
)
def test_it_sorts_by_each_whitelisted_key(three, sort, expected):
    assert owners(leads_sorted(Lead.objects.all(), sort)) == expected


def test_every_sort_people_can_pick_is_one_the_selector_knows():
    assert {value for value, _ in SORT_CHOICES} == {
        f"{sign}{key}" for key in SORT_FIELDS for sign in ("", "-")
    }
    with pytest.raises(ValueError):
        leads_sorted(Lead.objects.all(), "street")


def test_the_api_sorts_and_says_how(agent_client, three):
    body = agent_client.get("/api/leads", {"sort": "address"}).json()

    assert [lead["ownerName"] for lead in body["leads"]] == ["ABE", "CARA", "BEA"]
    assert body["sort"] == "address"
    assert agent_client.get("/api/leads").json()["sort"] == "-score"


def test_the_api_refuses_an_unknown_sort_with_a_clear_400(agent_client, three):
    response = agent_client.get("/api/leads", {"sort": "password"})

    assert response.status_code == 400
    assert response.json()["fields"]["sort"] == [
        "Sort by one of score, address, owner, value, equity, lastSale, yearsOwned; "
        "a leading - sorts descending (e.g. -score)."
    ]


def rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="lead-(\d+)"', html)]


def test_the_table_sorts_and_marks_the_sorted_header(agent_client, three):
    html = agent_client.get("/leads/", {"sort": "-owner"}).text

    assert rows(html) == [three[0].pk, three[2].pk, three[1].pk]
    header = re.search(r'<th aria-sort="descending"><a class="sort-link sort-active" '
                       r'href="\?([^"]*)">Owner', html)  # fmt: skip
    assert header and "sort=owner" in header.group(1)  # a second click turns it around
    assert html.count("aria-sort=") == 1
    assert '<option value="-owner" selected>Owner, Z to A</option>' in html


def test_header_links_keep_the_filters_and_start_from_page_one(agent_client, three):
    html = agent_client.get("/leads/", {"zip": "85034", "page": "1", "pageSize": "2"}).text

    link = must_find(r'href="\?([^"]*)">Address', html).group(1)
    assert "zip=85034" in link and "pageSize=2" in link and "sort=address" in link
    assert "page=" not in link.replace("pageSize", "")


def test_pages_keep_the_sort(agent_client, three):
    html = agent_client.get("/leads/", {"sort": "address", "pageSize": "1"}, **HTMX).text

    assert rows(html) == [three[1].pk]
    next_link = must_find(r'href="\?([^"]*)"[^>]*>Next', html).group(1)
    assert "sort=address" in next_link and "page=2" in next_link


def test_the_page_ignores_an_unknown_sort_and_says_so(agent_client, three):
    response = agent_client.get("/leads/", {"sort": "-password"})

    assert response.status_code == 200
    assert "Unknown sort “-password” ignored" in response.text
    assert rows(response.text) == [three[1].pk, three[0].pk, three[2].pk]


def test_a_lists_page_sorts_too(agent_client, three):
    lead_list = LeadList.objects.create(name="Probate")
    list_add_leads(lead_list=lead_list, lead_ids=[lead.pk for lead in three])

    html = agent_client.get(f"/lists/{lead_list.pk}/", {"sort": "address"}).text

    assert rows(html) == [three[1].pk, three[0].pk, three[2].pk]
    assert 'aria-sort="ascending"' in html


def test_search_pages_come_hottest_first():
    leads = [make_lead(ai_score=score) for score in (None, 40, 95, 0)]
    leads.append(make_lead(ai_score=99, owns_property=False))

    assert [lead.ai_score for lead in best_score_first(leads)] == [95, 40, 0, None, 99]
