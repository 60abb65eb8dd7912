"""Builders for synthetic institutional claim records (inpatient, SNF, outpatient, hospice, HHA).

They fill the columns every such claim has and derive the totals from the revenue lines so the
amounts add up: total charge = sum of line charges, Part A total deduction = deductible +
coinsurance + blood deductible, PPS capital = sum of its parts, payments = sum of lines.
Outpatient cost sharing is derived later, across claims, by part_b_cost_sharing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from claims_partb import stamp
from full_coding import fill_codes, pad_coding

Record = dict[str, Any]

TYPE_CODES = {
    # claim type: (nch_clm_type_cd, near-line record, service classification, facility type)
    "inpatient": ("60", "V", "1", "1"),
    "snf": ("20", "V", "1", "2"),
    "hospice": ("50", "V", "1", "8"),
    "outpatient": ("40", "W", "3", "1"),
    "hha": ("10", "W", "2", "3"),
}
PPS_CAPITAL = (
    "clm_pps_cptl_fsp_amt",
    "clm_pps_cptl_ime_amt",
    "clm_pps_cptl_dsprprtnt_shr_amt",
    "clm_pps_cptl_outlier_amt",
    "clm_pps_cptl_excptn_amt",
    "clm_pps_old_cptl_hld_hrmls_amt",
)


def _cents(x: float) -> float:
    return round(x + 1e-9, 2)


def _sum(lines: list[Record], key: str) -> float:
    return _cents(sum(line.get(key, 0.0) for line in lines))


def dx(code: str, kind: str, poa: str | None = None, vrsn: str = "0") -> Record:
    return {"code": code, "kind": kind, "vrsn": vrsn, "poa": poa}


def px(code: str, when: str, vrsn: str = "0") -> Record:
    return {"code": code, "date": when, "vrsn": vrsn}


def _poa_variables(claim: Record) -> None:
    """Number the present-on-admission switches as BFD names them (sw1.., e_sw1.. for external)."""
    counters = {"clm_poa_ind_sw": 0, "clm_e_poa_ind_sw": 0}
    for d in claim["diagnoses"]:
        if d.get("poa"):
            prefix = "clm_e_poa_ind_sw" if d["kind"].startswith("external") else "clm_poa_ind_sw"
            counters[prefix] += 1
            d["poa_var"] = f"{prefix}{counters[prefix]}"


def institutional(claim_type: str, **claim: Any) -> Record:
    nch, near_line, classification, facility = TYPE_CODES[claim_type]
    claim.update(claim_type=claim_type, nch_clm_type_cd=nch, nch_near_line_rec_ident_cd=near_line)
    claim.setdefault("clm_srvc_clsfctn_type_cd", classification)
    claim.setdefault("clm_fac_type_cd", facility)
    claim.setdefault("clm_freq_cd", "1")
    claim.setdefault("claim_query_cd", "3")
    claim.setdefault("fi_clm_actn_cd", "1" if claim_type in ("inpatient", "snf") else None)
    claim.setdefault(
        "clm_mco_pd_sw", "0" if claim_type in ("inpatient", "snf", "outpatient") else None
    )
    claim.setdefault("prpayamt", 0.0)
    claim.setdefault("procedures", [])
    processed = date.fromisoformat(claim["nch_wkly_proc_dt"])
    claim.setdefault("fi_clm_proc_dt", (processed - timedelta(days=5)).isoformat())
    claim.setdefault("last_updated", stamp(claim["nch_wkly_proc_dt"], claim["clm_id"]))
    lines = claim["lines"]
    for line in lines:
        line.setdefault("rev_cntr_ncvrd_chrg_amt", 0.0)
        line.setdefault("rev_cntr_rate_amt", 0.0)
        line.setdefault("prvdr_state_cd", claim["prvdr_state_cd"])
    claim["clm_tot_chrg_amt"] = _sum(lines, "rev_cntr_tot_chrg_amt")
    if claim.pop("full_coding", False):
        fill_codes(claim)
        pad_coding(
            claim,
            with_procedures=claim_type in ("inpatient", "outpatient", "snf"),
            with_admitting=claim_type in ("inpatient", "snf"),
        )
    _poa_variables(claim)
    if claim_type in ("inpatient", "snf"):
        claim["nch_ip_ncvrd_chrg_amt"] = _sum(lines, "rev_cntr_ncvrd_chrg_amt")
        claim["nch_ip_tot_ddctn_amt"] = _cents(
            claim["nch_bene_ip_ddctbl_amt"]
            + claim["nch_bene_pta_coinsrnc_lblty_amt"]
            + claim["nch_bene_blood_ddctbl_lblty_am"]
        )
        claim["clm_tot_pps_cptl_amt"] = _cents(sum(claim[c] for c in PPS_CAPITAL))
    if claim_type == "hospice":
        for line in lines:
            line["rev_cntr_prvdr_pmt_amt"] = line["rev_cntr_pmt_amt_amt"]
            line.setdefault("rev_cntr_bene_pmt_amt", 0.0)
        claim["clm_pmt_amt"] = _sum(lines, "rev_cntr_pmt_amt_amt")
    if claim_type == "hha":
        claim["clm_pmt_amt"] = _sum(lines, "rev_cntr_pmt_amt_amt")
    return claim
