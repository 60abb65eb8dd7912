"""Part D prescription drug events of the two sample beneficiaries (invented values).

Amounts add up: total cost = gross drug cost below + above the out-of-pocket threshold, and
plan paid + patient paid + LICS + other TrOOP + PLRO + gap discount = total cost.
"""

from __future__ import annotations

from typing import Any

from ids import npi

Record = dict[str, Any]

PHARMACY_OH = (npi("165309821"), "HIGH STREET COMMUNITY PHARMACY")
PHARMACY_AZ = (npi("128845306"), "CATALINA FOOTHILLS DRUG")
MAIL_ORDER = (npi("181274093"), "GREAT PLAINS MAIL SERVICE PHARMACY")
PRESCRIBER_OH = (npi("148932015"), "ADAEZE ADEYEMI MD", "207R00000X")
PRESCRIBER_CARDIO = (npi("160483927"), "ERIK HALVORSEN MD", "207RC0000X")
PRESCRIBER_AZ = (npi("173029486"), "LUCIA ESPARZA DO", "207Q00000X")


def event(pharmacy: tuple[str, str], prescriber: tuple[str, str, str], **pde: Any) -> Record:
    total = pde["tot_rx_cst_amt"]
    paid_elsewhere = sum(
        pde.get(k, 0.0)
        for k in ("ptnt_pay_amt", "lics_amt", "othr_troop_amt", "plro_amt", "rptd_gap_dscnt_num")
    )
    base: Record = {
        "claim_type": "pde",
        "srvc_prvdr_id": pharmacy[0],
        "pharmacy_name": pharmacy[1],
        "prscrbr_id": prescriber[0],
        "prscrbr_name": prescriber[1],
        "prscrbr_taxonomy": prescriber[2],
        "daw_prod_slctn_cd": "0",
        "drug_cvrg_stus_cd": "C",
        "nstd_frmt_cd": "X",
        "rx_orgn_cd": "3",
        "brnd_gnrc_cd": "G",
        "phrmcy_srvc_type_cd": "01",
        "ptnt_rsdnc_cd": "01",
        "gdc_blw_oopt_amt": total,
        "gdc_abv_oopt_amt": 0.0,
        "ptnt_pay_amt": 0.0,
        "othr_troop_amt": 0.0,
        "lics_amt": 0.0,
        "plro_amt": 0.0,
        "rptd_gap_dscnt_num": 0.0,
    }
    base.update(pde)
    base["cvrd_d_plan_pd_amt"] = round(total - paid_elsewhere, 2)
    return base


BENE1_PDE = [
    event(
        PHARMACY_OH,
        PRESCRIBER_OH,
        pde_id="-10000487190021",
        clm_grp_id="-1999000047821",
        rx_srvc_rfrnc_num="000004412907",
        srvc_dt="2023-03-04",
        pd_dt="2023-03-18",
        prod_srvc_id="00093104801",
        qty_dspnsd_num=180.0,
        days_suply_num=90,
        fill_num=2,
        tot_rx_cst_amt=14.62,
        ptnt_pay_amt=0.0,
        plan_cntrct_rec_id="S5601",
        plan_pbp_rec_num="014",
        last_updated="2023-03-25T03:14:52.007-04:00",
    ),
    event(
        MAIL_ORDER,
        PRESCRIBER_CARDIO,
        pde_id="-10000487190158",
        clm_grp_id="-1999000047822",
        rx_srvc_rfrnc_num="000007731455",
        srvc_dt="2023-06-01",
        pd_dt="2023-06-16",
        prod_srvc_id="00003089421",
        qty_dspnsd_num=180.0,
        days_suply_num=90,
        fill_num=0,
        tot_rx_cst_amt=1642.38,
        ptnt_pay_amt=141.00,
        rptd_gap_dscnt_num=0.0,
        brnd_gnrc_cd="B",
        phrmcy_srvc_type_cd="07",
        dspnsng_stus_cd="P",
        adjstmt_dltn_cd="A",
        submsn_clr_cd="08",
        plan_cntrct_rec_id="S5601",
        plan_pbp_rec_num="014",
        last_updated="2023-06-24T03:40:19.662-04:00",
    ),
    event(
        PHARMACY_OH,
        PRESCRIBER_OH,
        pde_id="-10000487190344",
        clm_grp_id="-1999000047823",
        rx_srvc_rfrnc_num="000004413861",
        srvc_dt="2024-01-12",
        pd_dt="2024-01-26",
        prod_srvc_id="68180035102",
        qty_dspnsd_num=90.0,
        days_suply_num=90,
        fill_num=1,
        tot_rx_cst_amt=22.07,
        ptnt_pay_amt=4.15,
        prcng_excptn_cd="M",
        ctstrphc_cvrg_cd="A",
        plan_cntrct_rec_id="S5601",
        plan_pbp_rec_num="014",
        last_updated="2024-02-03T02:55:40.381-05:00",
    ),
]

