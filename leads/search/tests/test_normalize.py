from __future__ import annotations

import pytest

from leads.search import normalize
from leads.search.normalize import NormalAddress, address_key, normalize_address, parse_one_line
from leads.search.owner_names import (
    is_entity,
    normalize_entity_name,
    normalize_person_name,
    owner_display,
    owner_key,
)


def key(address: str | dict[str, str]) -> str:
    """A one-line string goes through parse_one_line, a dict of parts through normalize_address."""
    if isinstance(address, str):
        return address_key(parse_one_line(address))
    return address_key(normalize_address(**address))


def street(line: str, zip_code: str = "62701", **parts: str) -> dict[str, str]:
    return {"street": line, "zip_code": zip_code, **parts}


SAME_PLACE = [
    ("4529 Winona Court, Denver, CO 80212", "4529 WINONA CT, DENVER, CO 80212"),
    ("4529 winona ct, denver, co 80212", "4529 WINONA CT, DENVER, CO 80212"),
    ("4529 WINONA CT, DENVER, CO 80212-2512", "4529 WINONA CT, DENVER, CO 80212"),
    ("4529 WINONA CT, DENVER, CO 802122512", "4529 WINONA CT, DENVER, CO 80212"),
    ("4529 WINONA CT, DENVER CO 80212", "4529 WINONA CT, DENVER, CO 80212"),
    ("123 Main St., Apt. 4, Springfield, IL 62701", "123 MAIN ST APT 4, SPRINGFIELD, IL 62701"),
    ("123 MAIN ST #4, SPRINGFIELD, IL 62701", "123 MAIN ST APT 4, SPRINGFIELD, IL 62701"),
    ("123 MAIN ST # 4, SPRINGFIELD, IL 62701", "123 MAIN ST APT 4, SPRINGFIELD, IL 62701"),
    ("123 MAIN ST UNIT 4, SPRINGFIELD, IL 62701", "123 MAIN ST APT 4, SPRINGFIELD, IL 62701"),
    ("123 MAIN ST STE 4, SPRINGFIELD, IL 62701", "123 MAIN ST APT 4, SPRINGFIELD, IL 62701"),
    (street("123 Main St Suite 4"), street("123 MAIN ST APT 4")),
    (street("123 Main Street Apartment 4"), street("123 MAIN ST APT 4")),
    (street("123 MAIN ST NO. 4"), street("123 MAIN ST APT 4")),
    (street("123 MAIN ST APT #4"), street("123 MAIN ST APT 4")),
    (street("123 Main St", unit="Apt 4"), street("123 MAIN ST #4")),
    (street("123 Main St", unit="4"), street("123 MAIN ST APT 4")),
    (street("123 Main St Apt 4", unit="#4"), street("123 MAIN ST APT 4")),
    (street("  123   Main    St   Apt 4 "), street("123 MAIN ST APT 4")),
    (street("123 Main St, Apt 4B"), street("123 MAIN ST #4B")),
    (street("123 North Main Street"), street("123 N MAIN ST")),
    (street("123 N. Main St."), street("123 N MAIN ST")),
    (street("123 Main St North"), street("123 MAIN ST N")),
    (street("123 Northeast Main St"), street("123 NE MAIN ST")),
    (street("123 Main Avenue"), street("123 MAIN AVE")),
    (street("500 Sunset Boulevard"), street("500 SUNSET BLVD")),
    (street("1600 Pennsylvania Avenue Northwest"), street("1600 PENNSYLVANIA AVE NW")),
    (street("123 Lake Shore Drive"), street("123 LAKE SHORE DR")),
    (street("123 First Street"), street("123 1ST ST")),
    (street("123 Twenty-First Ave"), street("123 21ST AVE")),
    (street("123 O'Neil Ave"), street("123 ONEIL AVE")),
    (street("123½ Main St"), street("123 1/2 MAIN ST")),
    (street("100 Main St Building 2 Apartment 3"), street("100 MAIN ST BLDG 2 APT 3")),
    (street("P.O. Box 123"), street("PO BOX 123")),
    (street("POB 123"), street("PO BOX 123")),
    (street("Post Office Box 123"), street("PO BOX 123")),
    (street("PO BOX #123"), street("PO BOX 123")),
    (street("Rural Route 2, Box 15"), street("RR 2 BOX 15")),
    (street("HCR 1 Box 15"), street("HC 1 BOX 15")),
    (street("1 Elm St", zip_code="2134"), street("1 ELM ST", zip_code="02134")),
    ("123 Main Street, Springfield, Illinois", "123 MAIN ST, SPRINGFIELD, IL"),
    ("PO BOX 57172, JACKSONVILLE, FL 32241-7172", street("P.O. Box 57172", "32241")),
]

