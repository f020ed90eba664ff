"""Inspections: the services the views, the demo, reporting and the cross-checks call, by concern —
runs (checklists, reading, record sheets), sync (start, entries), signatures (photos, signatures, finish),
maps; inputs holds the refusals and parsers they share. Services flush, the caller commits."""

from __future__ import annotations

from .inputs import InspectionConflict, InspectionError, parse_uuid, plain
from .maps import MapPoint, map_points
from .runs import (
    ENTRIES_HEADER,
    InspectedQuantity,
    InspectionNotFound,
    add_checklist,
    engagement_checklists,
    entries_table,
    inspected_quantities,
    list_inspections,
    load_inspection,
    record_sheet,
)
from .signatures import PURPOSES, add_photo, completeness_problems, finish_inspection
from .sync import Outcome, record_entry, start_inspection

__all__ = [
    "ENTRIES_HEADER",
    "PURPOSES",
    "InspectedQuantity",
    "InspectionConflict",
    "InspectionError",
    "InspectionNotFound",
    "MapPoint",
    "Outcome",
    "add_checklist",
    "add_photo",
    "completeness_problems",
    "engagement_checklists",
    "entries_table",
    "finish_inspection",
    "inspected_quantities",
    "list_inspections",
    "load_inspection",
    "map_points",
    "parse_uuid",
    "plain",
    "record_entry",
    "record_sheet",
    "start_inspection",
]
