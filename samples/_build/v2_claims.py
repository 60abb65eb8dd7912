"""v2 (R4 / CARIN) ExplanationOfBenefit writer, table-driven per claim type.

Built from the same claim records as the v1 writer but with its own tables: CARIN profile,
claim-type and subType per claim type, CARIN/HL7 categories in front of the BB codings,
supportingInfo instead of information, renumbered careTeam, and Money with currency.
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    CODESYSTEM,
    ICD9_CM,
    ICD10_CM,
    ICD10_PCS_CMS,
    ICD10_SID,
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

C4BB_SD = "http://hl7.org/fhir/us/carin-bb/StructureDefinition/"


C4BB_CS = "http://hl7.org/fhir/us/carin-bb/CodeSystem/"


THO = "http://terminology.hl7.org/CodeSystem/"


CLAIM_GROUP = "https://bluebutton.cms.gov/resources/identifier/claim-group"


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


# (CARIN profile, claim-type code, institutional subType) per claim type, as BFD v2 declares
# them, including its choices for DME (Inpatient profile) and HHA (NonClinician, subType inpatient).
PROFILE = {
    "carrier": ("C4BB-ExplanationOfBenefit-Professional-NonClinician", "professional", None),
    "dme": ("C4BB-ExplanationOfBenefit-Inpatient-Institutional", "institutional", None),
    "hha": ("C4BB-ExplanationOfBenefit-Professional-NonClinician", "professional", "inpatient"),
    "hospice": ("C4BB-ExplanationOfBenefit-Inpatient-Institutional", "institutional", "inpatient"),
    "inpatient": (
        "C4BB-ExplanationOfBenefit-Inpatient-Institutional",
        "institutional",
        "inpatient",
    ),
    "outpatient": (
        "C4BB-ExplanationOfBenefit-Outpatient-Institutional",
        "institutional",
        "outpatient",
    ),
    "pde": ("C4BB-ExplanationOfBenefit-Pharmacy", "pharmacy", None),
    "snf": ("C4BB-ExplanationOfBenefit-Inpatient-Institutional", "institutional", "inpatient"),
}


COVERAGE_PART = {
    "carrier": "b",
    "dme": "a",
    "hha": "b",
    "outpatient": "b",
    "hospice": "a",
    "inpatient": "a",
    "snf": "a",
    "pde": "d",
}


# CARIN/HL7 adjudication category put in front of each BB adjudication variable.
ADJUDICATION_GROUPS: dict[tuple[str, str], list[str]] = {
    (THO + "adjudication", "submitted"): [
        "line_sbmtd_chrg_amt",
        "line_dme_prchs_price_amt",
        "rev_cntr_rate_amt",
        "rev_cntr_tot_chrg_amt",
        "rev_cntr_pmt_amt_amt",
    ],
    (THO + "adjudication", "eligible"): [
        "line_alowd_chrg_amt",
        "line_prmry_alowd_chrg_amt",
    ],
    (THO + "adjudication", "benefit"): [
        "line_nch_pmt_amt",
        "cvrd_d_plan_pd_amt",
    ],
    (THO + "adjudication", "deductible"): [
        "line_bene_ptb_ddctbl_amt",
        "rev_cntr_cash_ddctbl_amt",
        "rev_cntr_blood_ddctbl_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "coinsurance"): [
        "line_coinsrnc_amt",
        "rev_cntr_coinsrnc_wge_adjstd_c",
        "rev_cntr_rdcd_coinsrnc_amt",
        "gdc_abv_oopt_amt",
        "gdc_blw_oopt_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "paidtopatient"): [
        "line_bene_pmt_amt",
        "rev_cntr_bene_pmt_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "paidtoprovider"): [
        "line_prvdr_pmt_amt",
        "rev_cntr_prvdr_pmt_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "priorpayerpaid"): [
        "line_bene_prmry_pyr_pd_amt",
        "rev_cntr_1st_msp_pd_amt",
        "rev_cntr_2nd_msp_pd_amt",
        "othr_troop_amt",
        "plro_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "paidbypatient"): [
        "ptnt_pay_amt",
        "rev_cntr_ptnt_rspnsblty_pmt",
    ],
    (C4BB_CS + "C4BBAdjudication", "noncovered"): [
        "rev_cntr_ncvrd_chrg_amt",
    ],
    (C4BB_CS + "C4BBAdjudication", "discount"): [
        "lics_amt",
        "rptd_gap_dscnt_num",
    ],
    (C4BB_CS + "C4BBAdjudication", "drugcost"): [
        "tot_rx_cst_amt",
    ],
}


ADJUDICATION_CATEGORY = {col: key for key, cols in ADJUDICATION_GROUPS.items() for col in cols}


DENIAL_REASONS = {"carr_line_rdcd_pmt_phys_astn_c", "rev_cntr_1st_ansi_cd", "rev_cntr_2nd_ansi_cd"}


# supportingInfo categories: a CARIN code replaces or precedes the BB information coding.
SUPPORTING_INFO: dict[str, tuple[str, bool]] = {
    "nch_wkly_proc_dt": ("clmrecvddate", True),
    "clm_ip_admsn_type_cd": ("admtype", True),
    "clm_freq_cd": ("typeofbill", False),
    "ptnt_dschrg_stus_cd": ("discharge-status", False),
    "rx_orgn_cd": ("rxorigincode", False),
    "brnd_gnrc_cd": ("brandgenericindicator", False),
}


# Diagnosis type per claim type and record kind: (system, code, display override).
PRINCIPAL = (THO + "ex-diagnosistype", "principal", "Principal Diagnosis")


PRINCIPAL_SHORT = (THO + "ex-diagnosistype", "principal", "principal")


ADMITTING = (THO + "ex-diagnosistype", "admitting", "Admitting Diagnosis")


OTHER = (C4BB_CS + "C4BBClaimDiagnosisType", "other", None)


SECONDARY = (C4BB_CS + "C4BBClaimDiagnosisType", "secondary", None)


EXTERNAL = (C4BB_CS + "C4BBClaimDiagnosisType", "externalcauseofinjury", None)


REASON = (C4BB_CS + "C4BBClaimDiagnosisType", "patientreasonforvisit", None)


DIAGNOSIS_TYPE: dict[str, dict[str, tuple[str, str, str | None]]] = {
    "carrier": {"principal": PRINCIPAL_SHORT, "claim": SECONDARY, "line": SECONDARY},
    "dme": {"principal": PRINCIPAL, "claim": OTHER, "line": SECONDARY},
    "hha": {
        "principal": PRINCIPAL_SHORT,
        "other": SECONDARY,
        "claim": SECONDARY,
        "external-first": SECONDARY,
        "external": SECONDARY,
        "reason-for-visit": SECONDARY,
    },
    "inpatient": {
        "principal": PRINCIPAL,
        "admitting": ADMITTING,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
        "reason-for-visit": OTHER,
    },
    "outpatient": {
        "principal": PRINCIPAL,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
        "reason-for-visit": REASON,
    },
    "snf": {
        "principal": PRINCIPAL,
        "admitting": OTHER,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
    },
    "hospice": {
        "principal": PRINCIPAL,
        "other": OTHER,
        "claim": OTHER,
        "external-first": EXTERNAL,
        "external": EXTERNAL,
    },
}


def money(value: float) -> Json:
    return {"value": value, "currency": "USD"}


def c4bb(code_system: str, code: str) -> Json:
    return coding(C4BB_CS + code_system, code)


def npi_identifier(value: str, *, with_display: bool = True) -> Json:
    type_coding = c4bb("C4BBIdentifierType", "npi")
    if not with_display:
        type_coding.pop("display", None)
    return {"type": {"coding": [type_coding]}, "value": value}


def claim_id(claim: Record) -> str:
    return claim["pde_id"] if claim["claim_type"] == "pde" else claim["clm_id"]


def identifiers(claim: Record) -> list[Json]:
    uc = {"coding": [c4bb("C4BBIdentifierType", "uc")]}
    if claim["claim_type"] == "pde":
        pairs = [
            (var("pde_id"), claim["pde_id"]),
            (CLAIM_GROUP, claim["clm_grp_id"]),
            (var("rx_srvc_rfrnc_num"), claim["rx_srvc_rfrnc_num"]),
        ]
    else:
        pairs = [(var("clm_id"), claim["clm_id"]), (CLAIM_GROUP, claim["clm_grp_id"])]
    return [{"type": uc, "system": system, "value": value} for system, value in pairs]


def envelope(claim: Record, bene: Record) -> Json:
    """Elements every v2 EOB has, in BFD order (a dict the claim writers merge into)."""
    ctype = claim["claim_type"]
    profile, claim_type, sub_type = PROFILE[ctype]
    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"{ctype}-{claim_id(claim)}",
        "meta": {"lastUpdated": claim["last_updated"], "profile": [C4BB_SD + profile]},
        "identifier": identifiers(claim),
        "status": "active",
        "type": {
            "coding": [
                coding("nch_clm_type_cd", claim["nch_clm_type_cd"]) if ctype != "pde" else None,
                {"system": CODESYSTEM + "eob-type", "code": EOB_TYPE[ctype]},
                coding(THO + "claim-type", claim_type),
            ]
        },
        "subType": {
            "coding": [{"system": C4BB_CS + "C4BBInstitutionalClaimSubType", "code": sub_type}],
            "text": sub_type.capitalize(),
        }
        if sub_type
        else None,
        "use": "claim",
        "patient": {"reference": f"Patient/{bene['bene_id']}"},
        "created": claim["last_updated"],
        "insurer": {"identifier": {"value": "CMS"}},
        "outcome": "complete",
        "insurance": [
            {
                "focal": True,
                "coverage": {
                    "reference": f"Coverage/part-{COVERAGE_PART[ctype]}-{bene['bene_id']}"
                },
            }
        ],
    }


def adjudication(column: str, line: Record, source: str | None = None) -> Json | None:
    value = line.get(source or column)
    if value is None:
        return None
    if column in DENIAL_REASONS:
        return {
            "category": {"coding": [c4bb("C4BBAdjudicationDiscriminator", "denialreason")]},
            "reason": concept(column, value),
        }
    system, code = ADJUDICATION_CATEGORY[column]
    category = [coding(system, code), bb_category("adjudication", column)]
    return {"category": {"coding": category}, "amount": money(value)}


def supporting_info(seq: int, column: str, claim: Record) -> Json | None:
    value = claim.get(column)
    if value is None:
        return None
    carin, keep_bb = SUPPORTING_INFO.get(column, (None, True))
    if carin:
        first = c4bb("C4BBSupportingInfoType", carin)
    else:
        first = coding(THO + "claiminformationcategory", "info")
    category = [first, bb_category("information", column)] if keep_bb else [first]
    out: Json = {"sequence": seq, "category": {"coding": category}}
    if column.endswith("_dt") or column.endswith("_dt_i"):
        if isinstance(value, tuple):
            out["timingPeriod"] = period(*value)
        else:
            out["timingDate"] = value
    elif column == "nch_blood_pnts_frnshd_qty":
        out["valueQuantity"] = {"value": value, "unit": "pint", "system": UCUM, "code": "[pt_us]"}
    elif column == "clm_hha_tot_visit_cnt":
        out["valueQuantity"] = {"value": value}
    elif column == "clm_ip_admsn_type_cd":
        out["code"] = concept(NUBC_ADMIT, value)
    else:
        out["code"] = concept(column, value)
    return out


class SupportingInfo:
    """Collects supportingInfo elements and numbers them 1..n in emission order."""

    def __init__(self) -> None:
        self.items: list[Json] = []

    def add(self, element: Json | None) -> int | None:
        if element is None:
            return None
        element["sequence"] = len(self.items) + 1
        self.items.append(element)
        return element["sequence"]

    def column(self, column: str, claim: Record) -> int | None:
        return self.add(supporting_info(0, column, claim))

    def category(self, carin_code: str, **value: Any) -> int | None:
        category = {"coding": [c4bb("C4BBSupportingInfoType", carin_code)]}
        return self.add({"sequence": 0, "category": category, **value})


def diagnosis_element(seq: int, dx: Record, ctype: str) -> Json:
    if dx["vrsn"] == "9":
        codings = [coding(ICD9_CM, dx["code"])]
    else:
        codings = [coding(ICD10_CM, dx["code"]), coding(ICD10_SID, dx["code"])]
    system, code, label = DIAGNOSIS_TYPE[ctype][dx["kind"]]
    type_coding = coding(system, code)
    if label:
        type_coding["display"] = label
    return {
        "extension": [ext_coding(dx["poa_var"], dx["poa"])] if dx.get("poa") else None,
        "sequence": seq,
        "diagnosisCodeableConcept": {"coding": codings},
        "type": [{"coding": [type_coding]}],
    }


def diagnoses(claim: Record) -> list[Json]:
    return [
        diagnosis_element(i + 1, dx, claim["claim_type"]) for i, dx in enumerate(claim["diagnoses"])
    ]


def procedures(claim: Record) -> list[Json]:
    out = []
    for i, px in enumerate(claim.get("procedures", [])):
        if px["vrsn"] == "9":
            codings = [coding(ICD9_CM, px["code"])]
        else:
            codings = [coding(ICD10_PCS_CMS, px["code"]), coding(ICD10_SID, px["code"])]
        out.append(
            {
                "sequence": i + 1,
                "date": px["date"] + "T00:00:00+00:00",
                "procedureCodeableConcept": {"coding": codings},
            }
        )
    return out


def benefit_balance(columns: list[str], claim: Record) -> list[Json]:
    financial = []
    for column in columns:
        value = claim.get(column)
        if value is None:
            continue
        used = (
            {"usedMoney": money(value)} if isinstance(value, float) else {"usedUnsignedInt": value}
        )
        financial.append({"type": {"coding": [bb_category("benefit-balance", column)]}, **used})
    if not financial:
        return []
    return [
        {"category": {"coding": [coding(THO + "ex-benefitcategory", "1")]}, "financial": financial}
    ]
