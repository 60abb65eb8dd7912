"""Pad one claim per institutional type to the most diagnoses and procedures BFD can send.

BFD's dictionary numbers diagnoses (``icd_dgns_cd1``..25, external ``icd_dgns_e_cd1``..12, their
versions and present-on-admission switches) and procedures (``icd_prcdr_cd1``..25,
``prcdr_dt1``..25). A claim marked ``full_coding=True`` gets every slot filled, so the comparison
tables show a sample value for each numbered variable. Codes are real ICD-10 codes chosen for
this beneficiary's story (falls, heart failure, diabetes); the list is ours, not a registry.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

Record = dict[str, Any]
MAX_OTHER = 24  # icd_dgns_cd1 is the principal, cd2..cd25 the others
MAX_EXTERNAL = 13  # fst_dgns_e_cd, then icd_dgns_e_cd1..12
MAX_EXTERNAL_POA = 12  # clm_e_poa_ind_sw1..12
MAX_PROCEDURES = 25
MAX_PARTB = 13  # Part B claims: the principal, then icd_dgns_cd1..12

OTHER_DIAGNOSES = (
    "I10", "E785", "N183", "Z794", "Z7901", "K219", "M810", "R269", "Z87891", "Z9181", "J449",
    "I509", "F329", "G4733", "E039", "E559", "H409", "M1990", "R32", "Z8673", "Z951", "D649",
    "E119", "I4891", "D62", "R609", "R0602", "N390", "J9611", "R079",
)  # fmt: skip
EXTERNAL_CAUSES = (
    "W010XXA", "Y92009", "W1830XA", "W06XXXA", "W07XXXA", "W050XXA", "W1800XA", "Y93E1",
    "Y93E5", "Y92012", "Y92013", "Y998", "X58XXXA",
)  # fmt: skip
PROCEDURES = (
    "0QS604Z", "30233N1", "02HV33Z", "0BH17EZ", "3E0234Z", "4A023N7", "B24BZZZ", "0W9930Z",
    "0DB68ZX", "0FT44ZZ", "0T9B70Z", "3E033VJ", "5A1935Z", "5A1D70Z", "8E0ZXY6", "GZ3ZZZZ",
    "02703ZZ", "4A02X4Z", "3E0436Z", "0W3P8ZZ", "0QSB04Z", "0QS704Z", "0SR9019", "5A2204Z",
    "BW03ZZZ", "5A09357",
)  # fmt: skip
POA_CYCLE = ("Y", "N", "U", "W", "Y")
# Claim-level codes a fully coded claim also carries (only where the claim leaves them unset).
FULL_CLAIM_CODES = {"nch_prmry_pyr_cd": "A", "clm_mdcr_non_pmt_rsn_cd": "P"}
FULL_INPATIENT = {
    "nch_vrfd_ncvrd_stay_from_dt": ("2023-07-12", "2023-07-13"),
    "nch_bene_mdcr_bnfts_exhtd_dt_i": "2023-07-13",
}


def fill_codes(claim: Record) -> None:
    """Set the claim-level codes (and inpatient dates) a fully coded claim shows, keeping any
    the claim sets; the first line also gets two HCPCS modifiers."""
    first = claim["lines"][0]
    if first.get("hcpcs_cd") and not first.get("mdfr"):
        first["mdfr"] = ["GW", "GV"]
    extra = FULL_INPATIENT if claim["claim_type"] == "inpatient" else {}
    for column, value in {**FULL_CLAIM_CODES, **extra}.items():
        if claim.get(column) is None:
            claim[column] = value


def pad_partb(claim: Record) -> None:
    """Fill a carrier or DME claim's claim-level diagnosis slots (never repeating a code)."""
    diagnoses: list[Record] = claim["diagnoses"]
    used = {d["code"] for d in diagnoses}
    numbered = sum(d["kind"] in ("principal", "claim") for d in diagnoses)
    for code in [c for c in OTHER_DIAGNOSES if c not in used][: MAX_PARTB - numbered]:
        diagnoses.append({"code": code, "vrsn": "0", "kind": "claim"})
    first = claim["lines"][0]
    if first.get("line_bene_prmry_pyr_cd") is None:
        first["line_bene_prmry_pyr_cd"] = "E"  # a line another payer (workers' comp) pays first


def pad_coding(claim: Record, with_procedures: bool, with_admitting: bool) -> None:
    """Fill the claim's diagnosis and (when the type has them) procedure slots, keeping the
    claim's own entries first and never repeating a code (BFD sends each code once)."""
    diagnoses: list[Record] = claim["diagnoses"]
    if with_admitting and not any(d["kind"] == "admitting" for d in diagnoses):
        principal = next(d for d in diagnoses if d["kind"] == "principal")
        diagnoses.insert(0, {"code": principal["code"], "kind": "admitting", "vrsn": "0"})
    diagnoses[:] = [{"poa": None, **d} for d in diagnoses]
    used = {d["code"] for d in diagnoses}
    numbered = sum(d["kind"] == "other" for d in diagnoses)
    external = sum(d["kind"].startswith("external") for d in diagnoses)
    others = [c for c in OTHER_DIAGNOSES if c not in used]
    for i, code in enumerate(others[: MAX_OTHER - numbered]):
        diagnoses.append({"code": code, "kind": "other", "vrsn": "0", "poa": POA_CYCLE[i % 5]})
    causes = [c for c in EXTERNAL_CAUSES if c not in used]
    with_poa = sum(bool(d.get("poa")) for d in diagnoses if d["kind"].startswith("external"))
    for i, code in enumerate(causes[: MAX_EXTERNAL - external]):
        kind = "external-first" if external == 0 and i == 0 else "external"
        poa = POA_CYCLE[i % 5] if with_poa < MAX_EXTERNAL_POA else None
        with_poa += poa is not None
        diagnoses.append({"code": code, "kind": kind, "vrsn": "0", "poa": poa})
    if not with_procedures:
        return
    procedures: list[Record] = claim["procedures"]
    done = {p["code"] for p in procedures}
    start = date.fromisoformat(claim["clm_from_dt"])
    end = date.fromisoformat(claim["clm_thru_dt"])
    span = max((end - start).days, 0)
    todo = [c for c in PROCEDURES if c not in done][: MAX_PROCEDURES - len(procedures)]
    for i, code in enumerate(todo):
        when = start + timedelta(days=i % (span + 1))
        procedures.append({"code": code, "date": when.isoformat(), "vrsn": "0"})
