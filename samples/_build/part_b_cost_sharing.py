"""Part B cost sharing across a beneficiary's year: deductible, 20% coinsurance, payments.

The annual Part B deductible is met by the first allowed services of the year, in date order,
across carrier, DME and hospital outpatient claims; after it, the beneficiary owes 20% of the
allowed amount and Medicare pays the rest (less any primary payer). Clinical lab tests and flu or
pneumococcal vaccines carry no cost sharing. This pass fills those columns and the claim totals,
so a claim's numbers are consistent with the claims before it.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]

# Part B annual deductible by calendar year (CMS).
DEDUCTIBLE = {2023: 226.0, 2024: 240.0}
# Line types of service without deductible or coinsurance: 5 diagnostic lab, V vaccine.
NO_COST_SHARING = {"5", "V"}


def _cents(x: float) -> float:
    return round(x + 1e-9, 2)


def _line_date(claim: Record, line: Record) -> str:
    return line.get("line_1st_expns_dt") or line.get("rev_cntr_dt") or claim["clm_from_dt"]


def _share(
    allowed: float, remaining: float, other_payer: float = 0.0
) -> tuple[float, float, float]:
    """(deductible, coinsurance, Medicare payment) for an allowed amount."""
    deductible = min(allowed, remaining)
    coinsurance = _cents(0.2 * (allowed - deductible))
    payment = _cents(max(allowed - deductible - coinsurance - other_payer, 0.0))
    return _cents(deductible), coinsurance, payment


def _carrier_line(line: Record, remaining: float) -> float:
    if line["line_cms_type_srvc_cd"] in NO_COST_SHARING:
        line["line_service_deductible"] = "1"
        deductible, coinsurance, payment = 0.0, 0.0, line["line_alowd_chrg_amt"]
    else:
        deductible, coinsurance, payment = _share(line["line_alowd_chrg_amt"], remaining)
    line["line_bene_ptb_ddctbl_amt"] = deductible
    line["line_coinsrnc_amt"] = coinsurance
    line["line_nch_pmt_amt"] = payment
    line["line_prvdr_pmt_amt"] = payment  # assigned claims: Medicare pays the provider
    line["line_bene_pmt_amt"] = 0.0
    line.setdefault("line_bene_prmry_pyr_pd_amt", 0.0)
    return deductible


def _outpatient_line(line: Record, remaining: float) -> float:
    other_payer = line.get("rev_cntr_1st_msp_pd_amt", 0.0) + line.get(
        "rev_cntr_2nd_msp_pd_amt", 0.0
    )
    deductible, coinsurance, payment = _share(line["opps_allowed"], remaining, other_payer)
    line["rev_cntr_cash_ddctbl_amt"] = deductible
    line["rev_cntr_coinsrnc_wge_adjstd_c"] = coinsurance
    line["rev_cntr_rdcd_coinsrnc_amt"] = coinsurance
    line["rev_cntr_pmt_amt_amt"] = payment
    line["rev_cntr_prvdr_pmt_amt"] = payment
    line["rev_cntr_ptnt_rspnsblty_pmt"] = _cents(deductible + coinsurance)
    for column in (
        "rev_cntr_bene_pmt_amt",
        "rev_cntr_blood_ddctbl_amt",
        "rev_cntr_1st_msp_pd_amt",
        "rev_cntr_2nd_msp_pd_amt",
    ):
        line.setdefault(column, 0.0)
    return deductible


# Claim total column: the line columns it sums, per claim family.
_CARRIER_TOTALS = {
    "carr_clm_cash_ddctbl_apld_amt": ("line_bene_ptb_ddctbl_amt",),
    "nch_clm_prvdr_pmt_amt": ("line_prvdr_pmt_amt",),
    "nch_clm_bene_pmt_amt": ("line_bene_pmt_amt",),
    "nch_carr_clm_sbmtd_chrg_amt": ("line_sbmtd_chrg_amt",),
    "nch_carr_clm_alowd_amt": ("line_alowd_chrg_amt",),
    "prpayamt": ("line_bene_prmry_pyr_pd_amt",),
    "clm_pmt_amt": ("line_nch_pmt_amt",),
}
TOTALS = {
    "carrier": _CARRIER_TOTALS,
    "dme": _CARRIER_TOTALS,
    "outpatient": {
        "nch_bene_ptb_ddctbl_amt": ("rev_cntr_cash_ddctbl_amt",),
        "nch_bene_ptb_coinsrnc_amt": ("rev_cntr_coinsrnc_wge_adjstd_c",),
        "clm_op_prvdr_pmt_amt": ("rev_cntr_prvdr_pmt_amt",),
        "clm_op_bene_pmt_amt": ("rev_cntr_bene_pmt_amt",),
        "nch_bene_blood_ddctbl_lblty_am": ("rev_cntr_blood_ddctbl_amt",),
        "clm_pmt_amt": ("rev_cntr_pmt_amt_amt",),
        "prpayamt": ("rev_cntr_1st_msp_pd_amt", "rev_cntr_2nd_msp_pd_amt"),
    },
}


def _claim_totals(claim: Record) -> None:
    for total, columns in TOTALS[claim["claim_type"]].items():
        claim[total] = _cents(sum(line[c] for line in claim["lines"] for c in columns))


def apply(claims: list[Record]) -> None:
    """Fill the cost-sharing columns of every Part B claim of one beneficiary, in date order."""
    part_b = [c for c in claims if c["claim_type"] in ("carrier", "dme", "outpatient")]
    lines = sorted(
        (
            (
                _line_date(c, line),
                c["claim_type"],
                c["clm_id"],
                line["line_num" if "line_num" in line else "clm_line_num"],
                c,
                line,
            )
            for c in part_b
            for line in c["lines"]
        ),
        key=lambda t: t[:4],
    )
    met: dict[int, float] = {}
    for when, ctype, _, _, _, line in lines:
        year = int(when[:4])
        remaining = _cents(DEDUCTIBLE[year] - met.get(year, 0.0))
        applied = (
            _outpatient_line(line, remaining)
            if ctype == "outpatient"
            else _carrier_line(line, remaining)
        )
        met[year] = met.get(year, 0.0) + applied
    for claim in part_b:
        _claim_totals(claim)