DIFFERENT_PLACES = [
    (street("123 MAIN ST"), street("125 MAIN ST")),
    (street("123 MAIN ST APT 4"), street("123 MAIN ST APT 5")),
    (street("123 MAIN ST APT 4A"), street("123 MAIN ST APT 4B")),
    (street("123 MAIN ST APT 4"), street("123 MAIN ST")),
    (street("123 MAIN ST BLDG 2"), street("123 MAIN ST APT 2")),
    (street("123 MAIN ST LOT 4"), street("123 MAIN ST UNIT 4")),
    (street("123 MAIN ST", "62701"), street("123 MAIN ST", "62702")),
    (street("123 N MAIN ST"), street("123 S MAIN ST")),
    (street("123 MAIN ST"), street("123 MAIN ST E")),
    (street("123 MAIN ST"), street("123 MAIN AVE")),
    (street("123-45 MAIN ST"), street("12345 MAIN ST")),
    (street("123 1/2 MAIN ST"), street("123 MAIN ST")),
    (street("PO BOX 12"), street("PO BOX 21")),
    (street("PO BOX 123"), street("BOX 123")),
    (street("RR 2 BOX 15"), street("RR 2 BOX 16")),
    (street("RR 2 BOX 15"), street("RR 3 BOX 15")),
    (street("BEHIND THE OLD MILL"), street("BEHIND THE NEW MILL")),
    ("123 MAIN ST, SPRINGFIELD, IL", "123 MAIN ST, SPRINGFIELD, MO"),
    ("123 MAIN ST, SPRINGFIELD, IL", "123 MAIN ST, DECATUR, IL"),
]


@pytest.mark.parametrize(("first", "second"), SAME_PLACE)
def test_it_gives_one_place_written_differently_one_key(first, second):
    assert key(first) == key(second) != ""


@pytest.mark.parametrize(("first", "second"), DIFFERENT_PLACES)
def test_it_keeps_different_places_apart(first, second):
    assert key(first) != key(second)


def test_it_has_at_least_forty_address_pairs():
    assert len(SAME_PLACE) + len(DIFFERENT_PLACES) >= 40


def test_it_builds_the_key_from_line_unit_and_zip5():
    addr = normalize_address("4529 Winona Ct Apt 4", city="Denver", state="CO", zip_code="80212")

    assert address_key(addr) == "4529 WINONA CT|UNIT 4|80212"


def test_it_uses_city_and_state_when_the_zip_is_missing():
    addr = normalize_address("123 Main St", city="Springfield", state="Illinois")

    assert address_key(addr) == "123 MAIN ST||SPRINGFIELD IL"


def test_it_gives_no_key_without_a_street_line():
    assert address_key(normalize_address("", zip_code="80212")) == ""


def test_it_splits_zip_plus_four():
    addr = normalize_address("4529 WINONA CT", zip_code="80212-2512")

    assert (addr.zip5, addr.zip4) == ("80212", "2512")


@pytest.mark.parametrize(
    "text",
    [
        "asdf qwerty",
        "Main St",
        "APT 4",
        "123",
        "-",
        "###",
        "(((",
        "PO BOX",
        "RR",
        "BOX 123",
        "😀 house",
        "123 MAIN ST APT 4 APT 5",
        "123 Main St (rear)",
        "123 MAIN ST BSMT",
        "C/O JOHN SMITH, 12 ELM",
        "x" * 300,
    ],
)
def test_it_never_raises_nor_empties_odd_input(text):
    addr = normalize_address(text, zip_code="80212")

    assert addr.line
    assert address_key(addr)


