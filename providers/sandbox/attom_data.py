"""Deterministic, realistic property records for the ATTOM sandbox.

Every ZIP of the `zipcodes` table with street delivery (type STANDARD, active, in a state
with a FIPS code, with a county) has a fixed population of properties; record i of ZIP z is
drawn from `random.Random(f"{z}:{i}")`, so every process produces the same data. PO-box-only,
unique and military ZIPs have no population: ATTOM answers those with SuccessWithoutResult.

About 2% of each population are duplicates: an earlier record written differently ("APT 4"
vs "# 4", "N" vs "NORTH", "ST" vs "STREET", "SMITH, JOHN" vs "JOHN SMITH") under a new `Id`
but the same `attomId`, as ATTOM's feeds have them, so our dedup has real work to do.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import math
import random
import re
from dataclasses import dataclass
from typing import Any

import zipcodes


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# A few ZIPs have a fixed size so tests can rely on paging; the others draw 60..400.
FIXED_SIZES = {"85034": 347}
DUPLICATE_RATE = 0.02

# (proptype, propclass, propertyType, propIndicator, weight)
PROPERTY_KINDS = (
    ("SFR", "Single Family Residence / Townhouse", "SINGLE FAMILY RESIDENCE", "10", 70),
    ("CONDOMINIUM", "Apartment", "CONDOMINIUM", "11", 14),
    ("DUPLEX", "Duplex / Triplex / Quadplex", "DUPLEX (2 UNITS, ANY COMBINATION)", "21", 6),
    ("TRIPLEX", "Duplex / Triplex / Quadplex", "TRIPLEX (3 UNITS, ANY COMBINATION)", "21", 2),
    ("QUADRUPLEX", "Duplex / Triplex / Quadplex", "QUADRUPLEX (4 UNITS, ANY COMBINATION)", "21", 2),
    ("MOBILE HOME", "Single Family Residence / Townhouse", "MOBILE HOME", "10", 3),
    ("TOWNHOUSE/ROWHOUSE", "Single Family Residence / Townhouse", "TOWNHOUSE/ROWHOUSE", "10", 3),
)
_KIND_CUM_WEIGHTS = tuple(itertools.accumulate(kind[4] for kind in PROPERTY_KINDS))
OWNER_KINDS = ("individual", "couple", "llc", "trust", "inc")
OWNER_WEIGHTS = (46, 26, 12, 11, 5)
_OWNER_CUM_WEIGHTS = tuple(itertools.accumulate(OWNER_WEIGHTS))
# Chance that an owner of each kind lives elsewhere; about a third overall.
ABSENTEE_RATE = {"individual": 0.17, "couple": 0.12, "llc": 0.9, "trust": 0.4, "inc": 0.9}

STATE_FIPS = dict(
    pair.split(":")
    for pair in _words(
        "AL:01 AK:02 AZ:04 AR:05 CA:06 CO:08 CT:09 DE:10 DC:11 FL:12 GA:13 HI:15 ID:16 IL:17 "
        "IN:18 IA:19 KS:20 KY:21 LA:22 ME:23 MD:24 MA:25 MI:26 MN:27 MS:28 MO:29 MT:30 NE:31 "
        "NV:32 NH:33 NJ:34 NM:35 NY:36 NC:37 ND:38 OH:39 OK:40 OR:41 PA:42 RI:44 SC:45 SD:46 "
        "TN:47 TX:48 UT:49 VT:50 VA:51 WA:53 WV:54 WI:55 WY:56 PR:72"
    )
)
FIRST_NAMES = _words(
    "JAMES MARY ROBERT PATRICIA JOHN JENNIFER MICHAEL LINDA DAVID ELIZABETH WILLIAM BARBARA "
    "RICHARD SUSAN JOSEPH JESSICA THOMAS SARAH CHRISTOPHER KAREN CHARLES LISA DANIEL NANCY "
    "MATTHEW BETTY ANTHONY SANDRA MARK MARGARET DONALD ASHLEY STEVEN KIMBERLY ANDREW EMILY "
    "PAUL DONNA JOSHUA MICHELLE KENNETH CAROL KEVIN AMANDA BRIAN MELISSA GEORGE DEBORAH "
    "JOSE MARIA LUIS ROSA CARLOS ANA JUAN GUADALUPE MIGUEL CARMEN WEI MEI MINH THANH"
)
LAST_NAMES = _words(
    "SMITH JOHNSON WILLIAMS BROWN JONES GARCIA MILLER DAVIS RODRIGUEZ MARTINEZ HERNANDEZ "
    "LOPEZ GONZALEZ WILSON ANDERSON THOMAS TAYLOR MOORE JACKSON MARTIN LEE PEREZ THOMPSON "
    "WHITE HARRIS SANCHEZ CLARK RAMIREZ LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT "
    "TORRES NGUYEN HILL FLORES GREEN ADAMS NELSON BAKER HALL RIVERA CAMPBELL MITCHELL CARTER "
    "ROBERTS GOMEZ PHILLIPS EVANS TURNER DIAZ PARKER CRUZ EDWARDS COLLINS REYES STEWART "
    "MORRIS MURPHY COOK ROGERS OKAFOR PATEL CHEN WANG KOWALSKI SCHMIDT OBRIEN MCCARTHY"
)
STREET_NAMES = _words(
    "OAK MAPLE CEDAR PINE ELM WALNUT WILLOW ASPEN BIRCH HICKORY MAGNOLIA SYCAMORE "
    "WASHINGTON JEFFERSON LINCOLN MADISON MONROE JACKSON ADAMS GRANT ROOSEVELT "
    "MAIN CHURCH MILL PARK LAKE RIDGE VALLEY HIGHLAND SUNSET SUNRISE MEADOW ORCHARD "
    "CAMELBACK INDIAN SCHOOL BUCKEYE BROADWAY CENTRAL UNIVERSITY COLLEGE MARKET SPRING "
    "VISTA MESA CANYON DESERT PRAIRIE HARBOR BAY SHORE FOREST HILLCREST FAIRVIEW GLENWOOD "
    "RIVERSIDE BROOKSIDE WINONA TENNYSON ZUNI LOWELL FEDERAL PECOS YUMA MOHAVE"
)
STREET_SUFFIXES = ("ST", "ST", "AVE", "AVE", "DR", "RD", "LN", "CT", "BLVD", "PL", "WAY", "CIR")
DIRECTIONS = ("N", "S", "E", "W")
ENTITY_WORDS = _words(
    "SUNBELT DESERT CANYON SUMMIT PINNACLE KEYSTONE HERITAGE FRONTIER LIBERTY PIONEER "
    "COPPER GOLDEN SILVER EAGLE FALCON REDWOOD BLUE SKY CORNERSTONE TRIDENT"
)
ENTITY_KINDS = _words("HOLDINGS PROPERTIES INVESTMENTS HOMES REALTY CAPITAL RENTALS")

# -- places ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    zip5: str
    city: str
    state: str
    county: str  # as zipcodes spells it: "Maricopa County"
    lat: float
    lon: float


@functools.cache
def places() -> dict[str, Place]:
    """Every inhabited ZIP, by ZIP (loading zipcodes takes a moment, once per process)."""
    return {
        z["zip_code"]: Place(
            z["zip_code"], z["city"], z["state"], z["county"], float(z["lat"]), float(z["long"])
        )
        for z in sorted(zipcodes.list_all(), key=lambda z: z["zip_code"])
        if z["zip_code_type"] == "STANDARD"
        and z["active"]
        and z["county"]
        and z["state"] in STATE_FIPS
        and z["lat"]
        and z["long"]
    }


def place(zip5: str) -> Place | None:
    return places().get(zip5)


@functools.cache
def _places_by_state() -> dict[str, tuple[Place, ...]]:
    grouped: dict[str, list[Place]] = {}
    for home in places().values():
        grouped.setdefault(home.state, []).append(home)
    return {state: tuple(group) for state, group in grouped.items()}


@functools.cache
def _all_places() -> tuple[Place, ...]:
    return tuple(places().values())


@functools.lru_cache(maxsize=65536)
def place_key(kind: str, name: str) -> str:
    """One spelling of a city or county: "PHOENIX, AZ", "MARICOPA, AZ" (for "… County")."""
    text = re.sub(r"\s+", " ", name.replace(".", "")).strip().upper()
    text = re.sub(r"\s*,\s*", ", ", text)
    if kind == "CO":
        text = re.sub(
            r" (COUNTY|PARISH|BOROUGH|CENSUS AREA|MUNICIPALITY|MUNICIPIO)(?=,|$)", "", text
        )
    return text


def geo_id(kind: str, key: str) -> str:
    """A stable 32-hex geoIdV4 for a place (not ATTOM's real ids, which we cannot know)."""
    return hashlib.md5(f"{kind}:{key}".encode()).hexdigest()


def city_key(home: Place) -> str:
    return place_key("CI", f"{home.city}, {home.state}")


def county_key(home: Place) -> str:
    return place_key("CO", f"{home.county}, {home.state}")


@functools.cache
def geo_ids(home: Place) -> dict[str, str]:
    return {
        "CO": geo_id("CO", county_key(home)),
        "CI": geo_id("CI", city_key(home)),
        "ZI": geo_id("ZI", home.zip5),
    }


@functools.cache
def county_fips(home: Place) -> str:
    digest = int(hashlib.md5(county_key(home).encode()).hexdigest(), 16)
    return f"{STATE_FIPS[home.state]}{1 + 2 * (digest % 100):03d}"


# -- populations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxProperty:
    """One generated property: its wire item plus the values the sandbox filters on."""

    item: dict[str, Any]  # attomavm/detail shape; shared by the cache, so never mutate it
    latitude: float
    longitude: float
    proptype: str
    beds: int
    baths: float
    size_sqft: int
    year_built: int
    avm_value: int
    absentee: bool


def population_size(zip5: str) -> int:
    if zip5 in FIXED_SIZES:
        return FIXED_SIZES[zip5]
    return random.Random(f"size:{zip5}").randint(60, 400)


@functools.lru_cache(maxsize=1024)
def population(zip5: str) -> tuple[SandboxProperty, ...]:
    """The ZIP's properties in a stable order; empty for a ZIP where nobody lives."""
    home = place(zip5)
    if home is None:
        return ()
    size = population_size(zip5)
    duplicates = set(
        random.Random(f"dups:{zip5}").sample(range(1, size), max(1, round(size * DUPLICATE_RATE)))
    )
    records: list[SandboxProperty] = []
    for index in range(size):
        if index in duplicates:
            source = records[random.Random(f"{zip5}:{index}:dup").randrange(index)]
            records.append(_duplicate(source, zip5, index))
        else:
            records.append(_property(home, index))
    return tuple(records)


def _property(home: Place, index: int) -> SandboxProperty:
    rng = random.Random(f"{home.zip5}:{index}")
    proptype, propclass, property_type, indicator = _kind(rng)
    building = _building(rng, proptype)
    address = _address(rng, home, proptype)
    lat, lon = _spot(rng, home)
    owner, absentee = _owner(rng, home, address, proptype)
    avm = _avm(rng, home, building["size"]["livingsize"])
    attom_id = 100_000_000 + int(home.zip5) * 1000 + index
    item = {
        "identifier": {
            "Id": attom_id,
            "fips": county_fips(home),
            "apn": f"{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(100, 999)}",
            "attomId": attom_id,
        },
        "lot": _lot(rng, proptype),
        "area": {"countrysecsubd": home.county, "munname": home.city.upper()},
        "address": address,
        "location": _location(home, lat, lon),
        "summary": {
            "absenteeInd": "ABSENTEE(MAIL AND SITUS NOT =)" if absentee else "OWNER OCCUPIED",
            "propclass": propclass,
            "propsubtype": "Residential",
            "proptype": proptype,
            "propertyType": property_type,
            "yearbuilt": _year_built(rng, proptype),
            "propLandUse": proptype,
            "propIndicator": indicator,
        },
        "building": building,
        "owner": owner,
        "avm": avm,
        "sale": _sale(rng, avm["amount"]["value"]),
        "assessment": _assessment(rng, home, avm["amount"]["value"]),
        "vintage": {"lastModified": "2025-03-14", "pubDate": "2025-03-14"},
    }
    return _indexed(item, lat, lon, absentee)


def _indexed(item: dict[str, Any], lat: float, lon: float, absentee: bool) -> SandboxProperty:
    rooms, size = item["building"]["rooms"], item["building"]["size"]
    return SandboxProperty(
        item=item,
        latitude=lat,
        longitude=lon,
        proptype=item["summary"]["proptype"],
        beds=rooms["beds"],
        baths=float(rooms["bathstotal"]),
        size_sqft=size["universalsize"],
        year_built=item["summary"]["yearbuilt"],
        avm_value=item["avm"]["amount"]["value"],
        absentee=absentee,
    )


def _kind(rng: random.Random) -> tuple[str, str, str, str]:
    chosen = rng.choices(PROPERTY_KINDS, cum_weights=_KIND_CUM_WEIGHTS)[0]
    return chosen[0], chosen[1], chosen[2], chosen[3]


def _building(rng: random.Random, proptype: str) -> dict[str, Any]:
    beds = rng.randint(1, 3) if proptype == "CONDOMINIUM" else rng.choice((2, 3, 3, 3, 4, 4, 5, 6))
    baths = max(1.0, min(beds + 0.5, rng.choice((1.0, 1.5, 2.0, 2.0, 2.5, 3.0, 3.5))))
    living = beds * rng.randint(380, 620) + rng.randint(0, 400)
    return {
        "size": {
            "bldgsize": living + rng.choice((0, 0, 220, 440)),
            "livingsize": living,
            "universalsize": living,
        },
        "rooms": {
            "bathstotal": int(baths) if baths.is_integer() else baths,
            "beds": beds,
            "bathsfull": int(baths),
        },
    }


def _year_built(rng: random.Random, proptype: str) -> int:
    if proptype == "CONDOMINIUM":
        return rng.randint(1965, 2021)
    return rng.choice((rng.randint(1905, 1950), rng.randint(1950, 1990), rng.randint(1975, 2023)))


def _lot(rng: random.Random, proptype: str) -> dict[str, Any]:
    sqft = rng.randint(900, 2600) if proptype == "CONDOMINIUM" else rng.randint(3200, 14000)
    return {"lotsize1": round(sqft / 43560, 7), "lotsize2": sqft}


@functools.lru_cache(maxsize=1024)
def _streets(zip5: str) -> tuple[tuple[str, ...], ...]:
    """The ZIP's own streets, so that neighbours share them."""
    rng = random.Random(f"streets:{zip5}")
    return tuple(
        (rng.choice(("", "", "", *DIRECTIONS)), name, rng.choice(STREET_SUFFIXES))
        for name in rng.sample(STREET_NAMES, 16)
    )


def _street_line(rng: random.Random, street: tuple[str, ...]) -> str:
    return " ".join(part for part in (str(rng.randint(100, 9899)), *street) if part)


def _address(rng: random.Random, home: Place, proptype: str) -> dict[str, Any]:
    line1 = _street_line(rng, rng.choice(_streets(home.zip5)))
    if proptype == "CONDOMINIUM" or (proptype != "SFR" and rng.random() < 0.4):
        line1 = f"{line1} {rng.choice(('APT', 'UNIT', '#'))} {rng.randint(1, 48)}"
    city = home.city.upper()
    line2 = f"{city}, {home.state} {home.zip5}"
    return {
        "country": "US",
        "countrySubd": home.state,
        "line1": line1,
        "line2": line2,
        "locality": city,
        "matchCode": "ExaStr",
        "oneLine": f"{line1}, {line2}",
        "postal1": home.zip5,
        "postal2": f"{rng.randint(1000, 9999)}",
        "postal3": f"C{rng.randint(1, 99):03d}",
    }


def _spot(rng: random.Random, home: Place) -> tuple[float, float]:
    """A point within about two miles of the ZIP's centre."""
    dlat = max(-0.03, min(0.03, rng.gauss(0, 0.012)))
    dlon = max(-0.03, min(0.03, rng.gauss(0, 0.012))) / math.cos(math.radians(home.lat))
    return round(home.lat + dlat, 6), round(home.lon + dlon, 6)


def _location(home: Place, lat: float, lon: float) -> dict[str, Any]:
    return {
        "accuracy": "Rooftop",
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "distance": 0,
        "geoid": f"CO{county_fips(home)}, ZI{home.zip5}",
        "geoIdV4": geo_ids(home),
    }


# -- owners ---------------------------------------------------------------------------------


def _owner(
    rng: random.Random, home: Place, address: dict[str, Any], proptype: str
) -> tuple[dict[str, Any], bool]:
    kind = rng.choices(OWNER_KINDS, cum_weights=_OWNER_CUM_WEIGHTS)[0]
    absentee = rng.random() < ABSENTEE_RATE[kind] + (0.05 if proptype != "SFR" else 0)
    owner: dict[str, Any] = {
        "corporateindicator": "N" if kind in ("individual", "couple") else "Y",
        "owner1": {},
        "owner2": {},
        "owner3": {},
        "owner4": {},
    }
    owner.update(_owner_names(rng, kind))
    owner["absenteeownerstatus"] = "A" if absentee else "O"
    if absentee:
        owner["mailingaddressoneline"] = _mailing_elsewhere(rng, home)
    else:
        line2 = f"{address['locality']}, {home.state} {home.zip5}-{address['postal2']}"
        owner["mailingaddressoneline"] = f"{address['line1']}, {line2}"
    return owner, absentee


def _owner_names(rng: random.Random, kind: str) -> dict[str, dict[str, str]]:
    last = rng.choice(LAST_NAMES)
    if kind == "individual":
        return {"owner1": _person(rng, last)}
    if kind == "couple":
        partner_last = last if rng.random() < 0.85 else rng.choice(LAST_NAMES)
        return {
            "owner1": _person(rng, last),
            rng.choice(("owner2", "owner3")): _person(rng, partner_last),
        }
    return {"owner1": _entity(rng, _entity_name(rng, kind, last))}


def _pad(rng: random.Random) -> str:
    return " " if rng.random() < 0.5 else ""  # ATTOM's names often carry a trailing space


def _person(rng: random.Random, last: str) -> dict[str, str]:
    initial = rng.choice("ABCDEFGHJKLMNPRSTW") if rng.random() < 0.7 else ""
    first = f"{rng.choice(FIRST_NAMES)} {initial}".strip()
    person = {"lastname": last + _pad(rng), "firstnameandmi": first + _pad(rng)}
    if rng.random() < 0.7:
        person = {"fullname": f"{first} {last}", **person}
    return person


def _entity(rng: random.Random, name: str) -> dict[str, str]:
    entity = {"lastname": name + _pad(rng)}
    if rng.random() < 0.7:
        entity = {"fullname": name, **entity}
    return entity


def _entity_name(rng: random.Random, kind: str, last: str) -> str:
    if kind == "trust":
        first = rng.choice(FIRST_NAMES)
        return rng.choice(
            (f"{last} FAMILY TRUST", f"{first} {last} REVOCABLE TRUST", f"{last} LIVING TRUST")
        )
    words = f"{rng.choice(ENTITY_WORDS)} {rng.choice(ENTITY_KINDS)}"
    return f"{words} {'LLC' if kind == 'llc' else 'INC'}"


def _mailing_elsewhere(rng: random.Random, home: Place) -> str:
    """An out-of-area address: mostly out of state, some PO boxes."""
    roll = rng.random()
    if roll < 0.3:
        there = rng.choice(_places_by_state()[home.state])
    else:
        there = rng.choice(_all_places())
        while there.state == home.state:
            there = rng.choice(_all_places())
    if roll > 0.85:
        line1 = f"PO BOX {rng.randint(100, 99999)}"
    else:
        line1 = _street_line(rng, (rng.choice(STREET_NAMES), rng.choice(STREET_SUFFIXES)))
    return f"{line1}, {there.city.upper()}, {there.state} {there.zip5}-{rng.randint(1000, 9999)}"


# -- values ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _price_per_sqft(zip5: str) -> int:
    return random.Random(f"ppsf:{zip5}").randint(90, 450)


def _avm(rng: random.Random, home: Place, living_sqft: int) -> dict[str, Any]:
    value = round(living_sqft * _price_per_sqft(home.zip5) * rng.uniform(0.8, 1.2), -3)
    spread = rng.uniform(0.05, 0.15)
    return {
        "eventDate": "2025-03-01",
        "amount": {
            "scr": rng.randint(55, 98),
            "value": int(value),
            "high": int(round(value * (1 + spread), -3)),
            "low": int(round(value * (1 - spread), -3)),
            "fsd": rng.randint(4, 20),
        },
    }


def _sale(rng: random.Random, avm_value: int) -> dict[str, Any]:
    year = rng.randint(1996, 2024)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    amount = int(round(avm_value / 1.045 ** (2025 - year) * rng.uniform(0.9, 1.1), -2))
    sale: dict[str, Any] = {
        "saleTransDate": date,
        "salesearchdate": date,
        "amount": {"saleamt": amount, "salerecdate": date, "saletranstype": "Resale"},
    }
    mortgage = _mortgage(rng, amount, avm_value)
    if mortgage:
        sale["mortgage"] = mortgage
    return sale


def _mortgage(rng: random.Random, sale_amount: int, avm_value: int) -> dict[str, Any]:
    """About a quarter free and clear, a few underwater, the rest in between."""
    roll = rng.random()
    if roll < 0.27:
        return {}
    if roll < 0.33:
        first = avm_value * rng.uniform(1.02, 1.25)
    else:
        first = sale_amount * rng.uniform(0.7, 0.97)
    mortgage: dict[str, Any] = {
        "FirstConcurrent": {"amount": int(round(first, -2))},
        "SecondConcurrent": {},
    }
    if rng.random() < 0.15:
        mortgage["SecondConcurrent"] = {"amount": int(round(sale_amount * 0.1, -2))}
    return mortgage


@functools.cache
def _assessment_ratio(state: str) -> float:
    return random.Random(f"ratio:{state}").choice((0.1, 0.2, 0.35, 0.4, 1.0))


def _assessment(rng: random.Random, home: Place, avm_value: int) -> dict[str, Any]:
    market = int(round(avm_value * rng.uniform(0.7, 0.95), -2))
    ratio = _assessment_ratio(home.state)
    # ATTOM mixes key casing inside this block; the client must cope, so we do too.
    return {
        "assessed": {"assdttlvalue": int(market * ratio)},
        "market": {"mktTtlValue": market},
        "tax": {"taxAmt": round(market * rng.uniform(0.006, 0.02), 2), "taxyear": 2024},
    }


# -- duplicates -----------------------------------------------------------------------------

_SUFFIX_WORDS = {
    "ST": "STREET", "AVE": "AVENUE", "DR": "DRIVE", "RD": "ROAD", "LN": "LANE", "CT": "COURT",
    "BLVD": "BOULEVARD", "PL": "PLACE", "CIR": "CIRCLE",
}  # fmt: skip
_DIRECTION_WORDS = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST"}


def _duplicate(source: SandboxProperty, zip5: str, index: int) -> SandboxProperty:
    item = copy.deepcopy(source.item)
    item["identifier"]["Id"] = 200_000_000 + int(zip5) * 1000 + index
    address = item["address"]
    address["line1"] = restyle_line1(address["line1"])
    address["oneLine"] = f"{address['line1']}, {address['line2']}"
    _restyle_owner(item["owner"]["owner1"])
    return _indexed(item, source.latitude, source.longitude, source.absentee)


def restyle_line1(line1: str) -> str:
    """The same street line as another clerk would type it."""
    words = line1.split(" ")
    for at, word in enumerate(words):
        if word in ("APT", "UNIT"):
            words[at] = "#"
        elif word == "#":
            words[at] = "APT"
        elif at == 1:
            words[at] = _DIRECTION_WORDS.get(word, word)
        else:
            words[at] = _SUFFIX_WORDS.get(word, word)
    return " ".join(words)


def _restyle_owner(owner1: dict[str, Any]) -> None:
    last = owner1.get("lastname", "").strip()
    first = owner1.get("firstnameandmi", "").strip()
    if first:
        owner1["fullname"] = f"{last}, {first}"
    else:
        owner1["lastname"] = re.sub(r" (LLC|INC)$", r", \1", last).replace(" TRUST", " TR")
        owner1.pop("fullname", None)
