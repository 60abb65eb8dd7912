"""v1 (STU3) carrier and DME claims (Part B, processed by carriers and DME MACs).

The referral is a contained ReferralRequest, hematocrit/hemoglobin results are contained
Observations, each performing provider is a ``primary`` careTeam member numbered from 2, and
claim totals are Money extensions.
"""

from __future__ import annotations

from typing import Any

from fhir_bits import (
    HCPCS,
    NPI,
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
from v1_claims import (
    CARE_TEAM_ROLE,
    adjudication,
    contained_id,
    diagnoses,
    envelope,
    information,
    money,
    npi_identifier,
)

Record = dict[str, Any]

CLAIM_EXTENSIONS = [
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
# Line extensions; "line_hct_hgb_rslt_num" is a reference to the contained Observation.
_LINE_TAIL = [
    ("coding", "betos_cd"),
    ("coding", "line_bene_prmry_pyr_cd"),
    ("coding", "line_service_deductible"),
    ("reference", "line_hct_hgb_rslt_num"),
    ("ndc", "line_ndc_cd"),
]
LINE_EXTENSIONS = {
    "carrier": [("coding", "carr_line_mtus_cd"), ("quantity", "carr_line_mtus_cnt"), *_LINE_TAIL],
    "dme": [
        ("identifier", "suplrnum"),
        ("quantity", "dmerc_line_scrn_svgs_amt"),
        ("mtus", "dmerc_line_mtus_cnt"),
        *_LINE_TAIL,
    ],
}
LOCATION_EXTENSIONS = {
    "carrier": [
        ("coding", "prvdr_state_cd"),
        ("coding", "prvdr_zip"),
        ("coding", "carr_line_prcng_lclty_cd"),
        ("identifier", "carr_line_clia_lab_num"),
    ],
    "dme": [
        ("coding", "prvdr_state_cd"),
        ("coding", "dmerc_line_prcng_state_cd"),
        ("coding", "dmerc_line_supplr_type_cd"),
    ],
}
_SHARED_ADJUDICATIONS = [
    "line_nch_pmt_amt",
    "line_bene_pmt_amt",
    "line_prvdr_pmt_amt",
    "line_bene_ptb_ddctbl_amt",
    "line_bene_prmry_pyr_pd_amt",
    "line_coinsrnc_amt",
    "line_sbmtd_chrg_amt",
    "line_alowd_chrg_amt",
    "line_prcsg_ind_cd",
]
ADJUDICATIONS = {
    "carrier": ["carr_line_rdcd_pmt_phys_astn_c", *_SHARED_ADJUDICATIONS],
    "dme": ["line_prmry_alowd_chrg_amt", "line_dme_prchs_price_amt", *_SHARED_ADJUDICATIONS],
}


def dme_mtus(line: Record) -> Json:
    """DME units: the count with its unit code as the Quantity's system and code."""
    unit = {
        "unit": "Number of services",
        "system": var("dmerc_line_mtus_cd"),
        "code": line["dmerc_line_mtus_cd"],
    }
    return ext_quantity("dmerc_line_mtus_cnt", line["dmerc_line_mtus_cnt"], **unit)


def line_extensions(line: Record, ctype: str, obs_ref: str | None) -> list[Json]:
    record = {**line, "line_hct_hgb_rslt_num": obs_ref}
    table = LINE_EXTENSIONS[ctype]
    out = []
    for kind, column in table:
        if kind == "mtus":
            out.append(dme_mtus(line))
        else:
            out += extensions([(kind, column)], record, money)
    return out


def partb(claim: Record, bene: Record) -> Json:
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
            care_team.append(care_member(line, team_seq[performer], ctype))
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
        items.append(item(line, ctype, team_seq[performer], obs_ref))
    return compact(
        {
            "resourceType": env["resourceType"],
            "id": env["id"],
            "meta": env["meta"],
            "contained": contained,
            "extension": extensions(CLAIM_EXTENSIONS, claim, money),
            "identifier": env["identifier"],
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


def care_member(line: Record, seq: int, ctype: str) -> Json:
    exts = [ext_coding("prtcptng_ind_cd", line["prtcptng_ind_cd"])]
    if ctype == "carrier":
        exts.insert(0, ext_coding("carr_line_prvdr_type_cd", line["carr_line_prvdr_type_cd"]))
        # The billing organization's NPI rides on the performing member as an extension.
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


def item(line: Record, ctype: str, team_seq: int, obs_ref: str | None) -> Json:
    hcpcs = {"system": HCPCS, "version": line["hcpcs_yr"]}
    adjudications = []
    for column in ADJUDICATIONS[ctype]:
        extra = None
        if column == "line_nch_pmt_amt":
            extra = [ext_coding("line_pmt_80_100_cd", line["line_pmt_80_100_cd"])]
        adjudications.append(adjudication(column, line, extra))
    return {
        "extension": line_extensions(line, ctype, obs_ref),
        "sequence": line["line_num"],
        "careTeamLinkId": [team_seq],
        "diagnosisLinkId": [line["dx"]],
        "category": concept("line_cms_type_srvc_cd", line["line_cms_type_srvc_cd"]),
        "service": {"coding": [hcpcs | {"code": line["hcpcs_cd"]}]},
        "modifier": [{"coding": [hcpcs | {"code": m}]} for m in line["mdfr"]],
        "servicedPeriod": period(line["line_1st_expns_dt"], line["line_last_expns_dt"]),
        "locationCodeableConcept": {
            "extension": extensions(LOCATION_EXTENSIONS[ctype], line, money),
            "coding": [coding("line_place_of_srvc_cd", line["line_place_of_srvc_cd"])],
        },
        "quantity": {"value": line["line_srvc_cnt"]},
        "adjudication": adjudications,
    }