def test_it_marks_the_conservative_fallback_as_not_parsed():
    assert normalize_address("P.O. Box 12").parsed is False
    assert normalize_address("asdf qwerty").parsed is False
    assert normalize_address("4529 Winona Court").parsed is True


def test_it_tolerates_missing_parts_given_as_none():
    addr = normalize_address(None, unit=None, city=None, state=None, zip_code=None)

    assert addr == NormalAddress(line="")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "PO BOX 57172, JACKSONVILLE, FL 32241-7172",
            ("PO BOX 57172", "", "JACKSONVILLE", "FL", "32241", "7172"),
        ),
        ("4529 WINONA CT, DENVER, CO 80212", ("4529 WINONA CT", "", "DENVER", "CO", "80212", "")),
        (
            "123 MAIN ST APT 4, SPRINGFIELD, IL 62701",
            ("123 MAIN ST", "UNIT 4", "SPRINGFIELD", "IL", "62701", ""),
        ),
        (
            "123 Main St, Apt 4, Springfield, IL 62701",
            ("123 MAIN ST", "UNIT 4", "SPRINGFIELD", "IL", "62701", ""),
        ),
        (
            "123 MAIN ST, SPRINGFIELD IL 62701",
            ("123 MAIN ST", "", "SPRINGFIELD", "IL", "62701", ""),
        ),
        ("123 MAIN ST, SPRINGFIELD, IL", ("123 MAIN ST", "", "SPRINGFIELD", "IL", "", "")),
        (
            "123 MAIN ST, NEW YORK, NEW YORK 10001",
            ("123 MAIN ST", "", "NEW YORK", "NY", "10001", ""),
        ),
        ("123 MAIN ST, DENVER", ("123 MAIN ST", "", "DENVER", "", "", "")),
        ("123 MAIN ST, APT 4", ("123 MAIN ST", "UNIT 4", "", "", "", "")),
        ("4529 WINONA CT", ("4529 WINONA CT", "", "", "", "", "")),
        ("4529 WINONA CT, CO 80212", ("4529 WINONA CT", "", "", "CO", "80212", "")),
        ("", ("", "", "", "", "", "")),
        (" , , ", ("", "", "", "", "", "")),
    ],
)
def test_it_parses_one_line_addresses(text, expected):
    addr = parse_one_line(text)

    assert (addr.line, addr.unit, addr.city, addr.state, addr.zip5, addr.zip4) == expected


def test_it_keeps_the_street_when_a_one_line_address_has_no_commas():
    addr = parse_one_line("4529 WINONA CT DENVER CO 80212")

    assert addr.line.startswith("4529 WINONA CT")
    assert (addr.state, addr.zip5) == ("CO", "80212")


PLAIN_STREET_LINES = [
    "4529 WINONA CT",
    "123 MAIN ST",
    "123 MAIN STREET",
    "123 N MAIN ST",
    "123 NORTH MAIN STREET",
    "123 MAIN ST N",
    "1600 PENNSYLVANIA AVE NW",
    "500 SUNSET BOULEVARD",
    "77 W WACKER DR",
    "350 FIFTH AVENUE",
    "12 1ST ST",
    "4 E 22ND ST",
    "808 S LAKE SHORE DR",
    "2100 SPRING CREEK RD",
    "17 VALLEY VIEW LN",
    "901 FOREST HILL CIR",
    "45 OAK PARK AVE",
    "3300 MARTIN LUTHER KING BLVD",
    "16 HIGHLAND TER",
    "222 RIVERSIDE PKWY SW",
    "9 WILLOW WAY",
    "1 CHERRY CREEK SOUTH DR",
    "740 SE CEDAR LOOP",
    "58 MAPLE TRL",
    "12000 W COLFAX AVE",
    "3 SAINT JAMES PL",
    "10 COUNTY ROAD 45",
    "5 PARK PL",
]


