# ruff: noqa: E501  (codebook display strings are quoted verbatim and cannot be wrapped)
"""Shared vocabulary: BB variable labels and code displays (the CCW codebook subset we use).

Both writers read it, as BFD's v1 and v2 transformers share one codebook. A code without an
entry here is emitted without a display, which is also what BFD does for such codes.
"""

from __future__ import annotations

# Variable labels: the display of a BB category/type coding whose code is the variable URL.
LABELS: dict[str, str] = {
    "adjstmt_dltn_cd": "Adjustment Deletion Code",
    "bene_lrd_used_cnt": "Beneficiary Medicare Lifetime Reserve Days (LRD) Used Count",
    "bene_tot_coinsrnc_days_cnt": "Beneficiary Total Coinsurance Days Count",
    "brnd_gnrc_cd": "Brand-Generic Code Reported by Submitting Plan",
    "carr_clm_cash_ddctbl_apld_amt": "Carrier Claim Cash Deductible Applied Amount (sum of all line-level deductible amounts)",
    "carr_line_rdcd_pmt_phys_astn_c": "Carrier Line Reduced Payment Physician Assistant Code",
    "clm_drg_cd": "Claim Diagnosis Related Group Code (or MS-DRG Code)",
    "clm_freq_cd": "Claim Frequency Code",
    "clm_hha_lupa_ind_cd": "Claim HHA Low Utilization Payment Adjustment (LUPA) Indicator Code",
    "clm_hha_rfrl_cd": "Claim HHA Referral Code",
    "clm_hha_tot_visit_cnt": "Claim HHA Total Visit Count",
    "clm_ip_admsn_type_cd": "Claim Inpatient Admission Type Code",
    "clm_mco_pd_sw": "Claim MCO Paid Switch",
    "clm_non_utlztn_days_cnt": "Claim Medicare Non Utilization Days Count",
    "clm_op_bene_pmt_amt": "Claim Outpatient Payment Amount to Beneficiary",
    "clm_op_prvdr_pmt_amt": "Claim Outpatient Provider Payment Amount",
    "clm_pass_thru_per_diem_amt": "Claim Pass Thru Per Diem Amount",
    "clm_pps_cptl_drg_wt_num": "Claim PPS Capital DRG Weight Number",
    "clm_pps_cptl_dsprprtnt_shr_amt": "Claim PPS Capital Disproportionate Share Amount",
    "clm_pps_cptl_excptn_amt": "Claim PPS Capital Exception Amount",
    "clm_pps_cptl_fsp_amt": "Claim PPS Capital Federal Specific Portion (FSP) Amount",
    "clm_pps_cptl_ime_amt": "Claim PPS Capital Indirect Medical Education (IME) Amount",
    "clm_pps_cptl_outlier_amt": "Claim PPS Capital Outlier Amount",
    "clm_pps_ind_cd": "Claim PPS Indicator Code",
    "clm_pps_old_cptl_hld_hrmls_amt": "Claim PPS Old Capital Hold Harmless Amount",
    "clm_src_ip_admsn_cd": "Claim Source Inpatient Admission Code",
    "clm_tot_chrg_amt": "Claim Total Charge Amount",
    "clm_tot_pps_cptl_amt": "Claim Total PPS Capital Amount",
    "clm_utlztn_day_cnt": "Claim Medicare Utilization Day Count",
    "ctstrphc_cvrg_cd": "Catastrophic Coverage Code",
    "cvrd_d_plan_pd_amt": "Amount paid by Part D plan for the PDE (drug is covered by Part D)",
    "daw_prod_slctn_cd": "Dispense as Written (DAW) Product Selection Code",
    "drug_cvrg_stus_cd": "Drug Coverage Status Code",
    "dspnsng_stus_cd": "Dispensing Status Code",
    "gdc_abv_oopt_amt": "Gross Drug Cost Above Part D Out-of-Pocket Threshold (GDCA)",
    "gdc_blw_oopt_amt": "Gross Drug Cost Below Part D Out-of-Pocket Threshold (GDCB)",
    "lics_amt": "Amount paid for the PDE by Part D low income subsidy",
    "line_alowd_chrg_amt": "Line Allowed Charge Amount",
    "line_bene_pmt_amt": "Line Payment Amount to Beneficiary",
    "line_bene_prmry_pyr_pd_amt": "Line Primary Payer (if not Medicare) Paid Amount",
    "line_bene_ptb_ddctbl_amt": "Line Beneficiary Part B Deductible Amount",
    "line_coinsrnc_amt": "Line Beneficiary Coinsurance Amount",
    "line_dme_prchs_price_amt": "Line DME Purchase Price Amount",
    "line_hct_hgb_rslt_num": "Hematocrit / Hemoglobin Test Results",
    "line_nch_pmt_amt": "Line NCH Medicare Payment Amount",
    "line_prcsg_ind_cd": "Line Processing Indicator Code",
    "line_prmry_alowd_chrg_amt": "Line Primary Payer Allowed Charge Amount",
    "line_prvdr_pmt_amt": "Line Provider Payment Amount",
    "line_sbmtd_chrg_amt": "Line Submitted Charge Amount",
    "nch_bene_blood_ddctbl_lblty_am": "NCH Beneficiary Blood Deductible Liability Amount",
    "nch_bene_ip_ddctbl_amt": "NCH Beneficiary Inpatient (or other Part A) Deductible Amount",
    "nch_bene_mdcr_bnfts_exhtd_dt_i": "NCH Beneficiary Medicare Benefits Exhausted Date",
    "nch_bene_pta_coinsrnc_lblty_amt": "NCH Beneficiary Part A Coinsurance Liability Amount",
    "nch_bene_ptb_coinsrnc_amt": "NCH Beneficiary Part B Coinsurance Amount",
    "nch_bene_ptb_ddctbl_amt": "NCH Beneficiary Part B Deductible Amount",
    "nch_blood_pnts_frnshd_qty": "NCH Blood Pints Furnished Quantity",
    "nch_carr_clm_alowd_amt": "NCH Carrier Claim Allowed Charge Amount (sum of all line-level allowed charges)",
    "nch_carr_clm_sbmtd_chrg_amt": "NCH Carrier Claim Submitted Charge Amount (sum of all line-level submitted charges)",
    "nch_clm_bene_pmt_amt": "NCH Claim Payment Amount to Beneficiary",
    "nch_clm_prvdr_pmt_amt": "NCH Claim Provider Payment Amount",
    "nch_drg_outlier_aprvd_pmt_amt": "NCH DRG Outlier Approved Payment Amount",
    "nch_ip_ncvrd_chrg_amt": "NCH Inpatient(or other Part A) Non-covered Charge Amount",
    "nch_ip_tot_ddctn_amt": "NCH Inpatient (or other Part A) Total Deductible/Coinsurance Amount",
    "nch_prmry_pyr_cd": "NCH Primary Payer Code (if not Medicare)",
    "nch_profnl_cmpnt_chrg_amt": "Professional Component Charge Amount",
    "nch_ptnt_stus_ind_cd": "NCH Patient Status Indicator Code",
    "nch_qlfyd_stay_from_dt": "NCH Qualified Stay From Date",
    "nch_vrfd_ncvrd_stay_from_dt": "NCH Verified Non-covered Stay From Date",
    "nch_wkly_proc_dt": "NCH Weekly Claim Processing Date",
    "nstd_frmt_cd": "Non-Standard Format Code",
    "othr_troop_amt": "Other True Out-of-Pocket (TrOOP) Amount",
    "phrmcy_srvc_type_cd": "Pharmacy service type code",
    "plro_amt": "Reduction in patient liability due to payments by other payers (PLRO)",
    "prcng_excptn_cd": "Pricing Exception Code",
    "prpayamt": "NCH Primary Payer (if not Medicare) Claim Paid Amount",
    "ptnt_dschrg_stus_cd": "Patient Discharge Status Code",
    "ptnt_pay_amt": "Amount Paid by Patient",
    "ptnt_rsdnc_cd": "Patient Residence Code",
    "rev_cntr_1st_ansi_cd": "Revenue Center 1st ANSI Code",
    "rev_cntr_1st_msp_pd_amt": "Revenue Center 1st Medicare Secondary Payer (MSP) Paid Amount",
    "rev_cntr_2nd_ansi_cd": "Revenue Center 2nd ANSI Code",
    "rev_cntr_2nd_msp_pd_amt": "Revenue Center 2nd Medicare Secondary Payer (MSP) Paid Amount",
    "rev_cntr_bene_pmt_amt": "Revenue Center Payment Amount to Beneficiary",
    "rev_cntr_blood_ddctbl_amt": "Revenue Center Blood Deductible Amount",
    "rev_cntr_cash_ddctbl_amt": "Revenue Center Cash Deductible Amount",
    "rev_cntr_coinsrnc_wge_adjstd_c": "Revenue Center Coinsurance/Wage Adjusted Coinsurance Amount",
    "rev_cntr_ncvrd_chrg_amt": "Revenue Center Non-Covered Charge Amount",
    "rev_cntr_pmt_amt_amt": "Revenue Center (Medicare) Payment Amount",
    "rev_cntr_prvdr_pmt_amt": "Revenue Center (Medicare) Provider Payment Amount",
    "rev_cntr_ptnt_rspnsblty_pmt": "Revenue Center Patient Responsibility Payment Amount",
    "rev_cntr_rate_amt": "Revenue Center Rate Amount",
    "rev_cntr_rdcd_coinsrnc_amt": "Revenue Center Reduced Coinsurance Amount",
    "rev_cntr_tot_chrg_amt": "Revenue Center Total Charge Amount",
    "rptd_gap_dscnt_num": "Gap Discount Amount",
    "rx_orgn_cd": "Prescription Origination Code",
    "submsn_clr_cd": "Submission clarification code",
    "tot_rx_cst_amt": "Total drug cost (Part D)",
}

