"""Importing an investor's CSV: detection, mapping, the preview, merging by ATTOM's dedup key,
rejections reported by line (never dropped), and the repeat of a file changing nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from leads.activity.services import note_add
from leads.bulk_insert import new_lead
from leads.lists import csv_files
from leads.lists.forms import MAX_IMPORT_BYTES, ImportForm
from leads.lists.import_rows import ImportRow, import_row
from leads.lists.imports import LEAD_FIELDS
from leads.lists.models import LeadList, ListImport, ListMembership
from leads.models import Activity, ActivityKind, Email, Lead, Phone, Source
from leads.scoring.services import lead_score_rules
from leads.search import normalize
from leads.search.ingest import dedup_key
from leads.tests.factories import make_lead

pytestmark = pytest.mark.django_db

GOOD = (
    "Property Address,City,State,Zip,Owner Name,Mailing Address,Phone 1,Email,Case Number\n"
    '123 N Main Street,Phoenix,AZ,85034,JOHN SMITH,"9 Elm St, Denver, CO 80212",'
    "(602) 555-0134,john@example.com,TX-2024-1\n"
    "45 W Oak Ave Apt 4,Phoenix,AZ,85034,MARY JONES,,,,TX-2024-2\n"
)


def upload(client, text: str | bytes, **fields):
    data = text.encode() if isinstance(text, str) else text
    body = {"file": SimpleUploadedFile("county.csv", data, "text/csv"), **fields}
    if "mapping" in body and not isinstance(body["mapping"], str):
        body["mapping"] = json.dumps(body["mapping"])
    return client.post("/api/imports", body)


def test_it_imports_a_list_with_201_and_maps_columns_by_their_names(agent_client):
    response = upload(agent_client, GOOD, listName="Tax delinquent")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows"], body["created"], body["merged"], body["rejected"]) == (2, 2, 0, [])
    assert body["mapping"] == {
        "Property Address": "street", "City": "city", "State": "state", "Zip": "zip",
        "Owner Name": "ownerName", "Mailing Address": "mailingAddress", "Phone 1": "phone",
        "Email": "email", "Case Number": "notes",
    }  # fmt: skip
    lead_list = LeadList.objects.get(pk=body["listId"])
    assert (lead_list.name, lead_list.kind) == ("Tax delinquent", "import")
    smith = Lead.objects.get(owner_name="JOHN SMITH")
    assert smith.source == Source.IMPORT
    assert (smith.street, smith.zip_code, smith.mailing_state) == ("123 N MAIN ST", "85034", "CO")
    assert smith.absentee is True
    assert "Case Number: TX-2024-1" in lead_notes(smith)
    assert list(Phone.objects.filter(lead=smith).values_list("number", flat=True)) == [
        "+16025550134"
    ]
    assert Email.objects.get(lead=smith).email == "john@example.com"
    assert Lead.objects.get(owner_name="MARY JONES").unit == "UNIT 4"  # one unit form
    assert ListMembership.objects.filter(lead_list=lead_list).count() == 2
    assert Lead.objects.get(owner_name="MARY JONES").ai_score is not None  # scored at once


def test_it_keys_imported_leads_exactly_as_attom_leads(agent_client):
    upload(agent_client, GOOD, listName="T")

    address = normalize.normalize_address("123 N Main Street", city="Phoenix", state="AZ",
                                          zip_code="85034")  # fmt: skip
    key = dedup_key(address, ["JOHN SMITH"], corporate=False)
    lead = Lead.objects.get(owner_name="JOHN SMITH")
    assert (lead.normalized_address, lead.normalized_owner) == key


def test_an_imported_lead_stores_every_field_its_row_and_score_fill():
    # An import writes only LEAD_FIELDS of a new lead (the rest as the model's defaults): a
    # field a row fills must be among them, or it would be lost.
    header = ["Site Address", "Unit", "City", "State", "Zip", "Owner First", "Owner Last",
              "Owner Name", "Mailing Address", "Phone", "Email", "Notes"]  # fmt: skip
    mapping = {"Owner First": "ownerFirstName", "Owner Last": "ownerLastName"}
    cells = ["12 E Main St", "Apt 3", "Mesa", "AZ", "85201-1234", "Jane", "Doe", "ACME LLC",
             "9 Elm St, Denver, CO 80212", "(602) 555-0134", "jane@x.com", "call"]  # fmt: skip
    full = csv_files.column_mapping(header, mapping)
    row = import_row(2, header, full, cells)
    assert isinstance(row, ImportRow)
    lead_score_rules(lead=row.lead, save=False)  # type: ignore[arg-type]
    defaults = new_lead()

    filled = {name for name, value in row.lead.items() if value != defaults.get(name)}

    assert filled - {"created_at", "updated_at"} <= set(LEAD_FIELDS)


def test_it_merges_into_an_existing_lead_instead_of_duplicating_it(agent_client):
    address = normalize.normalize_address("123 N MAIN ST", city="PHOENIX", state="AZ",
                                          zip_code="85034")  # fmt: skip
    key = dedup_key(address, ["JOHN SMITH"], corporate=False)
    existing = make_lead(normalized_address=key[0], normalized_owner=key[1], source="attom",
                         owner_name="JOHN SMITH")  # fmt: skip
    note_add(lead_id=existing.pk, user_id=None, text="Called once.")
    before = Lead.objects.count()

    body = upload(agent_client, GOOD, listName="Tax").json()

    assert (body["created"], body["merged"]) == (1, 1)
    assert Lead.objects.count() == before + 1
    existing.refresh_from_db()
    assert existing.source == "attom"  # ATTOM's data is not overwritten
    notes = lead_notes(existing)
    assert "Called once." in notes and "TX-2024-1" in notes  # the agent's note is kept
    assert ListMembership.objects.filter(lead=existing, lead_list_id=body["listId"]).exists()


def test_it_merges_a_row_without_an_owner_into_the_one_lead_at_its_address(agent_client):
    address = normalize.normalize_address("7 PINE RD", zip_code="85034")
    only = make_lead(normalized_address=normalize.address_key(address), normalized_owner="X Y")
    text = "Street,Zip\n7 Pine Road,85034\n99 Nowhere Ln,85034\n"

    body = upload(agent_client, text, listName="Driving for dollars").json()

    assert (body["created"], body["merged"]) == (1, 1)
    assert ListMembership.objects.filter(lead=only).exists()


def test_it_makes_a_new_lead_when_several_leads_share_the_address(agent_client):
    address = normalize.address_key(normalize.normalize_address("7 PINE RD", zip_code="85034"))
    make_lead(normalized_address=address, normalized_owner="A")
    make_lead(normalized_address=address, normalized_owner="B")

    body = upload(agent_client, "Street,Zip\n7 Pine Road,85034\n", listName="D").json()

    assert (body["created"], body["merged"]) == (1, 0)


def test_it_reports_every_rejected_row_with_its_line_and_reason(agent_client):
    text = (
        "Street,City,State,Zip,Owner\n"
        "1 Good St,Phoenix,AZ,85034,A B\n"  # line 2
        ",Phoenix,AZ,85034,No Street\n"  # line 3
        "3 Bad Zip Rd,Phoenix,AZ,ABCDE,C D\n"  # line 4
        "\n"  # line 5: blank, no data row
        "5 Nowhere St,,,,E F\n"  # line 6
        "6 Bad State Ave,Phoenix,XX,85034,G H\n"  # line 7
        "7 Good Way,Phoenix,AZ,85034,I J\n"  # line 8
    )

    body = upload(agent_client, text, listName="County").json()

    assert body["rows"] == 6
    assert [r["row"] for r in body["rejected"]] == [3, 4, 6, 7]
    assert all(r["reason"] for r in body["rejected"])
    assert body["created"] + body["merged"] + len(body["rejected"]) == body["rows"]
    download = agent_client.get(body["rejectedCsv"])
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["row", "reason", "Street", "City", "State", "Zip", "Owner"]
    assert [row[0] for row in rows[1:]] == ["3", "4", "6", "7"]
    assert rows[2][2:] == ["3 Bad Zip Rd", "Phoenix", "AZ", "ABCDE", "C D"]


def test_the_second_import_of_a_file_changes_nothing(agent_client):
    first = upload(agent_client, GOOD, listName="Tax").json()
    leads, memberships = Lead.objects.count(), ListMembership.objects.count()

    response = upload(agent_client, GOOD, listName="Tax again")

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["merged"], body["duplicateOf"]) == (0, 0, first["id"])
    assert (Lead.objects.count(), ListMembership.objects.count()) == (leads, memberships)
    assert LeadList.objects.count() == 1 and ListImport.objects.count() == 1


def test_a_preview_counts_and_samples_but_is_not_an_import(agent_client):
    response = upload(agent_client, GOOD, preview="true")

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["merged"], body["listId"], body["id"]) == (2, 0, None, None)
    assert body["sample"][0]["street"] == "123 N MAIN ST"
    assert body["sample"][0]["action"] == "create"
    assert not Lead.objects.exists() and not ListImport.objects.exists()
    assert upload(agent_client, GOOD, listName="Now").status_code == 201


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeff" + GOOD, "utf-8-sig"),
        (GOOD.replace("JOHN SMITH", "JOSÉ NUÑEZ").encode("cp1252"), "cp1252"),
        (GOOD.replace("JOHN SMITH", "JOSÉ NUÑEZ").encode("latin-1") + b"\x81", "latin-1"),
        (GOOD.encode("utf-16"), "utf-16"),
    ],
)
def test_it_reads_excel_encodings(agent_client, data, encoding):
    if isinstance(data, str):
        data = data.encode()

    body = upload(agent_client, data, preview="true").json()

    assert body["encoding"] == encoding
    assert body["mapping"]["Property Address"] == "street"
    assert body["rows"] >= 2


def test_it_reads_semicolon_separated_files(agent_client):
    text = "Adresse;Ville;State;Zip;Owner\n1 Main St;Phoenix;AZ;85034;A B\n"

    body = upload(agent_client, text, listName="EU", mapping={"Adresse": "street"}).json()

    assert body["separator"] == ";"
    assert body["created"] == 1
    assert body["mapping"]["Ville"] == "notes"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-a-workbook", "Excel workbook"),
        (b"\x00\x01\x02garbage\x00\xff" * 50, "not a text file"),
        (b"", "empty"),
        (b"Name,Age\nA,3\n", "street address"),
    ],
)
def test_it_refuses_what_it_cannot_read_with_a_clear_message(agent_client, data, words):
    response = upload(agent_client, data, listName="X")

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert words in " ".join(message for messages in fields.values() for message in messages)
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mapping": "{not json"}, "mapping"),
        ({"mapping": {"Nope": "street"}, "listName": "X"}, "mapping"),
        ({"mapping": {"City": "planet"}, "listName": "X"}, "mapping"),
        ({"mapping": {"City": "street", "State": "street"}, "listName": "X"}, "mapping"),
        ({}, "listName"),
    ],
)
def test_it_refuses_a_bad_mapping_or_a_missing_name(agent_client, fields, field):
    response = upload(agent_client, GOOD, **fields)

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_explicit_mapping_wins_over_the_guess(agent_client):
    text = "Situs,Taxpayer,Notes\n12 Oak St 85034,ACME HOLDINGS LLC,x\n"
    body = upload(agent_client, text, listName="M",
                  mapping={"Taxpayer": "ownerName", "Situs": "street"}).json()  # fmt: skip

    assert body["mapping"] == {"Situs": "street", "Taxpayer": "ownerName", "Notes": "notes"}
    assert "ZIP" in body["rejected"][0]["reason"]  # one cell, no comma: cannot be placed


def test_it_keeps_invalid_contacts_in_the_notes(agent_client):
    text = "Street,Zip,Phone,Email\n1 Main St,85034,12,not-an-email\n"

    upload(agent_client, text, listName="N")

    lead = Lead.objects.get()
    assert "Phone (not a valid US phone number): 12" in lead_notes(lead)
    assert "Email (not a valid e-mail address): not-an-email" in lead_notes(lead)
    assert not Phone.objects.exists()


def test_it_refuses_a_file_over_50_mb():
    big = SimpleUploadedFile("big.csv", b"x", "text/csv")
    big.size = MAX_IMPORT_BYTES + 1

    form = ImportForm({"listName": "Big"}, MultiValueDict({"file": [big]}))

    assert not form.is_valid()
    assert "50 MB" in form.errors["file"][0]


def test_it_answers_401_to_anonymous_callers(client):
    assert upload(client, GOOD, listName="x").status_code == 401


def lead_notes(lead: Lead) -> str:
    """Every note on the lead's timeline, as one text."""
    kinds = Activity.objects.filter(lead=lead, kind=ActivityKind.NOTE).order_by("at", "id")
    return "\n".join(kinds.values_list("text", flat=True))