def test_it_agrees_with_scourgify_on_the_lines_it_normalises_itself():
    handled = 0
    for line in PLAIN_STREET_LINES:
        prepared = normalize._numbered_street(line)  # both paths see "FIFTH AVE" as "5TH AVE"
        fast = normalize._street_fast(prepared)
        if fast is None:
            continue
        handled += 1
        assert normalize._street_scourgify(prepared) == (fast, ""), line

    assert handled >= 20


# --- owners -----------------------------------------------------------------------------------

SAME_OWNER = [
    ([("JEREMY A  ", "MARTIN  ")], ["MARTIN, JEREMY A"]),
    (["JEREMY A MARTIN"], ["MARTIN, JEREMY A."]),
    (["jeremy a. martin"], [("JEREMY A", "MARTIN")]),
    (["MARTIN JR, JEREMY A"], ["JEREMY A MARTIN JR"]),
    ([("JEREMY A JR", "MARTIN")], ["Jeremy A. Martin, Jr."]),
    ([("JEREMY A", "MARTIN"), ("MEGAN L", "MARTIN")], [("JEREMY A", "MARTIN")]),
    ([{}, ("", ""), "  ", "JEREMY A MARTIN"], ["MARTIN, JEREMY A"]),
    (["JEREMY A & MEGAN L MARTIN"], ["MARTIN, JEREMY A & MEGAN L"]),
    (["MARY VAN DYKE"], ["VAN DYKE, MARY"]),
    (["O'BRIEN, PAT"], ["PAT OBRIEN"]),
    (["JOHN SMITH ET AL"], ["SMITH, JOHN"]),
    (["ACME HOLDINGS, L.L.C."], [("", "ACME HOLDINGS LLC  ")]),
    (["Acme Holdings L L C"], ["ACME HOLDINGS LLC"]),
    (["ACME INC."], ["Acme Incorporated"]),
    (["ACME CORPORATION"], ["ACME CORP"]),
    (["SMITH & SONS COMPANY"], ["SMITH AND SONS CO"]),
    (["THE SMITH FAMILY TRUST"], ["SMITH FAMILY TR"]),
    (["SMITH FAMILY TRUST, THE"], ["SMITH FAMILY TRST"]),
    (["SMITH FAMILY REV LIV TR"], ["Smith Family Revocable Living Trust"]),
]

DIFFERENT_OWNERS = [
    (["MARTIN, JEREMY A"], ["MARTIN, MEGAN L"]),
    (["JEREMY A MARTIN"], ["JEREMY B MARTIN"]),
    (["JEREMY A MARTIN JR"], ["JEREMY A MARTIN SR"]),
    (["JEREMY A MARTIN"], ["JEREMY A MARTIN JR"]),
    (["ACME LLC"], ["ACME INC"]),
    (["SMITH FAMILY TRUST"], ["SMITH TRUST"]),
    (["SMITH REVOCABLE TRUST"], ["SMITH IRREVOCABLE TRUST"]),
    (["JEREMY A MARTIN"], ["MEGAN L MARTIN", "JEREMY A MARTIN"]),
    # Without a comma a name reads FIRST LAST: "MARTIN JEREMY" is Mr Jeremy.
    (["MARTIN JEREMY"], ["MARTIN, JEREMY"]),
]


@pytest.mark.parametrize(("first", "second"), SAME_OWNER)
def test_it_gives_one_owner_written_differently_one_key(first, second):
    assert owner_key(first) == owner_key(second) != ""


@pytest.mark.parametrize(("first", "second"), DIFFERENT_OWNERS)
def test_it_keeps_different_owners_apart(first, second):
    assert owner_key(first) != owner_key(second)


@pytest.mark.parametrize("owners", [[], [{}], [("", "")], ["  "], [("  ", "  "), None]])
def test_it_gives_no_owner_key_without_an_owner(owners):
    assert owner_key(owners) == ""
    assert owner_display(owners) == ""


