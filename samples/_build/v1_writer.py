"""v1 writer: STU3 resources shaped the way the BB2 v1 API (BFD ``/v1/fhir``) serves them.

Learned from BFD's v1 endpoint responses and data dictionary: claim-level Money amounts are
extensions, codes are BB variable codings, ``information[]`` carries dates and codes, careTeam
roles use ``http://hl7.org/fhir/claimcareteamrole``, and Money has ``system`` and ``code``
instead of ``currency``.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir_bits import (
    BB,
    Json,
    coding,
    compact,
    ext_coding,
    ext_date,
    period,
    var,
)
from ids import mbi_hash
from v1_claims import partb, pde
from v1_institutional import institutional

BASE = "https://sandbox.bluebutton.cms.gov/v1/fhir/"
SEX_SNOMED = {"female": "248152002", "male": "248153007"}
COVERAGE_PARTS = ("a", "b", "c", "d")

# Extensions of each Coverage part, in BFD order: (kind, column or monthly column name).
COVERAGE_EXTENSIONS: dict[str, list[tuple[str, str]]] = {
    "a": [
        ("coding", "ms_cd"),
        ("coding", "orec"),
        ("coding", "crec"),
        ("coding", "esrd_ind"),
        ("coding", "a_trm_cd"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
        ("monthly", "buyin"),
    ],
    "b": [
        ("coding", "ms_cd"),
        ("coding", "b_trm_cd"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
        ("monthly", "buyin"),
    ],
    "c": [
        ("monthly", "ptc_cntrct_id"),
        ("monthly", "ptc_pbp_id"),
        ("monthly", "ptc_plan_type_cd"),
        ("monthly", "hmo_ind"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
    ],
    "d": [
        ("coding", "ms_cd"),
        ("monthly", "ptdcntrct"),
        ("dated", "ptdcntrct"),
        ("monthly", "ptdpbpid"),
        ("monthly", "sgmtid"),
        ("monthly", "cstshr"),
        ("monthly", "rdsind"),
        ("year", "rfrnc_yr"),
        ("monthly", "dual"),
    ],
}


def money(value: float) -> Json:
    return {"value": value, "system": "urn:iso:std:iso:4217", "code": "USD"}


def monthly_name(column: str, month: int) -> str:
    """BFD's variable name for month ``month`` (1-12) of a monthly enrollment column."""
    sep = (
        "_"
        if column in ("dual", "ptc_cntrct_id", "ptc_pbp_id", "ptc_plan_type_cd", "hmo_ind")
        else ""
    )
    return f"{column}{sep}{month:02d}"


def _monthly(bene: dict[str, Any], column: str) -> list[Json]:
    return [ext_coding(monthly_name(column, m + 1), code) for m, code in enumerate(bene[column])]


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
                *_monthly(bene, "dual"),
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
            "address": [{"state": bene["state"], "postalCode": bene["zip"]}],
        }
    )


def coverage(bene: dict[str, Any], part: str) -> Json:
    exts: list[Json] = []
    for kind, column in COVERAGE_EXTENSIONS[part]:
        if kind == "coding":
            exts.append(ext_coding(column, bene[column]))
        elif kind == "year":
            exts.append(ext_date(column, bene[column]))
        elif kind == "monthly":
            exts.extend(_monthly(bene, column))
        else:  # BFD also emits Part D contracts with the reference month in the URL
            for m, code in enumerate(bene[column]):
                name = monthly_name(column, m + 1)
                exts.append(
                    {
                        "url": f"{var(name)}/{bene['rfrnc_yr']}-{m + 1}",
                        "valueCoding": coding(name, code),
                    }
                )
    label = f"Part {part.upper()}"
    entitled = bene["entitlement_date"] if part in ("a", "b") else None
    return compact(
        {
            "resourceType": "Coverage",
            "id": f"part-{part}-{bene['bene_id']}",
            "meta": {"lastUpdated": bene["last_updated"]},
            "extension": exts,
            "status": bene["part_status"][part],
            "type": {"coding": [{"system": "Medicare", "code": label}]},
            "beneficiary": {"reference": f"Patient/{bene['bene_id']}"},
            "period": period(entitled),
            "grouping": {"subGroup": "Medicare", "subPlan": label},
        }
    )


def searchset(entries: list[Json], self_url: str, last_updated: str, *, paging: str = "") -> Json:
    links = []
    if paging:
        links += [
            {"relation": "first", "url": BASE + paging},
            {"relation": "last", "url": BASE + paging},
        ]
    links.append({"relation": "self", "url": BASE + self_url})
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, BASE + self_url)),
        "meta": {"lastUpdated": last_updated},
        "type": "searchset",
        "total": len(entries),
        "link": links,
        "entry": [{"resource": e} for e in entries],
    }


def coverage_bundle(bene: dict[str, Any]) -> Json:
    parts = [coverage(bene, p) for p in COVERAGE_PARTS]
    return searchset(parts, f"Coverage/?beneficiary={bene['bene_id']}", bene["last_updated"])


def eob_bundle(bene: dict[str, Any], claims: list[dict[str, Any]]) -> Json:
    eobs = [eob(claim, bene) for claim in claims]
    n, bid = len(eobs), bene["bene_id"]
    newest = max(e["meta"]["lastUpdated"] for e in eobs)
    return searchset(
        eobs,
        f"ExplanationOfBenefit/?_count={n}&patient={bid}",
        newest,
        paging=f"ExplanationOfBenefit?patient={bid}&startIndex=0&_count={n}",
    )


def userinfo(bene: dict[str, Any]) -> Json:
    return {
        "sub": bene["bene_id"],
        "name": " ".join([bene["given"][0], bene["family"]]),
        "given_name": bene["given"][0],
        "family_name": bene["family"],
        "email": bene["email"],
        "iat": bene["userinfo_iat"],
        "patient": bene["bene_id"],
    }


WRITERS = {"carrier": partb, "dme": partb, "pde": pde}
WRITERS |= dict.fromkeys(("hha", "hospice", "inpatient", "outpatient", "snf"), institutional)


def eob(claim: dict[str, Any], bene: dict[str, Any]) -> Json:
    return WRITERS[claim["claim_type"]](claim, bene)
