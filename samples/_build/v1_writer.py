"""v1 writer: STU3 resources shaped the way the BB2 v1 API (BFD ``/v1/fhir``) serves them.

Learned from BFD's v1 endpoint responses and data dictionary: claim-level Money amounts are
extensions, codes are BB variable codings, ``information[]`` carries dates and codes, careTeam
roles use ``http://hl7.org/fhir/claimcareteamrole``, and Money has ``system`` and ``code``
instead of ``currency``.
"""

from __future__ import annotations

from typing import Any

from bb2_api import (
    COVERAGE_PARTS,
    SEX_SNOMED,
    coverage_searchset,
    enrollment_extensions,
    eob_searchset,
    monthly,
)
from fhir_bits import (
    address,
    BB,
    Json,
    compact,
    ext_coding,
    ext_date,
    period,
    var,
)
from ids import mbi_hash
from v1_institutional import institutional
from v1_partb import partb
from v1_pde import pde

BASE = "https://sandbox.bluebutton.cms.gov/v1/fhir/"


def patient(bene: dict[str, Any]) -> Json:
    current = next(m for m in bene["mbis"] if m["current"])
    return compact(
        {
            "resourceType": "Patient",
            "id": bene["bene_id"],
            "meta": {"lastUpdated": bene["last_updated"]},
            "extension": [
                {
                    "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex",
                    "valueCode": SEX_SNOMED[bene["sex"]],
                },
                ext_coding("race", bene["race"]),
                ext_date("rfrnc_yr", bene["rfrnc_yr"]),
                *monthly(bene, "dual"),
            ],
            "identifier": [
                {
                    "system": BB + "identifier/mbi-hash",
                    "value": mbi_hash(current["mbi_num"]),
                    "period": period(current["start"]),
                },
                {"system": var("bene_id"), "value": bene["bene_id"]},
            ],
            "name": [{"use": "usual", "family": bene["family"], "given": bene["given"]}],
            "gender": bene["sex"],
            "birthDate": bene["birth_date"],
            "deceasedDateTime": bene["death_date"],
            "address": [address(bene)],
        }
    )


def coverage(bene: dict[str, Any], part: str) -> Json:
    label = f"Part {part.upper()}"
    entitled = bene["entitlement_date"] if part in ("a", "b") else None
    return compact(
        {
            "resourceType": "Coverage",
            "id": f"part-{part}-{bene['bene_id']}",
            "meta": {"lastUpdated": bene["last_updated"]},
            "extension": enrollment_extensions(bene, part),
            "status": bene["part_status"][part],
            "type": {"coding": [{"system": "Medicare", "code": label}]},
            "beneficiary": {"reference": f"Patient/{bene['bene_id']}"},
            "period": period(entitled),
            "grouping": {"subGroup": "Medicare", "subPlan": label},
        }
    )


def coverage_bundle(bene: dict[str, Any]) -> Json:
    return coverage_searchset(BASE, bene, [coverage(bene, p) for p in COVERAGE_PARTS])


def eob_bundle(bene: dict[str, Any], claims: list[dict[str, Any]]) -> Json:
    return eob_searchset(BASE, bene, [eob(claim, bene) for claim in claims])


WRITERS = {"carrier": partb, "dme": partb, "pde": pde}
WRITERS |= dict.fromkeys(("hha", "hospice", "inpatient", "outpatient", "snf"), institutional)


def eob(claim: dict[str, Any], bene: dict[str, Any]) -> Json:
    return WRITERS[claim["claim_type"]](claim, bene)
