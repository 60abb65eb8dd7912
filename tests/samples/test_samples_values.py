"""The sample values are realistic: valid MBIs and NPIs, amounts that add up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sample_files import SAMPLES, beneficiary_ids, claim_type, eobs, load

# CMS MBI format: C A AN N A AN N A A N N, letters without S, L, O, I, B, Z.
_A = "AC-HJKMNP-RT-Y"
MBI = re.compile(rf"^[1-9][{_A}][{_A}0-9][0-9][{_A}][{_A}0-9][0-9][{_A}][{_A}][0-9][0-9]$")
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
VAR = "https://bluebutton.cms.gov/resources/variables/"


def npi_is_valid(npi: str) -> bool:
    """Luhn check over the 80840 prefix, as CMS defines the NPI check digit."""
    if not re.fullmatch(r"[12]\d{9}", npi):
        return False
    digits = [int(c) for c in "80840" + npi]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return total % 10 == 0


def _npis(node: Any) -> list[str]:
    if isinstance(node, list):
        return [n for item in node for n in _npis(item)]
    if not isinstance(node, dict):
        return []
    found = []
    if node.get("system") == NPI_SYSTEM:
        value = node.get("value") or node.get("code")
        if value and value.isdigit():  # a coding of the NPI *type* has the code "NPI"
            found.append(value)
    for value in node.values():
        found += _npis(value)
    return found


def test_npi_check_digit_rule():
    assert npi_is_valid("1234567893")
    assert not npi_is_valid("1234567890")


@pytest.mark.parametrize("bid", beneficiary_ids())
def test_mbis_are_valid(bid):
    patient = load(SAMPLES / bid / "v2" / "Patient.json")
    mbis = [
        i["value"] for i in patient["identifier"] if i["system"] == "http://hl7.org/fhir/sid/us-mbi"
    ]
    assert mbis and all(MBI.match(m) for m in mbis)
    coverage = load(SAMPLES / bid / "v2" / "Coverage.json")
    assert {e["resource"]["subscriberId"] for e in coverage["entry"]} <= set(mbis)


def test_every_npi_has_a_valid_check_digit():
    npis = [n for _, eob in eobs("v1") for n in _npis(eob)]
    assert len(set(npis)) >= 8
    assert [n for n in npis if not npi_is_valid(n)] == []


def _adjudication(item: dict[str, Any], variable: str) -> float:
    for adj in item.get("adjudication", []):
        for coding in adj["category"]["coding"]:
            if coding.get("code") == VAR + variable and "amount" in adj:
                return adj["amount"]["value"]
    return 0.0


def _extension(eob: dict[str, Any], variable: str) -> float:
    return next(e["valueMoney"]["value"] for e in eob["extension"] if e["url"] == VAR + variable)


def test_amounts_add_up():
    checked = 0
    for _, eob in eobs("v1"):
        items = eob["item"]

        def total(variable: str, items: list[dict[str, Any]] = items) -> float:
            return round(sum(_adjudication(i, variable) for i in items), 2)

        ctype = claim_type(eob)
        if ctype in ("carrier", "dme"):
            assert total("line_sbmtd_chrg_amt") == _extension(eob, "nch_carr_clm_sbmtd_chrg_amt")
            assert total("line_alowd_chrg_amt") == _extension(eob, "nch_carr_clm_alowd_amt")
            assert total("line_nch_pmt_amt") == eob["payment"]["amount"]["value"]
            assert total("line_bene_ptb_ddctbl_amt") == _extension(
                eob, "carr_clm_cash_ddctbl_apld_amt"
            )
        elif ctype == "pde":
            cost = total("tot_rx_cst_amt")
            parts = (
                "cvrd_d_plan_pd_amt",
                "ptnt_pay_amt",
                "lics_amt",
                "othr_troop_amt",
                "plro_amt",
                "rptd_gap_dscnt_num",
            )
            assert round(sum(total(v) for v in parts), 2) == cost
            assert round(total("gdc_blw_oopt_amt") + total("gdc_abv_oopt_amt"), 2) == cost
        else:
            assert total("rev_cntr_tot_chrg_amt") == eob["totalCost"]["value"]
            assert total("rev_cntr_ncvrd_chrg_amt") <= eob["totalCost"]["value"]
        checked += 1
    assert checked > 20


PART_B_DEDUCTIBLE = {"2023": 226.0, "2024": 240.0}  # CMS annual Part B deductible


def test_part_b_cost_sharing_follows_medicare_rules():
    for bid in beneficiary_ids():
        met: dict[str, float] = {}
        for _, eob in ((b, e) for b, e in eobs("v1") if b == bid):
            if claim_type(eob) not in ("carrier", "dme"):
                continue
            for item in eob["item"]:
                allowed = _adjudication(item, "line_alowd_chrg_amt")
                deductible = _adjudication(item, "line_bene_ptb_ddctbl_amt")
                coinsurance = _adjudication(item, "line_coinsrnc_amt")
                assert 0 <= deductible <= allowed
                assert abs(coinsurance - 0.2 * (allowed - deductible)) <= 0.01 or coinsurance == 0
                year = item["servicedPeriod"]["start"][:4]
                met[year] = met.get(year, 0.0) + deductible
        for year, total in met.items():
            assert total <= PART_B_DEDUCTIBLE[year] + 0.005, (bid, year, total)
