"""The CSV export: columns, filters, the do-not-dial scrub, formula neutralising, streaming."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import tracemalloc
from collections.abc import Sequence
from typing import Any

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from leads.export.writer import EXPORT_COLUMNS, csv_stream, safe_cell
from leads.models import Email, Lead, Phone, Stage
from leads.selectors import LeadFilters, leads_filtered

pytestmark = pytest.mark.django_db

PAGE = "/leads/export.csv"
API = "/api/leads/export.csv"
_serial = itertools.count(1)


def make_leads(
    count: int = 1,
    *,
    phones: Sequence[dict[str, Any]] = (),
    emails: Sequence[str] = (),
    **fields: Any,
) -> list[Lead]:
    """`count` leads in one insert, each with the given phones (in rank order) and e-mails."""
    leads = Lead.objects.bulk_create([_lead(**fields) for _ in range(count)])
    Phone.objects.bulk_create(
        [
            Phone(lead=lead, rank=rank, **phone)
            for lead in leads
            for rank, phone in enumerate(phones)
        ]
    )
    Email.objects.bulk_create(
        [
            Email(lead=lead, email=email, rank=rank)
            for lead in leads
            for rank, email in enumerate(emails)
        ]
    )
    return leads


def _lead(**fields: Any) -> Lead:
    n = next(_serial)
    defaults = {
        "street": f"{n} W MAIN ST",
        "city": "PHOENIX",
        "state": "AZ",
        "zip_code": "85004",
        "normalized_address": f"{n} W MAIN ST||85004",
        "owner_name": f"OWNER {n}",
        "normalized_owner": f"OWNER {n}",
    }
    return Lead(**{**defaults, **fields})


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    header, *rows = csv.reader(io.StringIO(text))
    assert header == list(EXPORT_COLUMNS)
    return [dict(zip(header, row, strict=True)) for row in rows]


def only_row(response) -> dict[str, str]:
    rows = csv_rows(response)
    assert len(rows) == 1
    return rows[0]


def test_it_writes_the_header_in_column_order(agent_client):
    response = agent_client.get(PAGE)
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.splitlines()[0] == ",".join(EXPORT_COLUMNS)
    assert EXPORT_COLUMNS[:3] == ("id", "source", "sandbox")
    assert EXPORT_COLUMNS[-4:] == ("Phone 5 DNC", "Email 1", "Email 2", "Email 3")


def test_it_puts_phones_and_emails_in_their_cells(agent_client):
    traced_at = timezone.now().replace(microsecond=0)
    lead = make_leads(
        phones=[
            {
                "number": "+16025550101",
                "line_type": "mobile",
                "dnc": False,
                "dnc_checked_at": timezone.now(),
            },
            {"number": "+16025550102", "line_type": "landline", "dnc": None},
        ],
        emails=["pat@example.com"],
        source="attom",
        owner_name="SMITH, PAT & LEE JONES",
        owner_first_name="PAT",
        owner_last_name="SMITH",
        owner2_first_name="LEE",
        owner2_last_name="JONES",
        mailing_street="9 E OAK AVE",
        mailing_city="TEMPE",
        mailing_state="AZ",
        mailing_zip="85281",
        absentee=True,
        beds=3,
        avm_value_usd=400_000,
        estimated_equity_usd=100_000,
        last_sale_date=dt.date(2019, 6, 30),
        stage=Stage.CONTACTED,
        ai_score=72,
        temperature_tag="HOT",
        skip_trace_provider="batchdata",
        skip_traced_at=traced_at,
        skip_trace_cost_micros=70_000,
        ai_cost_micros=2_500,
        best_phone="+16025550101",
        contactable=True,
    )[0]

    row = only_row(agent_client.get(PAGE))

    assert row["id"] == str(lead.pk)
    assert row["sandbox"] == ""
    assert (row["Owner 1 First Name"], row["Owner 1 Last Name"]) == ("PAT", "SMITH")
    assert (row["Owner 2 First Name"], row["Owner 2 Last Name"]) == ("LEE", "JONES")
    assert [row[f"Mailing {part}"] for part in ("Address", "City", "State", "Zip")] == [
        "9 E OAK AVE",
        "TEMPE",
        "AZ",
        "85281",
    ]
    assert (row["absentee"], row["corporate_owner"], row["Litigator"]) == ("true", "false", "")
    assert (row["beds"], row["baths"], row["equity_percent"]) == ("3", "", "25")
    assert row["last_sale_date"] == "2019-06-30"
    assert (row["stage"], row["temperature"], row["ai_score"]) == ("contacted", "HOT", "72")
    assert row["skip_traced_at"] == traced_at.isoformat()
    assert (row["skip_trace_cost"], row["ai_cost"]) == ("0.07", "0.0025")
    assert row["best_phone"] == "+16025550101"
    assert row["all_phones"] == "+16025550101;+16025550102"
    assert [row["Phone 1"], row["Phone 1 Type"], row["Phone 1 DNC"]] == [
        "+16025550101",
        "mobile",
        "false",
    ]
    assert [row["Phone 2"], row["Phone 2 Type"], row["Phone 2 DNC"]] == [
        "+16025550102",
        "landline",
        "unknown",
    ]
    assert row["Phone 3"] == row["Phone 3 DNC"] == ""
    assert (row["emails"], row["Email 1"], row["Email 2"]) == (
        "pat@example.com",
        "pat@example.com",
        "",
    )
    assert (row["contactable"], row["dnc_flag"]) == ("true", "false")


def test_it_keeps_phones_in_their_stored_order():
    lead = make_leads()[0]
    Phone.objects.create(lead=lead, number="+16025550109", rank=2)
    Phone.objects.create(lead=lead, number="+16025550101", rank=0)
    Phone.objects.create(lead=lead, number="+16025550105", rank=1)
    text = "".join(csv_stream(Lead.objects.all(), scrub=False, bom=False))
    assert "+16025550101;+16025550105;+16025550109" in text


def test_it_keeps_emails_in_their_stored_order_beside_the_phones(agent_client):
    lead = make_leads(phones=[{"number": "+16025550101"}])[0]
    for rank, email in ((2, "c@example.com"), (0, "a@example.com"), (1, "b@example.com")):
        Email.objects.create(lead=lead, email=email, rank=rank)
    row = only_row(agent_client.get(PAGE))
    assert row["emails"] == "a@example.com;b@example.com;c@example.com"
    assert (row["Email 1"], row["Email 3"], row["Phone 1"]) == (
        "a@example.com", "c@example.com", "+16025550101",
    )  # fmt: skip


def test_it_fills_five_phone_slots_and_lists_every_number(agent_client):
    numbers = [f"+1602555010{n}" for n in range(6)]
    make_leads(phones=[{"number": number} for number in numbers])
    row = only_row(agent_client.get(PAGE))
    assert row["all_phones"] == ";".join(numbers)
    assert [row[f"Phone {n}"] for n in range(1, 6)] == numbers[:5]


def test_it_files_an_entity_owner_under_its_name(agent_client):
    make_leads(
        owner_name="ACME HOLDINGS LLC",
        owner_first_name="",
        owner_last_name="ACME HOLDINGS LLC",
        corporate_owner=True,
    )
    row = only_row(agent_client.get(PAGE))
    assert row["Owner 1 First Name"] == ""
    assert row["Owner 1 Last Name"] == "ACME HOLDINGS LLC"
    assert row["corporate_owner"] == "true"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"A", "B", "C"}),
        ("stage=contacted", {"A", "C"}),
        ("temperature=ON_FIRE", {"A", "B"}),
        ("contactable=false", {"B"}),
        ("stage=contacted&temperature=ON_FIRE&contactable=true", {"A"}),
        ("page=2&pageSize=1", {"A", "B", "C"}),
    ],
)
def test_it_exports_only_the_leads_matching_the_filters(agent_client, query, expected):
    make_leads(street="A", stage=Stage.CONTACTED, ai_score=90, contactable=True)
    make_leads(street="B", stage=Stage.NEW, ai_score=90, contactable=False)
    make_leads(street="C", stage=Stage.CONTACTED, ai_score=10, contactable=True)
    rows = csv_rows(agent_client.get(f"{API}?{query}"))
    assert {row["street"] for row in rows} == expected


# A clean number was checked within the 31 days the registry rule allows; every other kind
# of number is left out by scrub.
CHECKED = timezone.now()
CLEAN = {"number": "+16025550101", "dnc": False, "dnc_checked_at": CHECKED}
UNKNOWN = {"number": "+16025550102", "dnc": None}
ON_DNC = {"number": "+16025550103", "dnc": True, "dnc_checked_at": CHECKED}
LITIGATOR = {"number": "+16025550104", "dnc": False, "litigator": True, "dnc_checked_at": CHECKED}
LISTED = {"number": "+16025550105", "dnc": False, "do_not_call": True, "dnc_checked_at": CHECKED}
STALE = {"number": "+16025550106", "dnc": False, "dnc_checked_at": CHECKED - dt.timedelta(days=32)}
NEVER_CHECKED = {"number": "+16025550107", "dnc": False}
WRONG = {"number": "+16025550108", "dnc": False, "wrong_number": True, "dnc_checked_at": CHECKED}


def test_it_marks_numbers_that_must_not_be_dialled_without_scrub(agent_client):
    make_leads(phones=[ON_DNC, CLEAN, LITIGATOR, UNKNOWN, LISTED])
    row = only_row(agent_client.get(PAGE))
    assert row["all_phones"].count(";") == 4
    assert [row[f"Phone {n} DNC"] for n in range(1, 6)] == [
        "true",
        "false",
        "true",
        "unknown",
        "true",
    ]


@pytest.mark.parametrize("owner_flag", [{"litigator": True}, {"do_not_call": True}])
def test_it_scrubs_every_number_of_a_litigator_or_do_not_call_owner(agent_client, owner_flag):
    make_leads(phones=[CLEAN], best_phone=CLEAN["number"], **owner_flag)
    scrubbed = agent_client.get(f"{PAGE}?scrub=true")
    assert csv_rows(scrubbed) == []  # no number left: the lead is left out entirely
    assert (scrubbed["X-Scrubbed-Numbers"], scrubbed["X-Scrubbed-Leads"]) == ("1", "1")
    kept = only_row(agent_client.get(f"{PAGE}?scrub=false"))
    assert kept["Phone 1"] == CLEAN["number"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=SUM(1)", "'=SUM(1)"),
        ("+cmd", "'+cmd"),
        ("-cmd", "'-cmd"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-1+1", "'-1+1"),
        ("-3\n", "'-3\n"),
        ("-12.5", "-12.5"),
        ("-3", "-3"),
        ("+16025550142", "+16025550142"),
        ("+16025550142;+16025550143", "+16025550142;+16025550143"),
        ("+16025550142;=cmd", "'+16025550142;=cmd"),
        ("12 W MAIN ST", "12 W MAIN ST"),
        ("", ""),
    ],
)
def test_it_neutralises_cells_a_spreadsheet_would_run(cell, written):
    assert safe_cell(cell) == written


def test_it_neutralises_formulas_in_outside_data_but_not_numbers(agent_client):
    make_leads(
        phones=[{"number": "+16025550142"}],
        owner_name="@SUM(A1)",
        mailing_street='=HYPERLINK("http://evil.example","click")',
        estimated_equity_usd=-5_000,
    )
    row = only_row(agent_client.get(API))
    assert row["Mailing Address"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["owner_name"] == "'@SUM(A1)"
    assert row["estimated_equity"] == "-5000"
    assert row["Phone 1"] == row["all_phones"] == "+16025550142"


def test_it_adds_a_byte_order_mark_only_when_asked(agent_client):
    plain = b"".join(agent_client.get(PAGE).streaming_content)
    marked = b"".join(agent_client.get(f"{PAGE}?bom=true").streaming_content)
    assert plain.startswith(b"id,source,")
    assert marked.startswith(b"\xef\xbb\xbfid,source,")


@pytest.mark.parametrize("url", [PAGE, API])
def test_it_streams_a_csv_attachment(agent_client, url):
    make_leads(2)
    response = agent_client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (f'attachment; filename="leadflow-leads-{today}.csv"')
    assert len(csv_rows(response)) == 2


def test_it_sends_anonymous_visitors_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_answers_anonymous_api_calls_with_401(client):
    response = client.get(API)
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_required"


@pytest.mark.parametrize("query", ["scrub=maybe", "bom=2", "stage=asleep", "zip=850"])
def test_it_rejects_bad_options_on_the_api(agent_client, query):
    response = agent_client.get(f"{API}?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert query.split("=")[0] in body["fields"]


def test_it_rejects_a_bad_scrub_value_on_the_page(agent_client):
    response = agent_client.get(f"{PAGE}?scrub=maybe")
    assert response.status_code == 400
    assert not response.streaming
    assert "Scrub" in response.content.decode()


def test_it_marks_sandbox_leads(agent_client):
    make_leads(sandbox=True, source="attom-sandbox")
    assert only_row(agent_client.get(PAGE))["sandbox"] == "SANDBOX"


def _stream_peak(leads) -> tuple[int, int]:
    """Peak traced memory while streaming, and the characters the stream produced."""
    tracemalloc.start()
    try:
        produced = sum(
            len(text) for text in csv_stream(leads, scrub=True, bom=False, chunk_size=200)
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, produced


def test_it_keeps_memory_flat_however_many_leads():
    contacts: dict[str, Any] = {
        "phones": [CLEAN, UNKNOWN, ON_DNC],
        "emails": ["owner@example.com"],
        "mailing_street": "1234 E SOMEWHERE LONG AVE",
    }
    make_leads(1_000, stage=Stage.CONTACTED, **contacts)
    make_leads(2_000, stage=Stage.NEW, **contacts)
    few, every = leads_filtered(LeadFilters(stage=Stage.CONTACTED)), leads_filtered()
    _stream_peak(few)  # first use fills caches that are no part of the stream

    few_peak, few_chars = _stream_peak(few)
    every_peak, every_chars = _stream_peak(every)

    # Three times the rows, yet the same peak: one chunk of leads and one batch of lines.
    assert every_chars > 2.9 * few_chars
    assert every_peak < 1.5 * few_peak


AWKWARD = ['SMITH, "JJ"', "LINE\nBREAK", "CARRIAGE\rRETURN", "CRLF\r\n", '"', ",", "ÑANDÚ 東京", ""]


@pytest.mark.parametrize("text", AWKWARD)
def test_the_database_writes_text_cells_exactly_as_csv_writer_would(agent_client, text):
    fields = ["street", "unit", "city", "county", "owner_name", "owner_first_name"]
    fields += ["owner2_last_name", "mailing_street", "mailing_city", "property_type", "scored_by"]
    lead = _lead(**dict.fromkeys(fields, text))
    lead.save()
    Phone.objects.create(lead=lead, number="+16025550142")
    written = b"".join(agent_client.get(PAGE).streaming_content).decode()
    header, row = csv.reader(io.StringIO(written))
    rewritten = io.StringIO()
    csv.writer(rewritten).writerows([header, row])
    assert written == rewritten.getvalue()  # csv.writer's quoting, byte for byte
    cells = dict(zip(header, row, strict=True))
    columns = ["street", "unit", "city", "county", "owner_name", "Owner 1 First Name"]
    columns += ["Owner 2 Last Name", "Mailing Address", "Mailing City", "property_type"]
    assert [cells[column] for column in (*columns, "scored_by")] == [text] * 11


@pytest.mark.parametrize("field", ["source", "street", "city", "zip_code", "county", "stage"])
@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_it_neutralises_a_formula_in_any_text_the_database_writes(agent_client, field, start):
    fields: dict[str, Any] = {field: f"{start}1+1"}
    make_leads(**fields)
    column = {"zip_code": "zip"}.get(field, field)
    assert only_row(agent_client.get(PAGE))[column] == f"'{start}1+1"


def test_the_database_writes_numbers_flags_and_dates_as_python_would(agent_client):
    make_leads(
        sandbox=True, corporate_owner=True, owner_name="ACME LLC", owner_first_name="X",
        owner_last_name="", owns_property=False, absentee=None, beds=0, lot_sqft=None,
        avm_value_usd=-7, market_value_usd=9_000_000_000_000, last_sale_date=dt.date(999, 1, 2),
        estimated_equity_usd=1, dnc_flag=True, litigator=None,
    )  # fmt: skip
    row = only_row(agent_client.get(PAGE))
    assert (row["sandbox"], row["corporate_owner"], row["owns_property"]) == (
        "SANDBOX", "true", "false",
    )  # fmt: skip
    assert (row["Owner 1 First Name"], row["Owner 1 Last Name"]) == ("", "ACME LLC")
    assert (row["absentee"], row["beds"], row["lot_sqft"]) == ("", "0", "")
    assert (row["avm_value"], row["market_value"]) == ("-7", "9000000000000")
    assert (row["last_sale_date"], row["equity_percent"]) == ("0999-01-02", "-14")
    assert (row["dnc_flag"], row["Litigator"], row["contactable"]) == ("true", "", "false")