# Code displays per code system; "name*" keys serve the monthly variables name01..name12.
DISPLAYS: dict[str, dict[str, str]] = {
    "a_trm_cd": {
        "9": "Other Termination",
    },
    "adjstmt_dltn_cd": {
        "A": "Adjustment",
    },
    "asgmntcd": {
        "A": "Assigned claim",
    },
    "b_trm_cd": {
        "0": "Not Terminated",
    },
    "betos_cd": {
        "T2D": "Other tests - other",
    },
    "brnd_gnrc_cd": {
        "G": "Generic Null/missing",
    },
    "buyin*": {
        "C": "Part A and Part B state buy-in",
    },
    "carr_clm_entry_cd": {
        "1": "Original debit; void of original debit (If CLM_DISP_CD = 3, code 1 means voided original debit)",
    },
    "carr_clm_pmt_dnl_cd": {
        "1": "Physician/supplier",
    },
    "carr_line_mtus_cd": {
        "3": "Services",
    },
    "carr_line_prcng_lclty_cd": {
        "15": "CONNECTICUT",
    },
    "carr_line_rdcd_pmt_phys_astn_c": {
        "0": "N/A",
    },
    "claim_query_cd": {
        "3": "Final bill",
    },
    "clm_e_poa_ind_sw*": {
        "N": "Diagnosis was not present at the time of admission",
        "Y": "Diagnosis was present at the time of admission (POA)",
    },
    "clm_fac_type_cd": {
        "1": "Hospital",
        "3": "Home Health Agency (HHA)",
        "2": "Skilled Nursing Facility (SNF)",
        "8": "Ambulatory Surgery Center (ASC) or other special facility (e.g. hospice)",
    },
    "clm_freq_cd": {
        "1": "Admit thru discharge claim",
    },
    "clm_hha_lupa_ind_cd": {
        "L": "Low utilization payment adjustment (LUPA) claim",
    },
    "clm_hha_rfrl_cd": {
        "1": "Physician referral - The patient was admitted upon the recommendation of a personal physician.",
    },
    "clm_mco_pd_sw": {
        "0": "No managed care organization (MCO) payment",
    },
    "clm_mdcr_non_pmt_rsn_cd": {
        "A": "Covered worker's compensation (Obsolete)",
        "P": "Payment requested",
        "B": "Benefit exhausted",
    },
    "clm_poa_ind_sw*": {
        "Y": "Diagnosis was present at the time of admission (POA)",
        "N": "Diagnosis was not present at the time of admission",
    },
    "clm_pps_ind_cd": {
        "2": "PPS bill; claim contains PPS indicator",
    },
    "crec": {
        "1": "Disability insurance benefits (DIB)",
    },
    "cstshr*": {
        "00": "Not Medicare enrolled for the month",
        "01": "Beneficiary enrolled in Parts A and/or B, and Part D; deemed eligible for LIS with 100% premium subsidy and no copayment",
        "05": "Beneficiary enrolled in Parts A and/or B, and Part D; enrolled in LIS with 100% premium subsidy and 15% copayment",
        "06": "Beneficiary enrolled in Parts A and/or B, and Part D; enrolled in LIS with 75% premium subsidy and 15% copayment",
        "07": "Beneficiary enrolled in Parts A and/or B, and Part D; enrolled in LIS with 50% premium subsidy and 15% copayment",
        "08": "Beneficiary enrolled in Parts A and/or B, and Part D; enrolled in LIS with 25% premium subsidy and 15% copayment",
        "02": "Beneficiary enrolled in Parts A and/or B, and Part D; deemed eligible for LIS with 100% premium subsidy and low copayment",
    },
    "ctstrphc_cvrg_cd": {
        "C": "Above attachment point",
    },
    "daw_prod_slctn_cd": {
        "0": "No Product Selection Indicated (may also have missing values)",
    },
    "dmerc_line_supplr_type_cd": {
        "3": "Suppliers (other than sole proprietorship) for whom employer identification (EI) numbers are used in coding the ID field.",
    },
    "drug_cvrg_stus_cd": {
        "C": "Covered",
    },
    "dspnsng_stus_cd": {
        "P": "Partial fill",
    },
    "dual*": {
        "**": "Enrolled in Medicare A and/or B, but no Part D enrollment data for the beneficiary. (This status was indicated as 'XX' for 2006-2009)",
    },
    "fi_clm_actn_cd": {
        "1": "Original debit action (always a 1 for all regular bills)",
    },
    "hmo_ind*": {
        "1": "Non-lock-in, CMS to process provider claims",
        "0": "Not a member of an HMO",
    },
    "http://hl7.org/fhir/benefit-category": {
        "medical": "Medical Health Coverage",
    },
    "http://hl7.org/fhir/claimcareteamrole": {
        "assist": "Assisting Provider",
        "other": "Other",
        "primary": "Primary provider",
    },
    "http://hl7.org/fhir/ex-claimtype": {
        "professional": "Professional",
        "institutional": "Institutional",
        "pharmacy": "Pharmacy",
    },
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication": {
        "noncovered": "Noncovered",
        "coinsurance": "Co-insurance",
        "priorpayerpaid": "Prior payer paid",
        "paidtoprovider": "Paid to provider",
        "paidtopatient": "Paid to patient",
        "paidbypatient": "Paid by patient",
        "discount": "Discount",
        "drugcost": "Drug Cost",
    },
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudicationDiscriminator": {
        "denialreason": "Denial Reason",
    },
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole": {
        "attending": "Attending",
        "operating": "Operating",
        "otheroperating": "Other Operating",
        "performing": "Performing provider",
        "referring": "Referring",
        "prescribing": "Prescribing provider",
    },
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimDiagnosisType": {
        "other": "Other",
        "externalcauseofinjury": "External Cause of Injury",
        "patientreasonforvisit": "Patient Reason for Visit",
        "secondary": "Secondary",
    },
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType": {
        "uc": "Unique Claim ID",
        "npi": "National Provider Identifier",
    },
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBPayerAdjudicationStatus": {
        "other": "Other",
    },
    "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType": {
        "clmrecvddate": "Claim Received Date",
        "typeofbill": "Type of Bill",
        "discharge-status": "Discharge Status",
        "admissionperiod": "Admission Period",
        "admtype": "Information",
        "compoundcode": "Compound Code",
        "refillnum": "Refill Number",
        "dayssupply": "Days Supply",
        "rxorigincode": "Rx Origin Code",
        "brandgenericindicator": "Brand Generic Indicator",
    },
    "http://hl7.org/fhir/v3/ActCode": {
        "RXDINV": "Rx dispense invoice",
    },
    "http://terminology.hl7.org/CodeSystem/adjudication": {
        "submitted": "Submitted Amount",
        "deductible": "Deductible",
        "eligible": "Eligible Amount",
        "benefit": "Benefit Amount",
    },
    "http://terminology.hl7.org/CodeSystem/claim-type": {
        "institutional": "Institutional",
        "professional": "Professional",
        "pharmacy": "Pharmacy",
    },
    "http://terminology.hl7.org/CodeSystem/claimcareteamrole": {
        "primary": "Primary provider",
    },
    "http://terminology.hl7.org/CodeSystem/claiminformationcategory": {
        "info": "Information",
    },
    "http://terminology.hl7.org/CodeSystem/coverage-class": {
        "group": "Group",
        "plan": "Plan",
    },
    "http://terminology.hl7.org/CodeSystem/ex-benefitcategory": {
        "1": "Medical Care",
    },
    "http://terminology.hl7.org/CodeSystem/ex-diagnosistype": {
        "principal": "Principal Diagnosis",
        "admitting": "Admitting Diagnosis",
    },
    "http://terminology.hl7.org/CodeSystem/subscriber-relationship": {
        "self": "Self",
    },
    "http://terminology.hl7.org/CodeSystem/v2-0203": {
        "UPIN": "Medicare/CMS (formerly HCFA)'s Universal Physician Identification numbers",
        "MC": "Patient's Medicare number",
        "MB": "Member Number",
    },
    "http://terminology.hl7.org/CodeSystem/v3-ActCode": {
        "RXDINV": "Rx dispense invoice",
    },
    "http://terminology.hl7.org/CodeSystem/v3-NullFlavor": {
        "UNK": "Unknown",
    },
    "http://unitsofmeasure.org": {
        "ML": "Milliliter",
    },
    "https://bluebutton.cms.gov/resources/codesystem/diagnosis-type": {
        "principal": "The single medical diagnosis that is most relevant to the patient's chief complaint or need for treatment.",
        "external-first": "The code used to identify the 1st external cause of injury, poisoning, or other adverse effect.",
        "external": "A code used to identify an external cause of injury, poisoning, or other adverse effect.",
        "reason-for-visit": "A diagnosis code used to identify the patient's reason for the visit.",
        "admitting": "The diagnosis given as the reason why the patient was admitted to the hospital.",
        "other": "Required when other conditions coexist or develop subsequently during the treatment",
    },
    "https://bluebutton.cms.gov/resources/codesystem/identifier-currency": {
        "historic": "Historic",
        "current": "Current",
    },
    "https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit": {
        "1": "Emergency - The patient required immediate medical intervention as a result of severe, life threatening, or potentially disabling conditions. Generally, the patient was admitted through the emergency room.",
        "3": "Elective - The patient's condition permitted adequate time to schedule the availability of suitable accommodations.",
    },
    "line_bene_prmry_pyr_cd": {
        "E": "Workers' compensation",
    },
    "line_cms_type_srvc_cd": {
        "P": "Lump sum purchase of DME, prosthetics orthotics",
        "1": "Medical care",
    },
    "line_hct_hgb_type_cd": {
        "R2": "Hematocrit Test",
        "R1": "Hemoglobin Test",
    },
    "line_place_of_srvc_cd": {
        "12": "Home. Location, other than a hospital or other facility, where the patient receives care in a private residence.",
        "11": "Office. Location, other than a hospital, skilled nursing facility (SNF), military treatment facility, community health center, State or local public health clinic, or intermediate care facility (ICF), where the health professional routinely provides health examinations, diagnosis, and treatment of illness or injury on an ambulatory basis.",
    },
    "line_pmt_80_100_cd": {
        "0": "80%",
    },
    "line_prcsg_ind_cd": {
        "A": "Allowed",
    },
    "line_service_deductible": {
        "0": "Service Subject to Deductible",
    },
    "ms_cd": {
        "20": "Disabled without ESRD",
    },
    "nch_clm_type_cd": {
        "40": "Hospital Outpatient claim",
        "82": "DMERC; DMEPOS claim",
        "10": "Home Health Agency (HHA) claim",
        "60": "Inpatient claim",
        "20": "Non swing bed Skilled Nursing Facility (SNF) claim",
        "71": "Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim",
        "50": "Hospice claim",
    },
    "nch_near_line_rec_ident_cd": {
        "W": "Part B institutional claim record (outpatient [HOP], HHA)",
        "M": "Part B DMEPOS claim record (processed by DME Regional Carrier)",
        "V": "Part A institutional claim record (inpatient [IP], skilled nursing facility [SNF], hospice [HOS], or home health agency [HHA])",
        "O": "Part B physician/supplier claim record (processed by local carriers; can include DMEPOS services)",
    },
    "nch_prmry_pyr_cd": {
        "A": "Employer group health plan (EGHP) insurance for an aged beneficiary",
    },
    "nch_ptnt_stus_ind_cd": {
        "A": "Discharged",
        "C": "Still a patient",
    },
    "nstd_frmt_cd": {
        "X": "X12 837",
    },
    "orec": {
        "1": "Disability insurance benefits (DIB)",
    },
    "phrmcy_srvc_type_cd": {
        "01": "Community/retail pharmacy",
    },
    "prcng_excptn_cd": {
        "M": "Medicare is a secondary payer (MSP)",
    },
    "prtcptng_ind_cd": {
        "1": "Participating",
    },
    "prvdr_spclty": {
        "A5": "Pharmacy (DMERC)",
        "41": "Optometrist",
    },
    "ptdcntrct*": {
        "0": "Not Medicare enrolled for the month",
    },
    "ptnt_dschrg_stus_cd": {
        "30": "Still patient.",
        "51": "Discharged/transferred to a Hospice – medical facility.",
    },
    "ptnt_rsdnc_cd": {
        "02": "Skilled Nursing Facility",
    },
    "race": {
        "1": "White",
    },
    "rdsind*": {
        "Y": "Employer subsidized for the retired beneficiary",
        "N": "No employer subsidization for the retired beneficiary",
    },
    "rev_cntr": {
        "0023": "Home Health services paid under PPS submitted as TOB 32X and 33X, effective 10/00. This code may appear multiple times on a claim to identify different HIPPS/Home Health Resource Groups (HRG).",
    },
    "rev_cntr_ddctbl_coinsrnc_cd": {
        "4": "No charge or units associated with this revenue center code. (For multiple HCPCS per single revenue center code) For revenue center code 0001, the following MSP override values may be present:",
        "0": "Charges are subject to deductible and coinsurance",
    },
    "rev_cntr_stus_ind_cd": {
        "A": "Services not paid under OPPS; uses a different fee schedule (e.g., ambulance, PT, mammography)",
    },
    "rx_orgn_cd": {
        "3": "Electronic",
    },
    "submsn_clr_cd": {
        "08": "Process compound for approved ingredients",
    },
}

