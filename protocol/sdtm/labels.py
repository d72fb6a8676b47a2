"""CDISC SDTM variable labels (SDTMIG 3.3) for the variables tacecheck writes.

A variable not listed gets its name as label; XPORT v5 labels are at most 40 characters.
"""

from __future__ import annotations

__all__ = ["DOMAIN_LABELS", "label_of"]

DOMAIN_LABELS = {
    "DM": "Demographics",
    "SUPPDM": "Supplemental Qualifiers for DM",
    "MH": "Medical History",
    "PR": "Procedures",
    "RS": "Disease Response and Clin Classification",
    "EX": "Exposure",
    "AE": "Adverse Events",
    "DS": "Disposition",
    "DV": "Protocol Deviations",
    "SUPPDV": "Supplemental Qualifiers for DV",
}

_COMMON = {
    "STUDYID": "Study Identifier",
    "DOMAIN": "Domain Abbreviation",
    "USUBJID": "Unique Subject Identifier",
    "RDOMAIN": "Related Domain Abbreviation",
    "IDVAR": "Identifying Variable",
    "IDVARVAL": "Identifying Variable Value",
    "QNAM": "Qualifier Variable Name",
    "QLABEL": "Qualifier Variable Label",
    "QVAL": "Data Value",
    "QORIG": "Origin",
    "SITEID": "Study Site Identifier",
    "ARMCD": "Planned Arm Code",
    "ARM": "Description of Planned Arm",
    "RFSTDTC": "Subject Reference Start Date/Time",
    "RFPENDTC": "Date/Time of End of Participation",
    "DTHDTC": "Date/Time of Death",
    "DTHFL": "Subject Death Flag",
}

# Suffix -> label, with the domain's own words where SDTMIG uses them.
_SUFFIX = {
    "SEQ": "Sequence Number",
    "SPID": "Sponsor-Defined Identifier",
    "TRT": "Name of {what}",
    "DECOD": "Standardized {what} Term",
    "TERM": "Reported Term for the {what}",
    "CAT": "Category for {what}",
    "SCAT": "Subcategory for {what}",
    "STDTC": "Start Date/Time of {what}",
    "ENDTC": "End Date/Time of {what}",
    "DTC": "Date/Time of {what}",
    "TESTCD": "{what} Short Name",
    "TEST": "{what} Name",
    "ORRES": "Result or Finding in Original Units",
    "STRESC": "Character Result/Finding in Std Format",
    "METHOD": "Method of Test or Examination",
    "DOSE": "Dose",
    "DOSU": "Dose Units",
    "DOSFRQ": "Dosing Frequency per Interval",
    "ADJ": "Reason for Dose Adjustment",
    "TOXGR": "Standard Toxicity Grade",
    "SER": "Serious Event",
    "REL": "Causality",
    "ACN": "Action Taken with Study Treatment",
    "REFID": "Reference ID",
}
_WHAT = {
    "MH": "Medical History",
    "PR": "Procedure",
    "RS": "Assessment",
    "EX": "Treatment",
    "AE": "Adverse Event",
    "DS": "Disposition Event",
    "DV": "Deviation",
}
_OWN = {"DVTERM": "Protocol Deviation Term", "DVDECOD": "Protocol Deviation Coded Term"}


def label_of(domain: str, variable: str) -> str:
    """The SDTM label of ``variable`` in ``domain``, at most 40 characters."""
    if variable in _OWN:
        return _OWN[variable]
    if variable in _COMMON:
        return _COMMON[variable]
    prefix, suffix = variable[:2], variable[2:]
    if prefix == domain[-2:] and suffix in _SUFFIX:
        return _SUFFIX[suffix].format(what=_WHAT.get(prefix, prefix))[:40]
    return variable
