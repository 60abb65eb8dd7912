"""Field-level diff of the v1 and v2 forms of the same Blue Button data (``bbmigrate diff``)."""

from __future__ import annotations

from .build import DiffOptions, diff_pairs, diff_paths, report_dict
from .model import ALL_KINDS, DIFF_KINDS, MAPPED_KINDS, Change, Report, ResourceDiff

__all__ = [
    "ALL_KINDS",
    "DIFF_KINDS",
    "MAPPED_KINDS",
    "Change",
    "DiffOptions",
    "Report",
    "ResourceDiff",
    "diff_pairs",
    "diff_paths",
    "report_dict",
]
