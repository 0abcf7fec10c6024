"""ATTOM's `property[]` items of any family, read into typed records."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from providers.attom_answers import OwnerName, parse_items, parse_property
from providers.tests.attom_wire import EXAMPLE_ITEM, avm_item


def test_it_reads_lone_wrong_typed_values_as_unknown_and_keeps_the_record():
    item = avm_item()
    item["building"]["rooms"]["beds"] = "\u0662"  # "٢": Python would read it as 2
    item["avm"]["amount"]["value"] = True
    item["identifier"]["fips"] = 8031  # a number that lost its leading zero
    record = parse_property(item)
    assert (record.beds, record.avm_value, record.estimated_equity) == (None, None, None)
    assert record.fips == "08031"


def test_it_parses_the_contract_example():
    record = parse_property(EXAMPLE_ITEM)
    assert (record.attom_id, record.fips, record.apn) == (184713191, "08031", "02192-04-018-000")
    assert (record.street, record.city, record.state) == ("4529 WINONA CT", "DENVER", "CO")
    assert (record.zip5, record.zip4, record.county) == ("80212", "2512", "")
    assert (record.latitude, record.longitude) == (Decimal("39.778926"), Decimal("-105.047775"))
    assert record.owners == (
        OwnerName(first="JEREMY A", last="MARTIN", full="JEREMY A MARTIN"),
        OwnerName(first="MEGAN L", last="MARTIN", full="MEGAN L MARTIN"),
    )
    assert record.corporate_owner is False
    assert record.absentee is True
    assert record.mailing_address == "PO BOX 57172, JACKSONVILLE, FL 32241-7172"
    assert (record.property_type, record.prop_indicator) == ("SFR", 10)
    assert record.property_class == "Single Family Residence / Townhouse"
    assert (record.beds, record.baths, record.living_sqft) == (2, Decimal(1), 934)
    assert (record.lot_sqft, record.year_built) == (4690, 1900)
    assert record.avm_value is None
    assert record.mortgage_amount is None
    assert record.estimated_equity is None


def test_it_reads_value_sale_mortgage_and_assessment():
    record = parse_property(avm_item())
    assert (record.avm_value, record.avm_high, record.avm_low) == (612000, 650000, 575000)
    assert record.avm_confidence == 87
    assert (record.last_sale_date, record.last_sale_amount) == (date(2016, 8, 12), 420000)
    assert record.mortgage_amount == 336000 + 42000
    assert record.estimated_equity == 612000 - 378000
    assert (record.assessed_value, record.market_value) == (43520, 544000)
    assert record.tax_amount == 3022  # whole dollars, half up
    assert record.county == "Denver County"


def test_it_counts_full_equity_when_no_mortgage_is_recorded():
    item = avm_item()
    del item["sale"]["mortgage"]
    record = parse_property(item)
    assert record.mortgage_amount is None
    assert record.estimated_equity == 612000


def test_it_reports_negative_equity_when_underwater():
    item = avm_item()
    item["sale"]["mortgage"] = {"FirstConcurrent": {"amount": 700000}, "SecondConcurrent": {}}
    assert parse_property(item).estimated_equity == -88000


def test_it_reads_camel_case_like_lower_case():
    camel = avm_item()
    camel["identifier"] = {"Id": 184713191, "fips": "08031", "apn": "02192-04-018-000",
                           "attomID": 184713191}  # fmt: skip
    camel["summary"] = {**camel["summary"], "propIndicator": 10, "YearBuilt": 1900}
    camel["assessment"] = {"Assessed": {"assdTtlValue": 43520}, "market": {"mktTtlValue": 544000},
                           "tax": {"taxAmt": 3021.5}}  # fmt: skip
    camel["sale"]["Amount"] = camel["sale"].pop("amount")
    assert parse_property(camel) == parse_property(avm_item())


def test_it_reads_the_profile_familys_owner_under_assessment():
    profile = avm_item()
    owner = profile.pop("owner")
    profile["assessment"]["owner"] = {
        "corporateIndicator": "N",
        "owner1": {"fullName": "JEREMY A MARTIN", "lastName": "MARTIN ",
                   "firstNameAndMi": "JEREMY A"},
        "owner2": {}, "owner3": {"lastName": "MARTIN ", "firstNameAndMi": "MEGAN L"},
        "owner4": {}, "absenteeOwnerStatus": "A",
        "mailingAddressOneLine": owner["mailingaddressoneline"],
    }  # fmt: skip
    assert parse_property(profile) == parse_property(avm_item())


def test_it_reads_an_entity_owner_from_lastname():
    item = avm_item()
    item["owner"] = {"corporateindicator": "Y", "owner1": {"lastname": "SUNBELT HOLDINGS LLC "},
                     "owner2": {}, "owner3": {}, "owner4": {}}  # fmt: skip
    record = parse_property(item)
    assert record.owners == (
        OwnerName(first="", last="SUNBELT HOLDINGS LLC", full="SUNBELT HOLDINGS LLC"),
    )
    assert record.corporate_owner is True


def test_it_falls_back_to_the_absentee_indicator_text():
    item = avm_item()
    del item["owner"]["absenteeownerstatus"]
    item["summary"]["absenteeInd"] = "OWNER OCCUPIED"
    assert parse_property(item).absentee is False
    item["summary"]["absenteeInd"] = "ABSENTEE(MAIL AND SITUS NOT =)"
    assert parse_property(item).absentee is True
    del item["summary"]["absenteeInd"]
    assert parse_property(item).absentee is None


def test_it_skips_and_counts_malformed_items():
    no_address = avm_item()
    del no_address["address"]
    records, skipped = parse_items([no_address, "junk", avm_item()])
    assert len(records) == 1
    assert skipped == 2
