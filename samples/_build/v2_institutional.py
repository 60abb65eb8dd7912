"""v2 (R4 / CARIN) institutional claims: inpatient, outpatient, SNF, hospice and home health.

The facility becomes a contained C4BB-Organization, most claim-level amounts move into
benefitBalance, information becomes supportingInfo (with the DRG and the admission period), and
revenue lines carry CARIN adjudication categories, NUBC revenue codings and UCUM modifiers.
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    HCPCS,
    NDC,
    NPI,
    NUBC_REVENUE,
    NUCC,
    UCUM,
    Json,
    coding,
    compact,
    concept,
    ext_coding,
    ext_quantity,
    extensions,
    period,
    var,
)
from v2_claims import (
    C4BB_CS,
    C4BB_SD,
    THO,
    SupportingInfo,
    adjudication,
    bb_category,
    benefit_balance,
    diagnoses,
    envelope,
    money,
    npi_identifier,
    procedures,
)

Record = dict[str, Any]

_HEAD = [("coding", "nch_near_line_rec_ident_cd")]
_TAIL = [
    ("identifier", "fi_doc_clm_cntl_num"),
    ("date", "fi_clm_proc_dt"),
    ("coding", "clm_mdcr_non_pmt_rsn_cd"),
    ("coding", "clm_srvc_clsfctn_type_cd"),
    ("coding", "fi_num"),
]
EXTENSIONS: dict[str, list[tuple[str, str]]] = {
    "inpatient": [
        *_HEAD,
        ("coding", "fi_clm_actn_cd"),
        ("money", "ime_op_clm_val_amt"),
        ("money", "clm_uncompd_care_pmt_amt"),
        ("money", "dsh_op_clm_val_amt"),
        *_TAIL,
    ],
    "snf": [*_HEAD, ("coding", "fi_clm_actn_cd"), *_TAIL],
    "outpatient": _HEAD + _TAIL,
    "hha": _HEAD + _TAIL,
    "hospice": _HEAD + _TAIL + [("quantity", "bene_hospc_prd_cnt")],
}
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
_DAYS = ["clm_utlztn_day_cnt", "bene_tot_coinsrnc_days_cnt", "clm_non_utlztn_days_cnt"]
BENEFITS = {
    "inpatient": [
        "clm_pass_thru_per_diem_amt",
        "nch_profnl_cmpnt_chrg_amt",
        "clm_tot_pps_cptl_amt",
        "bene_tot_coinsrnc_days_cnt",
        "clm_non_utlztn_days_cnt",
        *_PPS,
        "nch_drg_outlier_aprvd_pmt_amt",
        "nch_bene_blood_ddctbl_lblty_am",
        "prpayamt",
        "clm_utlztn_day_cnt",
        "clm_pps_cptl_drg_wt_num",
        "bene_lrd_used_cnt",
    ],
    "snf": [*_DAYS, *_PPS, "nch_bene_blood_ddctbl_lblty_am", "prpayamt"],
    "outpatient": [
        "nch_profnl_cmpnt_chrg_amt",
        "nch_bene_ptb_ddctbl_amt",
        "nch_bene_ptb_coinsrnc_amt",
        "clm_op_prvdr_pmt_amt",
        "clm_op_bene_pmt_amt",
        "nch_bene_blood_ddctbl_lblty_am",
        "prpayamt",
    ],
    "hospice": ["clm_utlztn_day_cnt", "prpayamt"],
    "hha": ["prpayamt"],
}
ADMISSION = "@admissionperiod"
SUPPORTING_INFO = {
    "inpatient": [
        "nch_ptnt_stus_ind_cd",
        ADMISSION,
        "clm_ip_admsn_type_cd",
        "clm_src_ip_admsn_cd",
        "nch_vrfd_ncvrd_stay_from_dt",
        "nch_bene_mdcr_bnfts_exhtd_dt_i",
        "clm_drg_cd",
        "nch_blood_pnts_frnshd_qty",
        "clm_mco_pd_sw",
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
        "nch_wkly_proc_dt",
    ],
    "snf": [
        "nch_wkly_proc_dt",
        "clm_ip_admsn_type_cd",
        "clm_src_ip_admsn_cd",
        "nch_vrfd_ncvrd_stay_from_dt",
        "nch_bene_mdcr_bnfts_exhtd_dt_i",
        "clm_drg_cd",
        "nch_ptnt_stus_ind_cd",
        ADMISSION,
        "nch_qlfyd_stay_from_dt",
        "clm_pps_ind_cd",
        "nch_blood_pnts_frnshd_qty",
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
        ADMISSION,
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
    ],
    "hha": [
        "nch_wkly_proc_dt",
        "clm_freq_cd",
        "ptnt_dschrg_stus_cd",
        "nch_prmry_pyr_cd",
        "clm_pps_ind_cd",
        "clm_hha_lupa_ind_cd",
        "clm_hha_rfrl_cd",
        "clm_hha_tot_visit_cnt",
        ADMISSION,
    ],
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
    "outpatient": ["rev_cntr_1st_ansi_cd", "rev_cntr_2nd_ansi_cd", *_CHARGES, *_OP_PAYMENTS],
    "hospice": [
        *_CHARGES,
        "rev_cntr_prvdr_pmt_amt",
        "rev_cntr_bene_pmt_amt",
        "rev_cntr_pmt_amt_amt",
    ],
    "hha": ["rev_cntr_1st_ansi_cd", *_CHARGES, "rev_cntr_pmt_amt_amt"],
}
STATUS_INDICATOR_TYPES = {"outpatient", "hha"}
# Claim types whose revenue coding repeats the deductible/coinsurance code (also as a NUBC coding).
DEDUCTIBLE_CODE_TYPES = {"inpatient", "snf", "hospice", "hha"}
ROLE = C4BB_CS + "C4BBClaimCareTeamRole"
NO_PRODUCT = {
    "system": THO + "data-absent-reason",
    "code": "not-applicable",
    "display": "Not Applicable",
}
UPIN = {
    "system": THO + "v2-0203",
    "code": "UPIN",
    "display": "Medicare/CMS (formerly HCFA)'s Universal Physician Identification numbers",
}


class CareTeam:
    def __init__(self, claim: Record) -> None:
        self.members: list[Json] = []
        self.taxonomy = claim.get("taxonomies", {})
        self.seq_of: dict[tuple[str, str], int] = {}

    def add(self, role: str, value: str | None, *, upin: bool = False) -> int | None:
        if not value:
            return None
        key = (role, value)
        if key not in self.seq_of:
            self.seq_of[key] = len(self.members) + 1
            identifier = (
                {"type": {"coding": [UPIN]}, "value": value} if upin else npi_identifier(value)
            )
            taxonomy = None if upin else self.taxonomy.get(value)
            self.members.append(
                {
                    "sequence": self.seq_of[key],
                    "provider": {"identifier": identifier},
                    "role": concept(ROLE, role),
                    "qualification": concept(NUCC, taxonomy) if taxonomy else None,
                }
            )
        return self.seq_of[key]


def admission_period(claim: Record) -> Json:
    ctype = claim["claim_type"]
    if ctype == "hospice":
        return period(claim["clm_hospc_start_dt_id"], claim.get("nch_bene_dschrg_dt"))
    if ctype == "hha":
        return period(claim["clm_admsn_dt"])
    return period(claim["clm_admsn_dt"], claim["nch_bene_dschrg_dt"])


def item(line: Record, ctype: str, team: list[int]) -> Json:
    revenue_codings = [coding("rev_cntr", line["rev_cntr"])]
    if ctype in DEDUCTIBLE_CODE_TYPES and line.get("rev_cntr_ddctbl_coinsrnc_cd"):
        code = line["rev_cntr_ddctbl_coinsrnc_cd"]
        # BFD v2 also files the deductible/coinsurance code under the NUBC revenue code system.
        revenue_codings += [
            {"system": NUBC_REVENUE, "code": code},
            coding("rev_cntr_ddctbl_coinsrnc_cd", code),
        ]
    status = (
        [ext_coding("rev_cntr_stus_ind_cd", line["rev_cntr_stus_ind_cd"])]
        if ctype in STATUS_INDICATOR_TYPES and line.get("rev_cntr_stus_ind_cd")
        else None
    )
    products = []
    if line.get("hcpcs_cd"):
        if ctype == "inpatient":
            products.append({"system": var("hcpcs_cd"), "code": line["hcpcs_cd"]})
        products.append({"system": HCPCS, "code": line["hcpcs_cd"]})
    ndc = line.get("rev_cntr_ide_ndc_upc_num") if ctype == "outpatient" else None
    modifiers = [{"coding": [{"system": HCPCS, "code": m}]} for m in line.get("mdfr", [])]
    if line.get("rev_cntr_ndc_qty") is not None:
        unit = {"system": UCUM, "code": line["rev_cntr_ndc_qty_qlfr_cd"]}
        if line.get("ndc_unit"):
            unit["display"] = line["ndc_unit"]
        modifiers.append({"coding": [unit]})
    quantity = (
        line["rev_cntr_ndc_qty"]
        if line.get("rev_cntr_ndc_qty") is not None
        else line["rev_cntr_unit_cnt"]
    )
    return {
        "extension": [ext_quantity("rev_cntr_unit_cnt", line["rev_cntr_unit_cnt"])]
        if line["rev_cntr_unit_cnt"]
        else None,
        "sequence": line["clm_line_num"],
        "careTeamSequence": team,
        "revenue": {"extension": status, "coding": revenue_codings},
        "productOrService": {
            "extension": [{"url": NDC, "valueCoding": coding(NDC, ndc)}] if ndc else None,
            # R4 requires productOrService; a revenue line without HCPCS says why it has none.
            "coding": products or [NO_PRODUCT],
        },
        "modifier": modifiers,
        "servicedDate": line.get("rev_cntr_dt")
        if ctype in ("outpatient", "hospice", "hha")
        else None,
        "locationAddress": {"state": line["prvdr_state_cd"]},
        "quantity": {"value": quantity},
        "adjudication": [adjudication(c, line) for c in ADJUDICATIONS[ctype]],
    }


def institutional(claim: Record, bene: Record) -> Json:
    ctype = claim["claim_type"]
    env = envelope(claim, bene)
    team = CareTeam(claim)
    team.add("attending", claim.get("at_physn_npi"))
    team.add("operating", claim.get("op_physn_npi"))
    team.add("otheroperating", claim.get("ot_physn_npi"))
    items = []
    for line in claim["lines"]:
        seqs = [
            team.add("performing", line.get("rndrng_physn_upin"), upin=True),
            team.add("performing", line.get("rndrng_physn_npi")),
        ]
        items.append(item(line, ctype, [s for s in seqs if s]))
    info = SupportingInfo()
    for column in SUPPORTING_INFO[ctype]:
        if column == ADMISSION:
            info.category("admissionperiod", timingPeriod=admission_period(claim))
        else:
            info.column(column, claim)
    organization = {
        "resourceType": "Organization",
        "id": "provider-org",
        "meta": {"profile": [C4BB_SD + "C4BB-Organization"]},
        "identifier": [
            {
                "type": {"coding": [{"system": THO + "v2-0203", "code": "PRN"}]},
                "value": claim["prvdr_num"],
            },
            {
                "type": {"coding": [{"system": C4BB_CS + "C4BBIdentifierType", "code": "npi"}]},
                "system": NPI,
                "value": claim["org_npi_num"],
            },
        ],
        "active": True,
        "name": claim["org_name"],
    }
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "contained": [organization],
            "extension": extensions(EXTENSIONS[ctype], claim, money),
            "identifier": env["identifier"],
            "status": env["status"],
            "type": env["type"],
            "subType": env["subType"],
            "use": env["use"],
            "patient": env["patient"],
            "billablePeriod": {
                "extension": [ext_coding("claim_query_cd", claim["claim_query_cd"])],
                **period(claim["clm_from_dt"], claim["clm_thru_dt"]),
            },
            "created": env["created"],
            "insurer": env["insurer"],
            "provider": {"reference": "#provider-org"},
            "facility": {"extension": [ext_coding("clm_fac_type_cd", claim["clm_fac_type_cd"])]},
            "outcome": env["outcome"],
            "careTeam": team.members,
            "supportingInfo": info.items,
            "diagnosis": diagnoses(claim),
            "procedure": procedures(claim),
            "insurance": env["insurance"],
            "item": items,
            "total": [
                {
                    "category": {
                        "coding": [
                            coding(THO + "adjudication", "submitted"),
                            bb_category("adjudication", "clm_tot_chrg_amt"),
                        ]
                    },
                    "amount": money(claim["clm_tot_chrg_amt"]),
                }
            ],
            "payment": {"amount": money(claim["clm_pmt_amt"])},
            "benefitBalance": benefit_balance(BENEFITS[ctype], claim),
        }
    )
