"""Synthetic carrier and DME claim records (RIF-like columns; all values invented).

Each builder takes what a biller submits plus the allowed amounts, and fills the columns every
such claim has; part_b_cost_sharing then derives deductible, coinsurance and payments.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ids import npi

from full_coding import pad_partb

Record = dict[str, Any]


def _finish(claim: Record) -> Record:
    """Claim dates from its lines, and BFD's load time. Cost sharing comes later, across claims."""
    lines = claim["lines"]
    if claim.pop("full_coding", False):
        pad_partb(claim)
    claim["clm_from_dt"] = min(line["line_1st_expns_dt"] for line in lines)
    claim["clm_thru_dt"] = max(line["line_last_expns_dt"] for line in lines)
    claim.setdefault("last_updated", stamp(claim["nch_wkly_proc_dt"], claim["clm_id"]))
    return claim


def stamp(processed: str, seed: str) -> str:
    """A BFD-like load time: a few days after the weekly processing date, early morning."""
    day = date.fromisoformat(processed) + timedelta(days=3 + int(seed[-1]) % 4)
    minute, second, milli = int(seed[-4:-2]) % 60, int(seed[-2:]) % 60, int(seed[-3:])
    offset = "-04:00" if 3 <= day.month <= 10 else "-05:00"
    return f"{day.isoformat()}T03:{minute:02d}:{second:02d}.{milli:03d}{offset}"


def carrier(**claim: Any) -> Record:
    claim.setdefault("claim_type", "carrier")
    claim.setdefault("nch_clm_type_cd", "71")
    claim.setdefault("nch_near_line_rec_ident_cd", "O")
    claim.setdefault("carr_clm_pmt_dnl_cd", "1")
    claim.setdefault("asgmntcd", "A")
    claim.setdefault("clm_clncl_tril_num", "0")
    claim.setdefault("carr_clm_entry_cd", "1")
    claim.setdefault("clm_disp_cd", "1")
    for line in claim["lines"]:
        line.setdefault("line_pmt_80_100_cd", "0")
        line.setdefault("line_prcsg_ind_cd", "A")
        line.setdefault("carr_line_rdcd_pmt_phys_astn_c", "0")
        line.setdefault("line_service_deductible", "0")
        line.setdefault("carr_line_prvdr_type_cd", "0")
        line.setdefault("prtcptng_ind_cd", "1")
        line.setdefault("carr_line_mtus_cd", "3")
        line.setdefault("line_bene_prmry_pyr_cd", None)
    return _finish(claim)


def dme(**claim: Any) -> Record:
    claim.setdefault("claim_type", "dme")
    claim.setdefault("nch_clm_type_cd", "82")
    claim.setdefault("nch_near_line_rec_ident_cd", "M")
    claim.setdefault("carr_clm_pmt_dnl_cd", "1")
    claim.setdefault("asgmntcd", "A")
    claim.setdefault("clm_clncl_tril_num", "0")
    claim.setdefault("carr_clm_entry_cd", "1")
    claim.setdefault("clm_disp_cd", "01")
    for line in claim["lines"]:
        line.setdefault("line_pmt_80_100_cd", "0")
        line.setdefault("line_prcsg_ind_cd", "A")
        line.setdefault("line_service_deductible", "0")
        line.setdefault("prtcptng_ind_cd", "1")
        line.setdefault("dmerc_line_mtus_cd", "3")
        line.setdefault("dmerc_line_scrn_svgs_amt", 0.0)
        line.setdefault("dmerc_line_supplr_type_cd", "3")
        line.setdefault("line_bene_prmry_pyr_cd", None)
        line["line_prmry_alowd_chrg_amt"] = line["line_alowd_chrg_amt"]
    return _finish(claim)


# Providers (NPIs carry a valid Luhn check digit).
DR_ADEYEMI = npi("148932015")  # internal medicine, Columbus OH
DR_HALVORSEN = npi("160483927")  # cardiology
DR_MBEKI = npi("119375402")  # orthopedic surgery
DR_ESPARZA = npi("173029486")  # family practice, Tucson AZ
DR_NAKASHIMA = npi("125804713")  # ophthalmology
LAB_NPI = npi("134601298")
NP_OKAFOR = npi("170936425")  # family nurse practitioner, Tucson AZ
CLINIC_OH = npi("187263540")
CLINIC_AZ = npi("158037214")
SUPPLIER_OH = npi("190472635")
SUPPLIER_AZ = npi("142750368")
