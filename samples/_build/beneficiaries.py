"""The two synthetic beneficiaries: demographics and enrollment (RIF-like columns, invented).

No real person: names, ids, MBIs, dates and places are made up for bbmigrate.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]


def _months(value: str) -> list[str]:
    return [value] * 12


BENEFICIARIES: list[Record] = [
    {
        # Many claims (several of some types, one of every type); a current MBI only.
        "bene_id": "-19990000004781",
        "mbis": [{"mbi_num": "3QF7DA2KW58", "current": True, "start": "2019-02-11"}],
        "given": ["Rosalind", "T"],
        "family": "Okonkwo",
        "sex": "female",
        "race": "2",
        "birth_date": "1951-09-22",
        "death_date": None,
        "state": "OH",
        "zip": "432150000",
        "email": "rosalind.okonkwo@example.com",
        "userinfo_iat": "2024-11-18T15:02:44.916Z",
        "rfrnc_yr": "2024",
        "ms_cd": "10",
        "orec": "0",
        "crec": "0",
        "esrd_ind": "N",
        "a_trm_cd": "0",
        "b_trm_cd": "0",
        "entitlement_date": "2016-09-01",
        "dual": _months("**"),
        "buyin": _months("3"),
        "ptc_cntrct_id": _months("0"),
        "ptc_pbp_id": _months("000"),
        "ptc_plan_type_cd": _months("0"),
        "hmo_ind": _months("0"),
        "ptdcntrct": _months("S5601"),
        "ptdpbpid": _months("014"),
        "sgmtid": _months("000"),
        "cstshr": _months("00"),
        "rdsind": _months("N"),
        "pta_cvrg_strt_dt": "2016-09-01",
        "pta_cvrg_end_dt": None,
        "ptb_cvrg_strt_dt": "2016-09-01",
        "ptb_cvrg_end_dt": None,
        "ptd_cvrg_strt_dt": "2017-01-01",
        "ptd_cvrg_end_dt": None,
        "last_updated": "2024-11-02T04:21:37.108-04:00",
        "part_status": {"a": "active", "b": "active", "c": "cancelled", "d": "active"},
    },
    {
        # Withholds nothing: every optional demographic element is present (deceased date,
        # historic MBIs, full address), enrollment in Parts C and D changes during the year.
        "bene_id": "-19990000009356",
        "mbis": [
            {"mbi_num": "5GH9JE3UC07", "current": False, "start": None},
            {"mbi_num": "8RK2XN6PT31", "current": True, "start": "2020-01-06"},
        ],
        "given": ["Henry", "W"],
        "family": "Castellanos",
        "sex": "male",
        "race": "5",
        "birth_date": "1944-02-03",
        "death_date": "2024-12-19",
        "state": "AZ",
        "zip": "857160000",
        # BFD's derived mailing address: up to six lines and the city, sent when on file.
        "address_lines": ["4012 E CAMINO DEL SOL", "UNIT 12", "C/O MARIA CASTELLANOS"],
        "city": "TUCSON",
        "email": "henry.castellanos@example.org",
        "userinfo_iat": "2024-10-29T19:47:03.208Z",
        "rfrnc_yr": "2024",
        "ms_cd": "10",
        "orec": "0",
        "crec": "0",
        "esrd_ind": "N",
        "a_trm_cd": "0",
        "b_trm_cd": "0",
        "entitlement_date": "2009-02-01",
        "dual": ["**"] * 6 + ["02"] * 6,
        "buyin": ["3"] * 6 + ["C"] * 6,
        "ptc_cntrct_id": ["0"] * 9 + ["H0321"] * 3,
        "ptc_pbp_id": ["000"] * 9 + ["007"] * 3,
        "ptc_plan_type_cd": ["0"] * 9 + ["01"] * 3,
        "hmo_ind": ["0"] * 9 + ["1"] * 3,
        "ptdcntrct": ["S4802"] * 9 + ["H0321"] * 3,
        "ptdpbpid": ["051"] * 9 + ["007"] * 3,
        "sgmtid": _months("000"),
        "cstshr": ["00"] * 6 + ["01"] * 6,
        "rdsind": _months("N"),
        "pta_cvrg_strt_dt": "2009-02-01",
        "pta_cvrg_end_dt": "2024-12-31",
        "ptb_cvrg_strt_dt": "2009-02-01",
        "ptb_cvrg_end_dt": "2024-12-31",
        "ptd_cvrg_strt_dt": "2011-01-01",
        "ptd_cvrg_end_dt": "2024-12-31",
        "last_updated": "2025-01-14T02:48:09.551-05:00",
        "part_status": {"a": "active", "b": "active", "c": "active", "d": "active"},
    },
]