# Code displays of the codes our synthetic claims use beyond the table above.
ICD10_CM_NAMES = {
    "A419": "SEPSIS, UNSPECIFIED ORGANISM",
    "D62": "ACUTE POSTHEMORRHAGIC ANEMIA",
    "E039": "HYPOTHYROIDISM, UNSPECIFIED",
    "E119": "TYPE 2 DIABETES MELLITUS WITHOUT COMPLICATIONS",
    "E6601": "MORBID (SEVERE) OBESITY DUE TO EXCESS CALORIES",
    "E785": "HYPERLIPIDEMIA, UNSPECIFIED",
    "E871": "HYPO-OSMOLALITY AND HYPONATREMIA",
    "F329": "MAJOR DEPRESSIVE DISORDER, SINGLE EPISODE, UNSPECIFIED",
    "G309": "ALZHEIMER'S DISEASE, UNSPECIFIED",
    "G4733": "OBSTRUCTIVE SLEEP APNEA (ADULT) (PEDIATRIC)",
    "H2512": "AGE-RELATED NUCLEAR CATARACT, LEFT EYE",
    "I10": "ESSENTIAL (PRIMARY) HYPERTENSION",
    "I110": "HYPERTENSIVE HEART DISEASE WITH HEART FAILURE",
    "I4891": "UNSPECIFIED ATRIAL FIBRILLATION",
    "I5032": "CHRONIC DIASTOLIC (CONGESTIVE) HEART FAILURE",
    "I5033": "ACUTE ON CHRONIC DIASTOLIC (CONGESTIVE) HEART FAILURE",
    "J189": "PNEUMONIA, UNSPECIFIED ORGANISM",
    "J441": "CHRONIC OBSTRUCTIVE PULMONARY DISEASE WITH (ACUTE) EXACERBATION",
    "J449": "CHRONIC OBSTRUCTIVE PULMONARY DISEASE, UNSPECIFIED",
    "J9611": "CHRONIC RESPIRATORY FAILURE WITH HYPOXIA",
    "K219": "GASTRO-ESOPHAGEAL REFLUX DISEASE WITHOUT ESOPHAGITIS",
    "M1711": "UNILATERAL PRIMARY OSTEOARTHRITIS, RIGHT KNEE",
    "M810": "AGE-RELATED OSTEOPOROSIS WITHOUT CURRENT PATHOLOGICAL FRACTURE",
    "N179": "ACUTE KIDNEY FAILURE, UNSPECIFIED",
    "N183": "CHRONIC KIDNEY DISEASE, STAGE 3 (MODERATE)",
    "N390": "URINARY TRACT INFECTION, SITE NOT SPECIFIED",
    "R0602": "SHORTNESS OF BREATH",
    "R079": "CHEST PAIN, UNSPECIFIED",
    "R0902": "HYPOXEMIA",
    "R269": "UNSPECIFIED ABNORMALITIES OF GAIT AND MOBILITY",
    "R609": "EDEMA, UNSPECIFIED",
    "S72001A": "FRACTURE OF UNSPECIFIED PART OF NECK OF RIGHT FEMUR, INITIAL ENCOUNTER FOR CLOSED FRACTURE",
    "S72001D": "FRACTURE OF UNSPECIFIED PART OF NECK OF RIGHT FEMUR, SUBSEQUENT ENCOUNTER FOR CLOSED FRACTURE WITH ROUTINE HEALING",
    "W010XXA": "FALL ON SAME LEVEL FROM SLIPPING, TRIPPING AND STUMBLING WITHOUT SUBSEQUENT STRIKING AGAINST OBJECT, INITIAL ENCOUNTER",
    "W19XXXA": "UNSPECIFIED FALL, INITIAL ENCOUNTER",
    "W19XXXD": "UNSPECIFIED FALL, SUBSEQUENT ENCOUNTER",
    "Y92009": "UNSPECIFIED PLACE IN UNSPECIFIED NON-INSTITUTIONAL (PRIVATE) RESIDENCE AS THE PLACE OF OCCURRENCE OF THE EXTERNAL CAUSE",
    "Z4789": "ENCOUNTER FOR OTHER ORTHOPEDIC AFTERCARE",
    "Z515": "ENCOUNTER FOR PALLIATIVE CARE",
    "Z7901": "LONG TERM (CURRENT) USE OF ANTICOAGULANTS",
    "Z794": "LONG TERM (CURRENT) USE OF INSULIN",
    "Z87891": "PERSONAL HISTORY OF NICOTINE DEPENDENCE",
    "Z9181": "HISTORY OF FALLING",
    "Z96651": "PRESENCE OF RIGHT ARTIFICIAL KNEE JOINT",
}
ICD9_CM_NAMES = {
    "4280": "CONGESTIVE HEART FAILURE NOS",
    "4019": "HYPERTENSION NOS",
    "49121": "OBS CHR BRONC W(AC) EXAC",
    "5990": "URIN TRACT INFECTION NOS",
    "E8889": "FALL NOS",
    "V5789": "REHABILITATION PROC NEC",
    "9339": "PHYSICAL THERAPY NEC",
}
ICD10_PCS_NAMES = {
    "0QS604Z": "REPOSITION RIGHT UPPER FEMUR WITH INTERNAL FIXATION DEVICE, OPEN APPROACH",
    "0SRC0J9": "REPLACEMENT OF RIGHT KNEE JOINT WITH SYNTHETIC SUBSTITUTE, CEMENTED, OPEN APPROACH",
    "30233N1": "TRANSFUSION OF NONAUTOLOGOUS RED BLOOD CELLS INTO PERIPHERAL VEIN, PERCUTANEOUS APPROACH",
    "5A09357": "ASSISTANCE WITH RESPIRATORY VENTILATION, LESS THAN 24 CONSECUTIVE HOURS, CONTINUOUS POSITIVE AIRWAY PRESSURE",
    "BW03ZZZ": "PLAIN RADIOGRAPHY OF CHEST",
    "0DJ08ZZ": "INSPECTION OF UPPER INTESTINAL TRACT, VIA NATURAL OR ARTIFICIAL OPENING ENDOSCOPIC",
}
# Format-valid NDCs (11 digits) paired with generic product names; not a drug registry.
NDC_NAMES = {
    "00000000000": "Sterile Water Diluent",
    "00003089421": "ELIQUIS 5 MG TABLET",
    "00093104801": "METFORMIN HCL 500 MG TABLET",
    "00173071920": "TRELEGY ELLIPTA 100-62.5-25 MCG INHALATION POWDER",
    "00378021801": "FUROSEMIDE 40 MG TABLET",
    "00409379501": "KETOROLAC TROMETHAMINE 30 MG/ML INJECTION",
    "00597007575": "SPIRIVA RESPIMAT 2.5 MCG/ACTUATION INHALATION SPRAY",
    "49281012465": "FLUZONE HIGH-DOSE QUADRIVALENT 0.7 ML SYRINGE",
    "63323026201": "HEPARIN SODIUM 5,000 UNIT/ML INJECTION",
    "68180035102": "ATORVASTATIN CALCIUM 40 MG TABLET",
}
NUCC_NAMES = {
    "207Q00000X": "Family Medicine Physician",
    "207R00000X": "Internal Medicine Physician",
    "207RC0000X": "Cardiovascular Disease Physician",
    "207RP1001X": "Pulmonary Disease Physician",
    "207W00000X": "Ophthalmology Physician",
    "207X00000X": "Orthopaedic Surgery Physician",
    "208600000X": "Surgery Physician",
    "207P00000X": "Emergency Medicine Physician",
    "2085R0202X": "Diagnostic Radiology Physician",
    "291U00000X": "Clinical Medical Laboratory",
    "332B00000X": "Durable Medical Equipment & Medical Supplies",
    "367500000X": "Nurse Anesthetist, Certified Registered",
    "363LF0000X": "Family Nurse Practitioner",
}
MORE_DISPLAYS: dict[str, dict[str, str]] = {
    "http://hl7.org/fhir/sid/icd-10": ICD10_CM_NAMES | ICD10_PCS_NAMES,
    "http://hl7.org/fhir/sid/icd-10-cm": ICD10_CM_NAMES,
    "http://hl7.org/fhir/sid/icd-9-cm": ICD9_CM_NAMES,
    "http://www.cms.gov/Medicare/Coding/ICD10": ICD10_PCS_NAMES,
    "http://hl7.org/fhir/sid/ndc": NDC_NAMES,
    "http://nucc.org/provider-taxonomy": NUCC_NAMES,
    "prvdr_spclty": {
        "06": "Cardiology",
        "08": "Family practice",
        "11": "Internal medicine",
        "18": "Ophthalmology",
        "20": "Orthopedic surgery",
        "50": "Nurse practitioner",
        "69": "Clinical laboratory (billing independently)",
    },
    "race": {"2": "Black", "5": "Hispanic"},
    "ms_cd": {"10": "Aged without ESRD"},
    "orec": {"0": "Old age and survivor's insurance (OASI)"},
    "crec": {"0": "Old age and survivor's insurance (OASI)"},
    "a_trm_cd": {"0": "Not Terminated"},
    "buyin*": {"3": "Part A and Part B"},
    "rdsind*": {"N": "No employer subsidization for the retired beneficiary"},
    "asgmntcd": {"N": "Non-assigned claim"},
    "line_cms_type_srvc_cd": {
        "2": "Surgery",
        "5": "Diagnostic laboratory",
        "R": "Rental of DME",
        "V": "Pneumococcal/flu vaccine",
    },
    "line_place_of_srvc_cd": {"81": "Independent Laboratory."},
    "ptnt_rsdnc_cd": {"00": "Not specified", "01": "Home"},
    "line_service_deductible": {"1": "Service Not Subject to Deductible"},
    "brnd_gnrc_cd": {"B": "Brand"},
    "phrmcy_srvc_type_cd": {"07": "Mail order"},
    "ctstrphc_cvrg_cd": {"A": "Attachment point met on this event"},
    "ptnt_dschrg_stus_cd": {
        "01": "Discharged to home/self care (routine charge).",
        "03": "Discharged/transferred to skilled nursing facility (SNF) with Medicare certification in anticipation of covered skilled care -- (See condition code 'C4' for an exception to this rule.)",
        "06": "Discharged/transferred to home care of organized home health service organization.",
    },
    "nch_ptnt_stus_ind_cd": {"A": "Discharged", "C": "Still a patient"},
    "line_hct_hgb_type_cd": {"R1": "Hemoglobin Test", "R2": "Hematocrit Test"},
}
for _system, _table in MORE_DISPLAYS.items():
    DISPLAYS[_system] = DISPLAYS.get(_system, {}) | _table
