"""ATTOM's wire format for tests: the contract's example item and the response envelopes."""

from __future__ import annotations

import copy
from typing import Any

# The contract's example item (/property/detailowner), verbatim.
EXAMPLE_ITEM: dict[str, Any] = {
    "identifier": {"Id": 184713191, "fips": "08031", "apn": "02192-04-018-000",
                   "attomId": 184713191},
    "lot": {"lotsize1": 0.1076676, "lotsize2": 4690},
    "address": {"country": "US", "countrySubd": "CO", "line1": "4529 WINONA CT",
                "line2": "DENVER, CO 80212", "locality": "DENVER", "matchCode": "ExaStr",
                "oneLine": "4529 WINONA CT, DENVER, CO 80212", "postal1": "80212",
                "postal2": "2512", "postal3": "C037"},
    "location": {"accuracy": "Rooftop", "latitude": "39.778926", "longitude": "-105.047775",
                 "distance": 0, "geoid": "CO08031, PL0820000, ZI80212",
                 "geoIdV4": {"CO": "1291dc1937525d78f89cebb6a43a50de",
                             "ZI": "0149d0a55ef2d6b71071a39f4e13d6eb"}},
    "summary": {"absenteeInd": "ABSENTEE(MAIL AND SITUS NOT =)",
                "propclass": "Single Family Residence / Townhouse",
                "propsubtype": "Residential", "proptype": "SFR",
                "propertyType": "SINGLE FAMILY RESIDENCE", "yearbuilt": 1900,
                "propLandUse": "SFR", "propIndicator": "10"},
    "building": {"size": {"livingsize": 934, "universalsize": 934},
                 "rooms": {"bathstotal": 1, "beds": 2}},
    "owner": {"corporateindicator": "N",
              "owner1": {"fullname": "JEREMY A MARTIN", "lastname": "MARTIN ",
                         "firstnameandmi": "JEREMY A"},
              "owner2": {}, "owner3": {"lastname": "MARTIN ", "firstnameandmi": "MEGAN L"},
              "owner4": {}, "absenteeownerstatus": "A",
              "mailingaddressoneline": "PO BOX 57172, JACKSONVILLE, FL 32241-7172"},
    "vintage": {"lastModified": "2022-04-14", "pubDate": "2022-04-14"},
}  # fmt: skip

AVM_PARTS: dict[str, Any] = {
    "area": {"countrysecsubd": "Denver County"},
    "avm": {"eventDate": "2025-03-01",
            "amount": {"scr": 87, "value": 612000, "high": 650000, "low": 575000, "fsd": 9}},
    "sale": {"saleTransDate": "2016-08-12", "salesearchdate": "2016-08-12",
             "amount": {"saleamt": 420000, "salerecdate": "2016-08-19"},
             "mortgage": {"FirstConcurrent": {"amount": 336000},
                          "SecondConcurrent": {"amount": 42000}}},
    "assessment": {"assessed": {"assdttlvalue": 43520}, "market": {"mktttlvalue": 544000},
                   "tax": {"taxamt": 3021.5, "taxyear": 2024}},
}  # fmt: skip


def avm_item(**changes: Any) -> dict[str, Any]:
    """The example as /attomavm/detail returns it (with avm, sale, assessment and area)."""
    item = {**copy.deepcopy(EXAMPLE_ITEM), **copy.deepcopy(AVM_PARTS)}
    item.update(changes)
    return item


def envelope(items: list[dict[str, Any]], *, total: int, page: int = 1, pagesize: int = 10):
    status = {"version": "1.0.0", "code": 0, "msg": "SuccessWithResult", "total": total,
              "page": page, "pagesize": pagesize,
              "transactionID": "e7ec4bde63013646bf89ccd6d7e56460"}  # fmt: skip
    return {"status": status, "echoed_fields": {}, "property": items}


def error_body(code: int, msg: str, total: int = 0) -> dict[str, Any]:
    return {"status": {"version": "1.0.0", "code": code, "msg": msg, "total": total,
                       "page": 0, "pagesize": 0}}  # fmt: skip