BENE2_PDE = [
    event(
        PHARMACY_AZ,
        PRESCRIBER_AZ,
        pde_id="-10000935590012",
        clm_grp_id="-1999000093571",
        rx_srvc_rfrnc_num="000009120374",
        srvc_dt="2024-01-11",
        pd_dt="2024-01-25",
        prod_srvc_id="00597007575",
        qty_dspnsd_num=30.0,
        days_suply_num=30,
        fill_num=5,
        tot_rx_cst_amt=512.44,
        ptnt_pay_amt=47.00,
        brnd_gnrc_cd="B",
        ptnt_rsdnc_cd="00",
        plan_cntrct_rec_id="S4802",
        plan_pbp_rec_num="051",
        last_updated="2024-02-01T04:09:27.513-07:00",
    ),
    event(
        PHARMACY_AZ,
        PRESCRIBER_AZ,
        pde_id="-10000935590149",
        clm_grp_id="-1999000093572",
        rx_srvc_rfrnc_num="000009120591",
        srvc_dt="2024-03-02",
        pd_dt="2024-03-15",
        prod_srvc_id="00378021801",
        qty_dspnsd_num=60.0,
        days_suply_num=30,
        fill_num=3,
        tot_rx_cst_amt=9.86,
        ptnt_pay_amt=1.55,
        plan_cntrct_rec_id="S4802",
        plan_pbp_rec_num="051",
        last_updated="2024-03-22T03:31:08.114-07:00",
    ),
    event(
        PHARMACY_AZ,
        PRESCRIBER_AZ,
        pde_id="-10000935590273",
        clm_grp_id="-1999000093573",
        rx_srvc_rfrnc_num="000009121044",
        srvc_dt="2024-07-19",
        pd_dt="2024-08-02",
        prod_srvc_id="00597007575",
        qty_dspnsd_num=30.0,
        days_suply_num=30,
        fill_num=11,
        tot_rx_cst_amt=518.90,
        ptnt_pay_amt=4.80,
        lics_amt=42.20,
        brnd_gnrc_cd="B",
        ptnt_rsdnc_cd="00",
        plan_cntrct_rec_id="S4802",
        plan_pbp_rec_num="051",
        last_updated="2024-08-09T05:12:44.902-07:00",
    ),
    event(
        MAIL_ORDER,
        PRESCRIBER_AZ,
        pde_id="-10000935590388",
        clm_grp_id="-1999000093574",
        rx_srvc_rfrnc_num="000006604718",
        srvc_dt="2024-10-04",
        pd_dt="2024-10-18",
        prod_srvc_id="00173071920",
        qty_dspnsd_num=3.0,
        days_suply_num=90,
        fill_num=1,
        tot_rx_cst_amt=2311.75,
        gdc_blw_oopt_amt=1960.35,
        gdc_abv_oopt_amt=351.40,
        ptnt_pay_amt=0.0,
        lics_amt=0.0,
        othr_troop_amt=12.50,
        ctstrphc_cvrg_cd="C",
        brnd_gnrc_cd="B",
        phrmcy_srvc_type_cd="07",
        ptnt_rsdnc_cd="00",
        plan_cntrct_rec_id="H0321",
        plan_pbp_rec_num="007",
        last_updated="2024-10-26T03:58:16.220-07:00",
    ),
]
