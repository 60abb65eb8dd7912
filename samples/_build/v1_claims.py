"""v1 (STU3) ExplanationOfBenefit writer, table-driven per claim type.

Tables list, in BFD's emission order, which claim columns become which kind of element; the
functions below only know how each kind is spelled in STU3.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir_bits import (
    CODESYSTEM,
    HCPCS,
    ICD9_CM,
    ICD10_SID,
    NDC,
    NPI,
    NUBC_ADMIT,
    UCUM,
    Json,
    bb_category,
    coding,
    compact,
    concept,
    ext_coding,
    ext_identifier,
    ext_quantity,
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

# Claim-level extensions: (kind, column).
PARTB_EXTENSIONS = [
    ("money", "prpayamt"),
    ("identifier", "carr_num"),
    ("identifier", "carr_clm_cntl_num"),
    ("coding", "carr_clm_pmt_dnl_cd"),
    ("coding", "asgmntcd"),
    ("identifier", "clm_clncl_tril_num"),
    ("money", "carr_clm_cash_ddctbl_apld_amt"),
    ("money", "nch_clm_prvdr_pmt_amt"),
    ("money", "nch_clm_bene_pmt_amt"),
    ("money", "nch_carr_clm_sbmtd_chrg_amt"),
    ("money", "nch_carr_clm_alowd_amt"),
]
PARTB_ADJUDICATIONS = {
    "carrier": [
        "carr_line_rdcd_pmt_phys_astn_c",
        "line_nch_pmt_amt",
        "line_bene_pmt_amt",
        "line_prvdr_pmt_amt",
        "line_bene_ptb_ddctbl_amt",
        "line_bene_prmry_pyr_pd_amt",
        "line_coinsrnc_amt",
        "line_sbmtd_chrg_amt",
        "line_alowd_chrg_amt",
        "line_prcsg_ind_cd",
    ],
    "dme": [
        "line_prmry_alowd_chrg_amt",
        "line_dme_prchs_price_amt",
        "line_nch_pmt_amt",
        "line_bene_pmt_amt",
        "line_prvdr_pmt_amt",
        "line_bene_ptb_ddctbl_amt",
        "line_bene_prmry_pyr_pd_amt",
        "line_coinsrnc_amt",
        "line_sbmtd_chrg_amt",
        "line_alowd_chrg_amt",
        "line_prcsg_ind_cd",
    ],
}
# Adjudications that carry a coded reason instead of an amount.
REASON_ADJUDICATIONS = {
    "carr_line_rdcd_pmt_phys_astn_c",
    "line_prcsg_ind_cd",
    "rev_cntr_1st_ansi_cd",
    "rev_cntr_2nd_ansi_cd",
}
PDE_INFORMATION = [
    "daw_prod_slctn_cd",
    "dspnsng_stus_cd",
    "drug_cvrg_stus_cd",
    "adjstmt_dltn_cd",
    "nstd_frmt_cd",
    "prcng_excptn_cd",
    "ctstrphc_cvrg_cd",
    "rx_orgn_cd",
    "brnd_gnrc_cd",
    "phrmcy_srvc_type_cd",
    "ptnt_rsdnc_cd",
    "submsn_clr_cd",
]
PDE_ADJUDICATIONS = [
    "cvrd_d_plan_pd_amt",
    "gdc_blw_oopt_amt",
    "gdc_abv_oopt_amt",
    "ptnt_pay_amt",
    "othr_troop_amt",
    "lics_amt",
    "plro_amt",
    "tot_rx_cst_amt",
    "rptd_gap_dscnt_num",
]


def money(value: float) -> Json:
    return {"value": value, "system": "urn:iso:std:iso:4217", "code": "USD"}


def claim_extension(kind: str, column: str, claim: Record) -> Json | None:
    value = claim.get(column)
    if value is None:
        return None
    if kind == "money":
        return {"url": var(column), "valueMoney": money(value)}
    if kind == "identifier":
        return ext_identifier(column, value)
    return ext_coding(column, value)


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
        "type": {"coding": type_codings},
        "patient": {"reference": f"Patient/{bene['bene_id']}"},
        "coverage": f"Coverage/part-{COVERAGE_PART[ctype]}-{bene['bene_id']}",
    }


def partb(claim: Record, bene: Record) -> Json:
    """Carrier and DME claims (Part B, processed by carriers / DME MACs)."""
    ctype = claim["claim_type"]
    env = envelope(claim, bene)
    referral_id = contained_id(claim, "referral")
    referrer = {
        "identifier": npi_identifier(claim["rfr_physn_npi"]),
        "display": claim.get("rfr_physn_name"),
    }
    contained: list[Json] = [
        {
            "resourceType": "ReferralRequest",
            "id": referral_id,
            "status": "completed",
            "subject": env["patient"],
            "requester": {"agent": referrer},
            "recipient": [referrer],
        }
    ]
    care_team: list[Json] = []
    team_seq: dict[str, int] = {}
    items = []
    for line in claim["lines"]:
        performer = line.get("prf_physn_npi") or line["prvdr_npi"]
        if performer not in team_seq:
            team_seq[performer] = len(care_team) + 2  # BFD v1 numbers this careTeam from 2
            care_team.append(partb_care_member(line, team_seq[performer], ctype))
        obs_ref = None
        if line.get("line_hct_hgb_rslt_num") is not None:
            obs_id = contained_id(claim, f"observation-{line['line_num']}")
            obs_ref = "#" + obs_id
            contained.append(
                {
                    "resourceType": "Observation",
                    "id": obs_id,
                    "status": "unknown",
                    "code": concept("line_hct_hgb_type_cd", line["line_hct_hgb_type_cd"]),
                    "valueQuantity": {"value": line["line_hct_hgb_rslt_num"]},
                }
            )
        items.append(partb_item(line, ctype, team_seq[performer], obs_ref))
    exts = [claim_extension(kind, col, claim) for kind, col in PARTB_EXTENSIONS]
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "contained": contained,
            "extension": [e for e in exts if e],
            "identifier": [
                {"system": var("clm_id"), "value": claim["clm_id"]},
                {
                    "system": "https://bluebutton.cms.gov/resources/identifier/claim-group",
                    "value": claim["clm_grp_id"],
                },
            ],
            "status": "active",
            "type": env["type"],
            "patient": env["patient"],
            "billablePeriod": period(claim["clm_from_dt"], claim["clm_thru_dt"]),
            "referral": {"reference": "#" + referral_id},
            "disposition": claim["clm_disp_cd"],
            "information": [information(1, "nch_wkly_proc_dt", claim)],
            "careTeam": care_team,
            "diagnosis": diagnoses(claim, typed_kinds={"principal"}),
            "insurance": {"coverage": {"reference": env["coverage"]}},
            "item": items,
            "payment": {"amount": money(claim["clm_pmt_amt"])},
        }
    )


def partb_care_member(line: Record, seq: int, ctype: str) -> Json:
    exts = [ext_coding("prtcptng_ind_cd", line["prtcptng_ind_cd"])]
    if ctype == "carrier":
        exts.insert(0, ext_coding("carr_line_prvdr_type_cd", line["carr_line_prvdr_type_cd"]))
        org = {"system": NPI, "code": line["org_npi_num"], "display": line["org_name"]}
        exts.append({"url": NPI, "valueCoding": org})
        provider = {"identifier": npi_identifier(line["prf_physn_npi"])}
    else:
        provider = {"identifier": npi_identifier(line["prvdr_npi"]), "display": line["prvdr_name"]}
    return {
        "extension": exts,
        "sequence": seq,
        "provider": provider,
        "responsible": True,
        "role": concept(CARE_TEAM_ROLE, "primary"),
        "qualification": concept("prvdr_spclty", line["prvdr_spclty"]),
    }


def partb_item(line: Record, ctype: str, team_seq: int, obs_ref: str | None) -> Json:
    if ctype == "carrier":
        exts = [
            ext_coding("carr_line_mtus_cd", line["carr_line_mtus_cd"]),
            ext_quantity("carr_line_mtus_cnt", line["carr_line_mtus_cnt"]),
        ]
        location_exts = [
            ext_coding("prvdr_state_cd", line["prvdr_state_cd"]),
            ext_coding("prvdr_zip", line["prvdr_zip"]),
            ext_coding("carr_line_prcng_lclty_cd", line["carr_line_prcng_lclty_cd"]),
            ext_identifier("carr_line_clia_lab_num", line["carr_line_clia_lab_num"])
            if line.get("carr_line_clia_lab_num")
            else None,
        ]
    else:
        mtus = {
            "unit": "Number of services",
            "system": var("dmerc_line_mtus_cd"),
            "code": line["dmerc_line_mtus_cd"],
        }
        exts = [
            ext_identifier("suplrnum", line["suplrnum"]),
            ext_quantity("dmerc_line_scrn_svgs_amt", line["dmerc_line_scrn_svgs_amt"]),
            ext_quantity("dmerc_line_mtus_cnt", line["dmerc_line_mtus_cnt"], **mtus),
        ]
        location_exts = [
            ext_coding("prvdr_state_cd", line["prvdr_state_cd"]),
            ext_coding("dmerc_line_prcng_state_cd", line["dmerc_line_prcng_state_cd"]),
            ext_coding("dmerc_line_supplr_type_cd", line["dmerc_line_supplr_type_cd"]),
        ]
    exts += [
        ext_coding("betos_cd", line["betos_cd"]),
        ext_coding("line_bene_prmry_pyr_cd", line["line_bene_prmry_pyr_cd"])
        if line["line_bene_prmry_pyr_cd"]
        else None,
        ext_coding("line_service_deductible", line["line_service_deductible"]),
        {"url": var("line_hct_hgb_rslt_num"), "valueReference": {"reference": obs_ref}}
        if obs_ref
        else None,
        {"url": NDC, "valueCoding": coding(NDC, line["line_ndc_cd"])}
        if line.get("line_ndc_cd")
        else None,
    ]
    hcpcs = {"system": HCPCS, "version": line["hcpcs_yr"]}
    adjudications = []
    for column in PARTB_ADJUDICATIONS[ctype]:
        extra = (
            [ext_coding("line_pmt_80_100_cd", line["line_pmt_80_100_cd"])]
            if column == "line_nch_pmt_amt"
            else None
        )
        adjudications.append(adjudication(column, line, extra))
    return {
        "extension": exts,
        "sequence": line["line_num"],
        "careTeamLinkId": [team_seq],
        "diagnosisLinkId": [line["dx"]],
        "category": concept("line_cms_type_srvc_cd", line["line_cms_type_srvc_cd"]),
        "service": {"coding": [hcpcs | {"code": line["hcpcs_cd"]}]},
        "modifier": [{"coding": [hcpcs | {"code": m}]} for m in line["mdfr"]],
        "servicedPeriod": period(line["line_1st_expns_dt"], line["line_last_expns_dt"]),
        "locationCodeableConcept": {
            "extension": location_exts,
            "coding": [coding("line_place_of_srvc_cd", line["line_place_of_srvc_cd"])],
        },
        "quantity": {"value": line["line_srvc_cnt"]},
        "adjudication": adjudications,
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


def pde(claim: Record, bene: Record) -> Json:
    env = envelope(claim, bene)
    pharmacy = {
        "type": {
            "coding": [{"system": NPI, "code": "NPI", "display": "National Provider Identifier"}]
        },
        "system": NPI,
        "value": claim["srvc_prvdr_id"],
    }
    line = claim
    adjudications = []
    for column in PDE_ADJUDICATIONS:
        adj = adjudication(column, line)
        if adj and column == "cvrd_d_plan_pd_amt":
            adj = {
                "category": adj["category"],
                "reason": concept("drug_cvrg_stus_cd", claim["drug_cvrg_stus_cd"]),
                "amount": adj["amount"],
            }
        adjudications.append(adj)
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "identifier": [
                {"system": var("pde_id"), "value": claim["pde_id"]},
                {
                    "system": "https://bluebutton.cms.gov/resources/identifier/claim-group",
                    "value": claim["clm_grp_id"],
                },
                {"system": var("rx_srvc_rfrnc_num"), "value": claim["rx_srvc_rfrnc_num"]},
            ],
            "status": "active",
            "type": env["type"],
            "patient": env["patient"],
            "billablePeriod": period(claim["srvc_dt"], claim["srvc_dt"]),
            "organization": {"identifier": pharmacy, "display": claim["pharmacy_name"]},
            "facility": {
                "extension": [ext_coding("phrmcy_srvc_type_cd", claim["phrmcy_srvc_type_cd"])],
                "identifier": pharmacy,
                "display": claim["pharmacy_name"],
            },
            "information": numbered_information(PDE_INFORMATION, claim),
            "careTeam": [
                {
                    "sequence": 2,
                    "provider": {
                        "identifier": npi_identifier(claim["prscrbr_id"]),
                        "display": claim["prscrbr_name"],
                    },
                    "role": concept(CARE_TEAM_ROLE, "primary"),
                }
            ],
            "insurance": {
                "coverage": {
                    "extension": [
                        ext_identifier("plan_cntrct_rec_id", claim["plan_cntrct_rec_id"]),
                        ext_identifier("plan_pbp_rec_num", claim["plan_pbp_rec_num"]),
                    ],
                    "reference": env["coverage"],
                }
            },
            "item": [
                {
                    "sequence": 1,
                    "careTeamLinkId": [2],
                    "service": {"coding": [coding(NDC, claim["prod_srvc_id"])]},
                    "servicedDate": claim["srvc_dt"],
                    "quantity": {
                        "extension": [
                            ext_quantity("fill_num", claim["fill_num"]),
                            ext_quantity("days_suply_num", claim["days_suply_num"]),
                        ],
                        "value": claim["qty_dspnsd_num"],
                    },
                    "adjudication": adjudications,
                    "detail": [{"type": concept("http://hl7.org/fhir/v3/ActCode", "RXDINV")}],
                }
            ],
            "payment": {"date": claim["pd_dt"]},
        }
    )
