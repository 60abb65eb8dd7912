"""v1 (STU3) ExplanationOfBenefit writer, table-driven per claim type.

Tables list, in BFD's emission order, which claim columns become which kind of element; the
functions below only know how each kind is spelled in STU3.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir_bits import (
    CODESYSTEM,
    ICD9_CM,
    ICD10_SID,
    NPI,
    NUBC_ADMIT,
    UCUM,
    Json,
    bb_category,
    coding,
    concept,
    ext_coding,
    period,
    var,
)

Record = dict[str, Any]

EOB_TYPE = {
    "carrier": "CARRIER",
    "dme": "DME",
    "hha": "HHA",
    "hospice": "HOSPICE",
    "inpatient": "INPATIENT",
    "outpatient": "OUTPATIENT",
    "pde": "PDE",
    "snf": "SNF",
}


# STU3 ex-claimtype: v1 has none for DME and HHA, and calls outpatient "professional".
EX_CLAIMTYPE = {
    "carrier": "professional",
    "outpatient": "professional",
    "hospice": "institutional",
    "inpatient": "institutional",
    "snf": "institutional",
    "pde": "pharmacy",
}


COVERAGE_PART = {
    "carrier": "b",
    "dme": "b",
    "hha": "b",
    "outpatient": "b",
    "hospice": "a",
    "inpatient": "a",
    "snf": "a",
    "pde": "d",
}


DIAGNOSIS_TYPE = CODESYSTEM + "diagnosis-type"


CARE_TEAM_ROLE = "http://hl7.org/fhir/claimcareteamrole"
CLAIM_GROUP = "https://bluebutton.cms.gov/resources/identifier/claim-group"


# Adjudications that carry a coded reason instead of an amount.
REASON_ADJUDICATIONS = {
    "carr_line_rdcd_pmt_phys_astn_c",
    "line_prcsg_ind_cd",
    "rev_cntr_1st_ansi_cd",
    "rev_cntr_2nd_ansi_cd",
}


def money(value: float) -> Json:
    return {"value": value, "system": "urn:iso:std:iso:4217", "code": "USD"}


def npi_identifier(value: str) -> Json:
    return {"system": NPI, "value": value}


def contained_id(claim: Record, what: str) -> str:
    # BFD v1 uses random UUIDs here; ours are derived from the claim so rebuilding is reproducible.
    return str(uuid.uuid5(uuid.NAMESPACE_OID, f"{claim['claim_type']}/{claim_id(claim)}/{what}"))


def claim_id(claim: Record) -> str:
    return claim["pde_id"] if claim["claim_type"] == "pde" else claim["clm_id"]


def icd_coding(code: str, vrsn: str) -> Json:
    return coding(ICD9_CM if vrsn == "9" else ICD10_SID, code)


def diagnosis_type(kind: str) -> list[Json] | None:
    code = {"claim": None, "line": None}.get(kind, kind)
    return [concept(DIAGNOSIS_TYPE, code)] if code else None


def adjudication(column: str, line: Record, extension: list[Json] | None = None) -> Json | None:
    value = line.get(column)
    if value is None:
        return None
    out: Json = {
        "extension": extension,
        "category": {"coding": [bb_category("adjudication", column)]},
    }
    if column in REASON_ADJUDICATIONS:
        out["reason"] = concept(column, value)
    else:
        out["amount"] = money(value)
    return out


def identifiers(claim: Record) -> list[Json]:
    if claim["claim_type"] == "pde":
        pairs = [
            (var("pde_id"), claim["pde_id"]),
            (CLAIM_GROUP, claim["clm_grp_id"]),
            (var("rx_srvc_rfrnc_num"), claim["rx_srvc_rfrnc_num"]),
        ]
    else:
        pairs = [(var("clm_id"), claim["clm_id"]), (CLAIM_GROUP, claim["clm_grp_id"])]
    return [{"system": system, "value": value} for system, value in pairs]


def envelope(claim: Record, bene: Record) -> Json:
    """The elements every v1 EOB starts with, in BFD order."""
    ctype = claim["claim_type"]
    type_codings = [
        coding("nch_clm_type_cd", claim["nch_clm_type_cd"]) if ctype != "pde" else None,
        {"system": CODESYSTEM + "eob-type", "code": EOB_TYPE[ctype]},
        coding("http://hl7.org/fhir/ex-claimtype", EX_CLAIMTYPE[ctype])
        if ctype in EX_CLAIMTYPE
        else None,
        coding("nch_near_line_rec_ident_cd", claim["nch_near_line_rec_ident_cd"])
        if ctype != "pde"
        else None,
    ]
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"{ctype}-{claim_id(claim)}",
        "meta": {"lastUpdated": claim["last_updated"]},
        "identifier": identifiers(claim),
        "type": {"coding": type_codings},
        "patient": {"reference": f"Patient/{bene['bene_id']}"},
        "coverage": f"Coverage/part-{COVERAGE_PART[ctype]}-{bene['bene_id']}",
    }


def information(seq: int, column: str, claim: Record) -> Json | None:
    """One ``information`` element; the value kind follows from the column."""
    value = claim.get(column)
    if value is None:
        return None
    out: Json = {"sequence": seq, "category": {"coding": [bb_category("information", column)]}}
    if column.endswith("_dt") or column.endswith("_dt_i"):
        if isinstance(value, tuple):
            out["timingPeriod"] = period(*value)
        else:
            out["timingDate"] = value
    elif column == "nch_blood_pnts_frnshd_qty":
        out["valueQuantity"] = {"value": value, "unit": "pint", "system": UCUM, "code": "[pt_us]"}
    elif column == "clm_ip_admsn_type_cd":
        out["code"] = concept(NUBC_ADMIT, value)
    else:
        out["code"] = concept(column, value)
    return out


def numbered_information(columns: list[str], claim: Record) -> list[Json]:
    out: list[Json] = []
    for column in columns:
        element = information(len(out) + 1, column, claim)
        if element:
            out.append(element)
    return out


def diagnoses(claim: Record, typed_kinds: set[str], first_seq: int = 1) -> list[Json]:
    out = []
    for i, dx in enumerate(claim["diagnoses"]):
        kind = dx["kind"]
        out.append(
            {
                "extension": [ext_coding(dx["poa_var"], dx["poa"])] if dx.get("poa") else None,
                "sequence": first_seq + i,
                "diagnosisCodeableConcept": {"coding": [icd_coding(dx["code"], dx["vrsn"])]},
                "type": diagnosis_type(kind) if kind in typed_kinds else None,
            }
        )
    return out
