"""v1 (STU3) institutional claims: inpatient, outpatient, SNF, hospice and home health.

Revenue-centre lines, a facility (provider number, organization NPI), DRG as a diagnosis
package code, hospitalization dates, and claim-level amounts as Money extensions.
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    HCPCS,
    ICD9_CM,
    ICD10_SID,
    NPI,
    UCUM,
    Json,
    bb_category,
    coding,
    compact,
    concept,
    ext_coding,
    ext_quantity,
    extensions,
    period,
    var,
)
from v1_claims import (
    CARE_TEAM_ROLE,
    adjudication,
    diagnoses,
    envelope,
    npi_identifier,
    numbered_information,
)

Record = dict[str, Any]

_TAIL = [
    ("coding", "clm_mdcr_non_pmt_rsn_cd"),
    ("money", "prpayamt"),
    ("identifier", "fi_num"),
    ("identifier", "fi_doc_clm_cntl_num"),
    ("identifier", "fi_orig_clm_cntl_num"),
]
_PPS = [
    "nch_bene_ip_ddctbl_amt",
    "nch_bene_pta_coinsrnc_lblty_amt",
    "nch_ip_ncvrd_chrg_amt",
    "nch_ip_tot_ddctn_amt",
    "clm_pps_cptl_dsprprtnt_shr_amt",
    "clm_pps_cptl_excptn_amt",
    "clm_pps_cptl_fsp_amt",
    "clm_pps_cptl_ime_amt",
    "clm_pps_cptl_outlier_amt",
    "clm_pps_old_cptl_hld_hrmls_amt",
]
EXTENSIONS: dict[str, list[tuple[str, str]]] = {
    "inpatient": [
        ("money", c)
        for c in [
            "ime_op_clm_val_amt",
            "dsh_op_clm_val_amt",
            "clm_pass_thru_per_diem_amt",
            "nch_profnl_cmpnt_chrg_amt",
            "clm_tot_pps_cptl_amt",
            "clm_uncompd_care_pmt_amt",
            *_PPS,
            "nch_drg_outlier_aprvd_pmt_amt",
            "nch_bene_blood_ddctbl_lblty_am",
        ]
    ]
    + _TAIL,
    "snf": [("money", c) for c in [*_PPS, "nch_bene_blood_ddctbl_lblty_am"]] + _TAIL,
    "outpatient": [
        ("money", c)
        for c in [
            "nch_profnl_cmpnt_chrg_amt",
            "nch_bene_ptb_ddctbl_amt",
            "nch_bene_ptb_coinsrnc_amt",
            "clm_op_prvdr_pmt_amt",
            "clm_op_bene_pmt_amt",
            "nch_bene_blood_ddctbl_lblty_am",
        ]
    ]
    + _TAIL,
    "hospice": _TAIL,
    "hha": _TAIL,
}
INFORMATION = {
    "inpatient": [
        "nch_wkly_proc_dt",
        "nch_ptnt_stus_ind_cd",
        "clm_ip_admsn_type_cd",
        "clm_src_ip_admsn_cd",
        "nch_vrfd_ncvrd_stay_from_dt",
        "nch_bene_mdcr_bnfts_exhtd_dt_i",
        "nch_blood_pnts_frnshd_qty",
        "clm_mco_pd_sw",
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
    ],
    "snf": [
        "nch_wkly_proc_dt",
        "clm_ip_admsn_type_cd",
        "clm_src_ip_admsn_cd",
        "nch_vrfd_ncvrd_stay_from_dt",
        "nch_bene_mdcr_bnfts_exhtd_dt_i",
        "nch_ptnt_stus_ind_cd",
        "nch_blood_pnts_frnshd_qty",
        "nch_qlfyd_stay_from_dt",
        "clm_mco_pd_sw",
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
    ],
    "outpatient": [
        "nch_wkly_proc_dt",
        "clm_mco_pd_sw",
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
    ],
    "hospice": [
        "nch_wkly_proc_dt",
        "nch_ptnt_stus_ind_cd",
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
    ],
    "hha": [
        "nch_wkly_proc_dt",
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
        "clm_hha_lupa_ind_cd",
        "clm_hha_rfrl_cd",
    ],
}
BENEFITS = {
    "inpatient": ["bene_tot_coinsrnc_days_cnt", "clm_non_utlztn_days_cnt", "clm_utlztn_day_cnt"],
    "snf": ["clm_utlztn_day_cnt", "bene_tot_coinsrnc_days_cnt", "clm_non_utlztn_days_cnt"],
    "hospice": ["clm_utlztn_day_cnt"],
    "hha": ["clm_hha_tot_visit_cnt"],
    "outpatient": [],
}
_OP_PAYMENTS = [
    "rev_cntr_blood_ddctbl_amt",
    "rev_cntr_cash_ddctbl_amt",
    "rev_cntr_coinsrnc_wge_adjstd_c",
    "rev_cntr_rdcd_coinsrnc_amt",
    "rev_cntr_1st_msp_pd_amt",
    "rev_cntr_2nd_msp_pd_amt",
    "rev_cntr_prvdr_pmt_amt",
    "rev_cntr_bene_pmt_amt",
    "rev_cntr_ptnt_rspnsblty_pmt",
    "rev_cntr_pmt_amt_amt",
]
_CHARGES = ["rev_cntr_rate_amt", "rev_cntr_tot_chrg_amt", "rev_cntr_ncvrd_chrg_amt"]
ADJUDICATIONS = {
    "inpatient": _CHARGES,
    "snf": _CHARGES,
    "outpatient": ["rev_cntr_1st_ansi_cd", "rev_cntr_2nd_ansi_cd", *_OP_PAYMENTS, *_CHARGES],
    "hospice": [
        "rev_cntr_prvdr_pmt_amt",
        "rev_cntr_bene_pmt_amt",
        *_CHARGES,
        "rev_cntr_pmt_amt_amt",
    ],
    "hha": ["rev_cntr_1st_ansi_cd", *_CHARGES, "rev_cntr_pmt_amt_amt"],
}
# Revenue-centre extensions per claim type, and which claim types carry a claim query code
# and date each revenue line.
REVENUE_EXTENSIONS = {
    "inpatient": ["rev_cntr_ddctbl_coinsrnc_cd"],
    "snf": ["rev_cntr_ddctbl_coinsrnc_cd"],
    "hospice": ["rev_cntr_ddctbl_coinsrnc_cd"],
    "outpatient": ["rev_cntr_stus_ind_cd"],
    "hha": ["rev_cntr_stus_ind_cd", "rev_cntr_ddctbl_coinsrnc_cd"],
}
QUERY_CODE_TYPES = {"inpatient", "outpatient", "snf"}
DATED_LINE_TYPES = {"outpatient", "hospice", "hha"}
TYPED_DIAGNOSES = {
    "inpatient": {
        "principal",
        "admitting",
        "other",
        "external-first",
        "external",
        "reason-for-visit",
    },
}
DEFAULT_TYPED = {"principal", "admitting", "external-first", "external", "reason-for-visit"}


def money(value: float) -> Json:
    return {"value": value, "system": "urn:iso:std:iso:4217", "code": "USD"}


def care_team(claim: Record) -> tuple[list[Json], dict[str, int]]:
    """Operating (assist), other operating (other), attending and rendering (primary), from 2."""
    members: list[Json] = []
    seq_of: dict[str, int] = {}

    def add(npi: str | None, role: str) -> None:
        if npi and (role != "primary" or npi not in seq_of):
            seq = len(members) + 2  # BFD v1 numbers institutional careTeam from 2
            members.append(
                {
                    "sequence": seq,
                    "provider": {"identifier": npi_identifier(npi)},
                    "role": concept(CARE_TEAM_ROLE, role),
                }
            )
            seq_of.setdefault(npi, seq)

    add(claim.get("op_physn_npi"), "assist")
    add(claim.get("ot_physn_npi"), "other")
    add(claim.get("at_physn_npi"), "primary")
    for line in claim["lines"]:
        add(line.get("rndrng_physn_npi"), "primary")
    return members, seq_of


def hospitalization(claim: Record) -> Json | None:
    ctype = claim["claim_type"]
    if ctype in ("inpatient", "snf"):
        return period(claim["clm_admsn_dt"], claim["nch_bene_dschrg_dt"])
    if ctype == "hospice":
        return {
            "extension": [ext_quantity("bene_hospc_prd_cnt", claim["bene_hospc_prd_cnt"])],
            **period(claim["clm_hospc_start_dt_id"], claim.get("nch_bene_dschrg_dt")),
        }
    if ctype == "hha":
        return period(claim["clm_admsn_dt"])
    return None


def item(line: Record, ctype: str, team: dict[str, int]) -> Json:
    ndc_qty = None
    if line.get("rev_cntr_ndc_qty") is not None:
        unit = {"unit": line["ndc_unit"]} if line.get("ndc_unit") else {}
        ndc_qty = ext_quantity(
            "rev_cntr_ndc_qty",
            line["rev_cntr_ndc_qty"],
            **unit,
            system=UCUM,
            code=line["rev_cntr_ndc_qty_qlfr_cd"],
        )
    service_ext = None
    if ctype == "outpatient" and line.get("rev_cntr_ide_ndc_upc_num"):
        service_ext = [
            {
                "url": var("rev_cntr_ide_ndc_upc_num"),
                "valueCoding": {
                    "system": var("rev_cntr_ide_ndc_upc_num"),
                    "code": line["rev_cntr_ide_ndc_upc_num"],
                },
            }
        ]
    return {
        "extension": [ndc_qty],
        "sequence": line["clm_line_num"],
        "careTeamLinkId": [team[line["rndrng_physn_npi"]]]
        if line.get("rndrng_physn_npi")
        else None,
        "revenue": {
            "extension": [ext_coding(c, line[c]) for c in REVENUE_EXTENSIONS[ctype] if line.get(c)],
            "coding": [coding("rev_cntr", line["rev_cntr"])],
        },
        "service": {
            "extension": service_ext,
            "coding": [{"system": HCPCS, "code": line["hcpcs_cd"]}],
        }
        if line.get("hcpcs_cd")
        else None,
        "modifier": [{"coding": [{"system": HCPCS, "code": m}]} for m in line.get("mdfr", [])],
        "servicedDate": line.get("rev_cntr_dt") if ctype in DATED_LINE_TYPES else None,
        "locationAddress": {"state": line["prvdr_state_cd"]},
        "quantity": {"value": line["rev_cntr_unit_cnt"]},
        "adjudication": [adjudication(c, line) for c in ADJUDICATIONS[ctype]],
    }


def procedures(claim: Record) -> list[Json]:
    out = []
    for i, px in enumerate(claim.get("procedures", [])):
        system = ICD9_CM if px["vrsn"] == "9" else ICD10_SID
        out.append(
            {
                "sequence": i + 1,
                "date": px["date"] + "T00:00:00+00:00",
                "procedureCodeableConcept": {"coding": [coding(system, px["code"])]},
            }
        )
    return out


def benefit_balance(claim: Record) -> list[Json]:
    financial = [
        {"type": {"coding": [bb_category("benefit-balance", c)]}, "usedUnsignedInt": claim[c]}
        for c in BENEFITS[claim["claim_type"]]
        if claim.get(c) is not None
    ]
    if not financial:
        return []
    category = {"coding": [coding("http://hl7.org/fhir/benefit-category", "medical")]}
    return [{"category": category, "financial": financial}]


def institutional(claim: Record, bene: Record) -> Json:
    ctype = claim["claim_type"]
    env = envelope(claim, bene)
    env["type"]["coding"].append(
        coding("clm_srvc_clsfctn_type_cd", claim["clm_srvc_clsfctn_type_cd"])
    )
    members, team = care_team(claim)
    organization = {
        "identifier": {"system": NPI, "value": claim["org_npi_num"]},
        "display": claim["org_name"],
    }
    dx = diagnoses(
        claim,
        TYPED_DIAGNOSES.get(ctype, DEFAULT_TYPED),
        first_seq=2 if claim.get("clm_drg_cd") else 1,
    )
    if claim.get("clm_drg_cd"):
        dx.insert(
            0,
            {
                "sequence": 1,
                "packageCode": {
                    "coding": [{"system": var("clm_drg_cd"), "code": claim["clm_drg_cd"]}]
                },
            },
        )
    query = (
        [ext_coding("claim_query_cd", claim["claim_query_cd"])]
        if ctype in QUERY_CODE_TYPES
        else None
    )
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "extension": extensions(EXTENSIONS[ctype], claim, money),
            "identifier": env["identifier"],
            "status": "active",
            "type": env["type"],
            "patient": env["patient"],
            "billablePeriod": {
                "extension": query,
                **period(claim["clm_from_dt"], claim["clm_thru_dt"]),
            },
            "provider": {"identifier": {"system": var("prvdr_num"), "value": claim["prvdr_num"]}},
            "organization": organization,
            "facility": {
                "extension": [ext_coding("clm_fac_type_cd", claim["clm_fac_type_cd"])],
                **organization,
            },
            "information": numbered_information(INFORMATION[ctype], claim),
            "careTeam": members,
            "diagnosis": dx,
            "procedure": procedures(claim),
            "insurance": {"coverage": {"reference": env["coverage"]}},
            "hospitalization": hospitalization(claim),
            "item": [item(line, ctype, team) for line in claim["lines"]],
            "totalCost": money(claim["clm_tot_chrg_amt"]),
            "payment": {"amount": money(claim["clm_pmt_amt"])},
            "benefitBalance": benefit_balance(claim),
        }
    )
