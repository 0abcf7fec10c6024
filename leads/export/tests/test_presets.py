"""Each dialer preset against its dialer's documented import format.

The formats are those in /work/shared/contracts/dialers-and-lists.md, section "Dialer
imports"; each test names its row of that table (and the source that row cites)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest
from django.utils import timezone

from leads.models import Phone
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

API = "/api/leads/export.csv"
BEST, SECOND, THIRD = "+16025550142", "+16025550187", "+14805550111"


def traced_lead(**fields):
    lead = make_lead(
        owner_name="SMITH, JANE", owner_first_name="JANE", owner_last_name="SMITH",
        street="123 W MAIN ST", unit="APT 4", city="PHOENIX", state="AZ", zip_code="85034",
        county="MARICOPA", property_type="SFR", best_phone=BEST, **fields,
    )  # fmt: skip
    for rank, number in enumerate((SECOND, BEST, THIRD)):  # the best phone is not first
        Phone.objects.create(
            lead=lead, number=number, rank=rank, dnc=False, dnc_checked_at=timezone.now()
        )
    return lead


def rows_of(response) -> tuple[list[str], list[list[str]]]:
    assert response.status_code == 200, response.content
    text = b"".join(response.streaming_content).decode("utf-8")
    header, *rows = csv.reader(io.StringIO(text))
    return header, rows


def export(client, preset: str, query: str = "") -> tuple[list[str], list[list[str]]]:
    return rows_of(client.get(f"{API}?preset={preset}&scrub=true{query}"))


def test_batchdialer_is_one_phone_per_row_in_e164_with_its_headings(agent_client):
    """dialers-and-lists.md, Dialer imports, BatchDialer: "CSV, one phone per row; columns
    seen in a real integration: First Name, Last Name, Owner Name, Phone, Property Address,
    Street Name, City, State, ZIP, County, …, Source, Campaign, plus source ids" (source:
    TailoredAgents/Stoegate-VM-Drops src/lib/outreach-exports.ts, whose Phone is E.164)."""
    lead = traced_lead()
    header, rows = export(agent_client, "batchdialer")
    assert header[:10] == [
        "First Name", "Last Name", "Owner Name", "Phone", "Property Address", "Street Name",
        "City", "State", "ZIP", "County",
    ]  # fmt: skip
    assert {"Source", "Campaign", "Source External ID"} <= set(header)
    assert [row[header.index("Phone")] for row in rows] == [BEST, SECOND, THIRD]
    first = dict(zip(header, rows[0], strict=True))
    assert (first["First Name"], first["Last Name"], first["Owner Name"]) == (
        "JANE", "SMITH", "SMITH, JANE",
    )  # fmt: skip
    assert (first["Property Address"], first["Street Name"]) == ("123 W MAIN ST APT 4", "W MAIN ST")
    assert (first["ZIP"], first["County"], first["Source External ID"]) == (
        "85034", "MARICOPA", str(lead.pk),
    )  # fmt: skip


def test_calltools_has_a_header_row_one_phone_per_row_and_300000_rows_a_file(agent_client):
    """dialers-and-lists.md, Dialer imports, CallTools: "CSV with a header row; at most
    300,000 rows per import" (source: calltools.zendesk.com article 26839262862228, whose
    example headers are first name, last name, address, city, state, zip, phone)."""
    from leads.export.presets import PRESETS

    traced_lead()
    header, rows = export(agent_client, "calltools")
    assert header == ["first name", "last name", "address", "city", "state", "zip", "phone"]
    assert [row[-1] for row in rows] == ["6025550142", "6025550187", "4805550111"]
    assert PRESETS["calltools"].row_limit == 300_000


def test_readymode_is_one_lead_per_row_keyed_by_its_primary_phone(agent_client):
    """dialers-and-lists.md, Dialer imports, ReadyMode: "auto-maps headers and remembers the
    mapping; de-duplicates only by Primary Phone, only within a campaign" (source:
    readymode.freshdesk.com articles 11000077670, 11000077671): one row per lead, the best
    phone as its Primary Phone, so de-duplication keeps one row per owner's line."""
    traced_lead()
    header, rows = export(agent_client, "readymode")
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert (row["Primary Phone"], row["Phone 2"], row["Phone 3"], row["Phone 4"]) == (
        "6025550142", "6025550187", "4805550111", "",
    )  # fmt: skip
    assert (row["First Name"], row["Last Name"], row["Zip"]) == ("JANE", "SMITH", "85034")


def test_convoso_uses_ten_digit_numbers_and_30000_leads_a_list(agent_client):
    """dialers-and-lists.md, Dialer imports, Convoso: "10-digit numbers without country code;
    .csv or tab-delimited .txt; ≤ 30,000 leads per list recommended" (source:
    help.convoso.com article 215379327)."""
    from leads.export.presets import PRESETS

    traced_lead()
    header, rows = export(agent_client, "convoso")
    row = dict(zip(header, rows[0], strict=True))
    assert (row["phone_number"], row["alt_phone_1"], row["alt_phone_2"]) == (
        "6025550142", "6025550187", "4805550111",
    )  # fmt: skip
    assert all(len(row[h]) == 10 and row[h].isdigit() for h in ("phone_number", "alt_phone_1"))
    assert PRESETS["convoso"].row_limit == 30_000


def test_generic_is_one_lead_per_row_in_e164_with_each_numbers_dnc_status(agent_client):
    """dialers-and-lists.md, Dialer imports (the common ground of the table: E.164 with `+`,
    as dialer.io requires; numbered phone columns) and twilio-openai-compliance.md, Calling
    compliance: a status older than 31 days is shown as stale, never as clean."""
    lead = traced_lead()
    lead.phones.filter(number=THIRD).update(dnc_checked_at=timezone.now() - dt.timedelta(days=40))
    header, rows = rows_of(agent_client.get(f"{API}?preset=generic"))
    row = dict(zip(header, rows[0], strict=True))
    assert (row["lead_id"], row["phone_1"], row["phone_1_dnc"]) == (str(lead.pk), BEST, "false")
    assert (row["phone_3"], row["phone_3_dnc"]) == (THIRD, "stale")


def test_a_dialer_file_holds_only_leads_with_a_number_to_dial(agent_client):
    traced_lead()
    make_lead()  # never traced: nothing to dial
    assert len(export(agent_client, "batchdialer")[1]) == 3
    assert len(export(agent_client, "readymode")[1]) == 1
    assert len(rows_of(agent_client.get(f"{API}?preset=generic"))[1]) == 1


def test_an_unknown_preset_is_a_400(agent_client):
    response = agent_client.get(f"{API}?preset=five9")
    assert response.status_code == 400
    assert "preset" in response.json()["fields"]


def test_it_splits_an_export_past_the_row_limit_into_a_zip(agent_client):
    for _ in range(3):
        traced_lead()
    response = agent_client.get(f"{API}?preset=batchdialer&rowsPerFile=4")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["X-Export-Rows"] == "9" and response["X-Export-Files"] == "3"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert len(names) == 3 and all(name.endswith(".csv") for name in names)
    counts = []
    for name in names:
        header, *rows = csv.reader(io.StringIO(archive.read(name).decode("utf-8")))
        assert header[3] == "Phone"
        counts.append(len(rows))
    assert counts == [4, 4, 1]


def test_it_never_lets_rows_per_file_pass_the_dialers_limit(agent_client):
    traced_lead()
    assert agent_client.get(f"{API}?preset=convoso&rowsPerFile=0").status_code == 400
    response = agent_client.get(f"{API}?preset=convoso&rowsPerFile=999999")
    assert response["Content-Type"].startswith("text/csv")
