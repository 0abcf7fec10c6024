"""Regional facts the sandboxes share, so emulated data looks like it comes from the place asked.

Area codes are real: a selection for each of the 50 states and DC, plus the territories
that have ZIPs. The `zipcodes` package tells us where a ZIP is; it ships its own database,
so nothing here touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
import zipcodes

AREA_CODES_BY_STATE: dict[str, tuple[str, ...]] = {
    "AL": ("205", "251", "256", "334", "938"),
    "AK": ("907",),
    "AZ": ("480", "520", "602", "623", "928"),
    "AR": ("479", "501", "870"),
    "CA": ("209", "213", "310", "323", "408", "415", "510", "530", "559", "619", "626",
           "650", "661", "707", "714", "760", "805", "818", "858", "909", "916", "925",
           "949", "951"),
    "CO": ("303", "719", "720", "970"),
    "CT": ("203", "475", "860", "959"),
    "DE": ("302",),
    "DC": ("202",),
    "FL": ("239", "305", "321", "352", "386", "407", "561", "727", "754", "772", "786",
           "813", "850", "863", "904", "941", "954"),
    "GA": ("229", "404", "470", "478", "678", "706", "762", "770", "912"),
    "HI": ("808",),
    "ID": ("208", "986"),
    "IL": ("217", "224", "309", "312", "331", "618", "630", "708", "773", "815", "847", "872"),
    "IN": ("219", "260", "317", "463", "574", "765", "812", "930"),
    "IA": ("319", "515", "563", "641", "712"),
    "KS": ("316", "620", "785", "913"),
    "KY": ("270", "364", "502", "606", "859"),
    "LA": ("225", "318", "337", "504", "985"),
    "ME": ("207",),
    "MD": ("240", "301", "410", "443", "667"),
    "MA": ("339", "351", "413", "508", "617", "774", "781", "857", "978"),
    "MI": ("231", "248", "269", "313", "517", "586", "616", "734", "810", "906", "947", "989"),
    "MN": ("218", "320", "507", "612", "651", "763", "952"),
    "MS": ("228", "601", "662", "769"),
    "MO": ("314", "417", "573", "636", "660", "816"),
    "MT": ("406",),
    "NE": ("308", "402", "531"),
    "NV": ("702", "725", "775"),
    "NH": ("603",),
    "NJ": ("201", "551", "609", "732", "848", "856", "862", "908", "973"),
    "NM": ("505", "575"),
    "NY": ("212", "315", "347", "516", "518", "585", "607", "631", "646", "716", "718",
           "845", "914", "917", "929"),
    "NC": ("252", "336", "704", "743", "828", "910", "919", "980", "984"),
    "ND": ("701",),
    "OH": ("216", "220", "234", "330", "380", "419", "440", "513", "567", "614", "740", "937"),
    "OK": ("405", "539", "580", "918"),
    "OR": ("458", "503", "541", "971"),
    "PA": ("215", "223", "267", "272", "412", "484", "570", "610", "717", "724", "814", "878"),
    "RI": ("401",),
    "SC": ("803", "839", "843", "854", "864"),
    "SD": ("605",),
    "TN": ("423", "615", "629", "731", "865", "901", "931"),
    "TX": ("210", "214", "254", "281", "325", "346", "361", "409", "430", "432", "469", "512",
           "682", "713", "737", "806", "817", "830", "832", "903", "915", "936", "940", "956",
           "972", "979"),
    "UT": ("385", "435", "801"),
    "VT": ("802",),
    "VA": ("276", "434", "540", "571", "703", "757", "804"),
    "WA": ("206", "253", "360", "425", "509", "564"),
    "WV": ("304", "681"),
    "WI": ("262", "414", "534", "608", "715", "920"),
    "WY": ("307",),
}  # fmt: skip

# Territories with US ZIPs, so a property there is not given a mainland number.
TERRITORY_AREA_CODES: dict[str, tuple[str, ...]] = {
    "PR": ("787", "939"),
    "VI": ("340",),
    "GU": ("671",),
    "AS": ("684",),
    "MP": ("670",),
}

ALL_AREA_CODES: tuple[str, ...] = tuple(
    sorted({code for codes in AREA_CODES_BY_STATE.values() for code in codes})
)


@dataclass(frozen=True)
class ZipPlace:
    zip5: str
    city: str
    county: str  # without the " County" suffix, as BatchData and ATTOM print it
    state: str
    area_codes: tuple[str, ...]  # the ZIP's own, when the database knows them


@lru_cache(maxsize=4096)
def place_for_zip(zip5: str) -> ZipPlace | None:
    """Where a ZIP is, or None for a ZIP the database does not know."""
    zip5 = (zip5 or "").strip()[:5]
    if len(zip5) != 5 or not zip5.isdigit():
        return None
    try:
        matches = zipcodes.matching(zip5)
    except (TypeError, ValueError):
        return None
    if not matches:
        return None
    row = matches[0]
    return ZipPlace(
        zip5=zip5,
        city=row.get("city") or "",
        county=(row.get("county") or "").removesuffix(" County"),
        state=row.get("state") or "",
        area_codes=tuple(code for code in row.get("area_codes") or () if _is_us_area_code(code)),
    )


def area_codes_for_zip(zip5: str) -> list[str]:
    """Area codes a phone near this ZIP plausibly has.

    The ZIP's own area codes when known, else its state's; every code we know of for a ZIP
    we cannot place (so a sandbox always has something to dial).
    """
    place = place_for_zip(zip5)
    if place is None:
        return list(ALL_AREA_CODES)
    if place.area_codes:
        return list(place.area_codes)
    codes = AREA_CODES_BY_STATE.get(place.state) or TERRITORY_AREA_CODES.get(place.state)
    return list(codes or ALL_AREA_CODES)


@lru_cache(maxsize=1024)
def _is_us_area_code(code: str) -> bool:
    try:
        number = phonenumbers.parse(f"+1{code}2345678")
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "US"
    )