def test_it_keys_a_person_as_last_first_middle():
    assert owner_key([("JEREMY A ", "MARTIN ")]) == "MARTIN JEREMY A"


def test_it_treats_an_owner_flagged_corporate_as_an_entity():
    assert owner_key([("", "Martin Family Partners")], corporate=True) == "MARTIN FAMILY PARTNERS"
    assert owner_key([("", "ACME, L.L.C.")], corporate=False) == "ACME LLC"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MARTIN, JEREMY A", "MARTIN JEREMY A"),
        ("Jeremy A. Martin", "MARTIN JEREMY A"),
        ("MARTIN JR, JEREMY A", "MARTIN JEREMY A JR"),
        ("JEREMY A MARTIN III", "MARTIN JEREMY A III"),
        ("J R SMITH", "SMITH J R"),
        ("JOHN SMITH, JR.", "SMITH JOHN JR"),
        ("SMITH, JOHN, JR", "SMITH JOHN JR"),
        ("MARY DE LA CRUZ", "DE LA CRUZ MARY"),
        ("MARY SMITH-JONES", "SMITH-JONES MARY"),
        ("José Núñez", "NUNEZ JOSE"),
        ("", ""),
    ],
)
def test_it_normalises_person_names(text, expected):
    assert normalize_person_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme Holdings, L.L.C.", "ACME HOLDINGS LLC"),
        ("A.B.C. Properties Inc.", "ABC PROPERTIES INC"),
        ("ACME LIMITED", "ACME LTD"),
        ("Acme, L.P.", "ACME LP"),
        ("The Smith Family Trust", "SMITH FAMILY TRUST"),
        ("SMITH JOHN TTEE", "SMITH JOHN TRUSTEE"),
        ("SMITH  FAMILY   REVOCABLE LIVING TRUST", "SMITH FAMILY REVOCABLE LIVING TRUST"),
    ],
)
def test_it_normalises_entity_names(text, expected):
    assert normalize_entity_name(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ACME HOLDINGS LLC",
        "Acme, L.L.C.",
        "ACME INC",
        "SMITH FAMILY TR",
        "WELLS FARGO BANK NA",
        "ESTATE OF JOHN SMITH",
        "CITY OF DENVER",
        "FIRST BAPTIST CHURCH",
        "CHURCH OF CHRIST",
        "BLUE SKY PROPERTIES",
        "SMITH & JONES P.C.",
        "ACME CO",
    ],
)
def test_it_recognises_entities(text):
    assert is_entity(text)


@pytest.mark.parametrize(
    "text", ["JEREMY A MARTIN", "MARTIN, JEREMY A", "JOHN CHURCH", "JOHN P A SMITH", "CO LEE"]
)
def test_it_recognises_people(text):
    assert not is_entity(text)


@pytest.mark.parametrize(
    ("owners", "expected"),
    [
        ([("JEREMY A ", "MARTIN "), ("MEGAN L ", "MARTIN ")], "JEREMY A & MEGAN L MARTIN"),
        ([("JEREMY A", "MARTIN"), ("MEGAN L", "JONES")], "JEREMY A MARTIN & MEGAN L JONES"),
        (["MARTIN, JEREMY A", "MARTIN, MEGAN L"], "JEREMY A & MEGAN L MARTIN"),
        (["JEREMY A & MEGAN L MARTIN"], "JEREMY A & MEGAN L MARTIN"),
        ([("", "ACME HOLDINGS L.L.C.  ")], "ACME HOLDINGS LLC"),
        ([("JEREMY A", "MARTIN JR"), ("MEGAN L", "MARTIN")], "JEREMY A MARTIN JR & MEGAN L MARTIN"),
        ([("JEREMY A", "MARTIN"), ("", "THE MARTIN TRUST")], "JEREMY A MARTIN & MARTIN TRUST"),
    ],
)
def test_it_displays_owners(owners, expected):
    assert owner_display(owners) == expected
