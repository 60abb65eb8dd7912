"""v2 writer: R4 / CARIN Blue Button resources shaped the way the BB2 v2 API serves them.

Written from the claim records directly (never from v1 output): profiles in ``meta``, MBIs as
identifiers, Coverage with subscriberId, relationship, payor and class, and Money with currency.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir_bits import VAR, Json, coding, compact, ext_coding, ext_date, period, var
from v2_claims import partb, pde
from v2_institutional import institutional

BASE = "https://sandbox.bluebutton.cms.gov/v2/fhir/"
C4BB_SD = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"
THO = "http://terminology.hl7.org/CodeSystem/"
SEX_SNOMED = {"female": "248152002", "male": "248153007"}
COVERAGE_PARTS = ("a", "b", "c", "d")
# Coverage extensions are the same variables in both versions; v2 keeps BFD's order too.
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
COVERAGE_PERIOD = {
    "a": ("pta_cvrg_strt_dt", "pta_cvrg_end_dt"),
    "b": ("ptb_cvrg_strt_dt", "ptb_cvrg_end_dt"),
    "d": ("ptd_cvrg_strt_dt", "ptd_cvrg_end_dt"),
}
UNDERSCORE_MONTHLY = ("dual", "ptc_cntrct_id", "ptc_pbp_id", "ptc_plan_type_cd", "hmo_ind")


def monthly_name(column: str, month: int) -> str:
    sep = "_" if column in UNDERSCORE_MONTHLY else ""
    return f"{column}{sep}{month:02d}"


def _monthly(bene: dict[str, Any], column: str) -> list[Json]:
    return [ext_coding(monthly_name(column, m + 1), code) for m, code in enumerate(bene[column])]


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
                *_monthly(bene, "dual"),
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
        else:
            for m, code in enumerate(bene[column]):
                name = monthly_name(column, m + 1)
                url = f"{VAR}{name}/{bene['rfrnc_yr']}-{m + 1}"
                exts.append({"url": url, "valueCoding": coding(name, code)})
    start_col, end_col = COVERAGE_PERIOD.get(part, (None, None))
    current_mbi = next(m["mbi_num"] for m in bene["mbis"] if m["current"])
    return compact(
        {
            "resourceType": "Coverage",
            "id": f"part-{part}-{bene['bene_id']}",
            "meta": {"lastUpdated": bene["last_updated"], "profile": [C4BB_SD + "C4BB-Coverage"]},
            "extension": exts,
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
