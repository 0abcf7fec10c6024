"""Exporting from the pages: the Leads page and a list's page link to the export page with
the filters applied now (also after an htmx filter), and the export page's choices (every
lead filter, preset, scrub, byte-order mark) reach the file. Also the Lists column."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.export.presets import PRESETS
from leads.export.writer import EXPORT_COLUMNS, export_rows
from leads.lists.services import list_add_leads, list_create, list_remove_leads
from leads.models import Email, Lead, Phone, Stage
from leads.selectors import leads_filtered
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CLEAN = {"number": "+16025550101", "dnc": False}
ON_DNC = {"number": "+16025550103", "dnc": True}


def lead_with(*phones: dict, **fields) -> Lead:
    lead = make_lead(**fields)
    for rank, phone in enumerate(phones):
        Phone.objects.create(lead=lead, rank=rank, dnc_checked_at=timezone.now(), **phone)
    return lead


def link(page: str, link_id: str) -> str:
    """The href of the link inside the element with this id, unescaped."""
    match = re.search(rf'id="{link_id}"[^>]*>\s*<a [^>]*href="([^"]+)"', page)
    assert match, f"no link in #{link_id}"
    return html.unescape(match.group(1))


def download_href(page: str) -> str:
    match = re.search(r'id="download" href="([^"]+)"', page)
    assert match, "no Download link"
    return html.unescape(match.group(1))


def rows_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(text))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_an_htmx_filter_on_the_leads_page_carries_into_the_export(agent_client):
    kept = make_lead(stage=Stage.CONTACTED)
    make_lead(stage=Stage.NEW)
    assert link(agent_client.get("/leads/").content.decode(), "lead-export").endswith("?")

    fragment = agent_client.get("/leads/?stage=contacted&page=1", **HTMX).content.decode()
    export_page = link(fragment, "lead-export")
    assert export_page.startswith("/leads/export/?")

    page = agent_client.get(export_page).content.decode()
    assert 'id="export-rows">1<' in page
    rows = rows_of(agent_client.get(download_href(page)))
    assert [row["id"] for row in rows] == [str(kept.pk)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("minEquityPct=40", {"equity"}),
        ("minYearsOwned=10", {"owned long"}),
        ("ownerType=corporate", {"corporate"}),
        ("freeAndClear=true", {"free and clear"}),
        ("outOfStateOwner=true", {"out of state"}),
    ],
)
def test_the_export_page_reads_every_owner_fact_filter(agent_client, query, expected):
    today = timezone.localdate()
    make_lead(street="equity", avm_value_usd=100_000, estimated_equity_usd=50_000)
    long_ago, lately = today - dt.timedelta(days=365 * 12), today - dt.timedelta(days=400)
    make_lead(street="owned long", last_sale_date=long_ago, mortgage_amount_usd=90_000)
    make_lead(street="corporate", owner_name="ACME LLC", corporate_owner=True)
    make_lead(street="free and clear", last_sale_date=lately, mortgage_amount_usd=0)
    make_lead(street="out of state", state="AZ", mailing_state="CA", mailing_street="1 ELM")
    page = agent_client.get(f"/leads/export/?{query}").content.decode()
    rows = rows_of(agent_client.get(download_href(page)))
    assert {row["street"] for row in rows} == expected


def test_the_export_page_keeps_the_list_filters_and_shows_them(agent_client, agent):
    hot = list_create(name="Hot", user_id=agent.pk)
    cold = list_create(name="Cold", user_id=agent.pk)
    both, only_hot, _ = make_lead(), make_lead(), make_lead()
    list_add_leads(lead_list=hot, lead_ids=[both.pk, only_hot.pk])
    list_add_leads(lead_list=cold, lead_ids=[both.pk])

    page = agent_client.get(f"/leads/export/?list={hot.pk}").content.decode()
    assert f'<option value="{hot.pk}" selected>' in page  # the form sends it on every change
    assert 'name="minLists"' in page and 'name="outOfStateOwner"' in page
    assert {r["id"] for r in rows_of(agent_client.get(download_href(page)))} == {
        str(both.pk),
        str(only_hot.pk),
    }
    stacked = agent_client.get("/leads/export/?minLists=2").content.decode()
    assert [r["id"] for r in rows_of(agent_client.get(download_href(stacked)))] == [str(both.pk)]


def test_a_lists_page_links_to_the_export_of_its_leads_with_its_filters(agent_client, agent):
    lead_list = list_create(name="Probate", user_id=agent.pk)
    kept = make_lead(stage=Stage.CONTACTED)
    other_stage = make_lead(stage=Stage.NEW)
    make_lead(stage=Stage.CONTACTED)  # not on the list
    list_add_leads(lead_list=lead_list, lead_ids=[kept.pk, other_stage.pk])

    url = f"/lists/{lead_list.pk}/?stage=contacted"
    fragment = agent_client.get(url, **HTMX).content.decode()
    page = agent_client.get(link(fragment, "lead-export")).content.decode()
    assert [r["id"] for r in rows_of(agent_client.get(download_href(page)))] == [str(kept.pk)]


def test_scrub_and_the_byte_order_mark_chosen_on_the_page_reach_the_file(agent_client):
    clean = lead_with(CLEAN, best_phone=CLEAN["number"])
    lead_with(ON_DNC, best_phone=ON_DNC["number"])
    chosen = agent_client.get("/leads/export/?scrub=true&bom=true").content.decode()
    assert 'id="scrubbed"' in chosen and "1 on the DNC registry" in chosen
    response = agent_client.get(download_href(chosen))
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbfid,source,")
    _, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig")))
    assert [row[0] for row in rows] == [str(clean.pk)]

    plain = agent_client.get("/leads/export/?scrub=false&bom=false").content.decode()
    assert "Scrub is off" in plain
    body = b"".join(agent_client.get(download_href(plain)).streaming_content)
    assert body.startswith(b"id,source,")
    assert len(body.decode().splitlines()) == 3


def test_the_export_page_counts_every_lead_before_any_choice(agent_client):
    make_lead(), make_lead()
    page = agent_client.get("/leads/export/").content.decode()
    assert 'id="export-rows">2<' in page
    assert 'name="bom"' in page


def test_the_lists_column_names_each_list_a_lead_is_on_but_not_one_it_left(agent_client, agent):
    first, second, left = (list_create(name=n, user_id=agent.pk) for n in ("A", "=B", "Left"))
    lead, alone = make_lead(), make_lead()
    for lead_list in (first, left, second):
        list_add_leads(lead_list=lead_list, lead_ids=[lead.pk])
    list_remove_leads(lead_list=left, lead_ids=[lead.pk])
    only_b = make_lead()
    list_add_leads(lead_list=second, lead_ids=[only_b.pk])

    rows = {row["id"]: row for row in rows_of(agent_client.get("/leads/export.csv"))}
    assert "Lists" in EXPORT_COLUMNS
    assert rows[str(lead.pk)]["Lists"] == "A; =B"  # in the order it joined them
    assert rows[str(alone.pk)]["Lists"] == ""
    assert rows[str(only_b.pk)]["Lists"] == "'=B"  # a spreadsheet would run it


def test_dialer_presets_keep_their_documented_layout_without_lists(agent_client, agent):
    lead = lead_with(CLEAN, best_phone=CLEAN["number"])
    list_add_leads(lead_list=list_create(name="Hot", user_id=agent.pk), lead_ids=[lead.pk])
    response = agent_client.get("/api/leads/export.csv?preset=generic")
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert "Hot" not in header and "lists" not in header.lower()


@pytest.mark.parametrize(
    ("fields", "column", "written"),
    [
        ({"emails": ["=cmd@example.com"]}, "Email 1", "'=cmd@example.com"),
        ({"phones": [{"number": "=1+2"}]}, "Phone 1", "'=1+2"),
        ({"phones": [{"number": "+16025550101", "line_type": "@voip"}]}, "Phone 1 Type", "'@voip"),
        ({"best_phone": "-2+3"}, "best_phone", "'-2+3"),
        ({"county": "+MARICOPA"}, "county", "'+MARICOPA"),
    ],
)
def test_it_neutralises_a_formula_in_any_text_cell(agent_client, fields, column, written):
    phones, emails = fields.pop("phones", []), fields.pop("emails", [])
    lead = make_lead(**fields)
    for rank, phone in enumerate(phones):
        Phone.objects.create(lead=lead, rank=rank, **phone)
    for rank, email in enumerate(emails):
        Email.objects.create(lead=lead, rank=rank, email=email)
    (row,) = rows_of(agent_client.get("/leads/export.csv"))
    assert row[column] == written


@pytest.mark.parametrize(("preset", "per_chunk"), [(None, 2), ("generic", 1)])
def test_it_reads_each_chunks_contacts_and_lists_in_one_query_apiece(agent, preset, per_chunk):
    lead_list = list_create(name="Hot", user_id=agent.pk)
    leads = [lead_with(CLEAN, ON_DNC, best_phone=CLEAN["number"]) for _ in range(5)]
    for lead in leads:
        Email.objects.create(lead=lead, email=f"owner{lead.pk}@example.com")
    list_add_leads(lead_list=lead_list, lead_ids=[lead.pk for lead in leads])
    chosen = PRESETS[preset] if preset else None
    with CaptureQueriesContext(connection) as queries:
        rows = list(export_rows(leads_filtered(), scrub=False, chunk_size=2, preset=chosen))
    assert len(rows) == 5
    assert len(queries.captured_queries) == 1 + 3 * per_chunk  # the leads, then 3 chunks
