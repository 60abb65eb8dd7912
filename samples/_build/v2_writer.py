"""v2 writer: R4 / CARIN Blue Button resources shaped the way the BB2 v2 API serves them.

Written from the claim records directly (never from v1 output): profiles in ``meta``, MBIs as
identifiers, Coverage with subscriberId, relationship, payor and class, and Money with currency.
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
from fhir_bits import Json, address, coding, compact, ext_coding, ext_date, period, var
from v2_institutional import institutional
from v2_partb import partb
from v2_pde import pde

BASE = "https://sandbox.bluebutton.cms.gov/v2/fhir/"
C4BB_SD = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
THO = "http://terminology.hl7.org/CodeSystem/"
COVERAGE_PERIOD = {
    "a": ("pta_cvrg_strt_dt", "pta_cvrg_end_dt"),
    "b": ("ptb_cvrg_strt_dt", "ptb_cvrg_end_dt"),
    "d": ("ptd_cvrg_strt_dt", "ptd_cvrg_end_dt"),
}


def _mbi_identifier(mbi: dict[str, Any]) -> Json:
    currency = "current" if mbi["current"] else "historic"
    type_coding = coding(THO + "v2-0203", "MC")
    type_coding = {
        "extension": [
            {
                "url": "https://bluebutton.cms.gov/resources/codesystem/identifier-currency",
                "valueCoding": coding(
                    "https://bluebutton.cms.gov/resources/codesystem/identifier-currency", currency
                ),
            }
        ],
        **type_coding,
    }
    return {
        "type": {"coding": [type_coding]},
        "system": "http://hl7.org/fhir/sid/us-mbi",
        "value": mbi["mbi_num"],
        "period": period(mbi["start"]) if mbi["current"] else None,
    }


def patient(bene: dict[str, Any]) -> Json:
    return compact(
        {
            "resourceType": "Patient",
            "id": bene["bene_id"],
            "meta": {"lastUpdated": bene["last_updated"], "profile": [C4BB_SD + "C4BB-Patient"]},
            "extension": [
                {
                    "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex",
                    "valueCode": SEX_SNOMED[bene["sex"]],
                },
                ext_coding("race", bene["race"]),
                {
                    # BFD has no OMB race category; it always sends "Unknown" here.
                    "url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race",
                    "extension": [
                        {"url": "ombCategory", "valueCoding": coding(THO + "v3-NullFlavor", "UNK")},
                        {"url": "text", "valueString": "Unknown"},
                    ],
                },
                ext_date("rfrnc_yr", bene["rfrnc_yr"]),
                *monthly(bene, "dual"),
            ],
            "identifier": [
                *(_mbi_identifier(m) for m in bene["mbis"]),
                {
                    "type": {"coding": [coding(THO + "v2-0203", "MB")]},
                    "system": var("bene_id"),
                    "value": bene["bene_id"],
                },
            ],
            "name": [{"use": "usual", "family": bene["family"], "given": bene["given"]}],
            "gender": bene["sex"],
            "birthDate": bene["birth_date"],
            "deceasedDateTime": bene["death_date"],
            "address": [address(bene)],
        }
    )


def coverage(bene: dict[str, Any], part: str) -> Json:
    start_col, end_col = COVERAGE_PERIOD.get(part, (None, None))
    current_mbi = next(m["mbi_num"] for m in bene["mbis"] if m["current"])
    return compact(
        {
            "resourceType": "Coverage",
            "id": f"part-{part}-{bene['bene_id']}",
            "meta": {"lastUpdated": bene["last_updated"], "profile": [C4BB_SD + "C4BB-Coverage"]},
            "extension": enrollment_extensions(bene, part),
            "status": bene["part_status"][part],
            "type": {"coding": [{"system": THO + "v3-ActCode", "code": "SUBSIDIZ"}]},
            "subscriberId": current_mbi,
            "beneficiary": {"reference": f"Patient/{bene['bene_id']}"},
            "relationship": {"coding": [coding(THO + "subscriber-relationship", "self")]},
            "period": period(bene.get(start_col or ""), bene.get(end_col or "")),
            "payor": [{"identifier": {"value": "Centers for Medicare and Medicaid Services"}}],
            "class": [
                {
                    "type": {"coding": [coding(THO + "coverage-class", "group")]},
                    "value": "Medicare",
                },
                {
                    "type": {"coding": [coding(THO + "coverage-class", "plan")]},
                    "value": f"Part {part.upper()}",
                },
            ],
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
