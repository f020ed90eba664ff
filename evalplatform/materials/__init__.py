"""Submitted materials (申报材料): Excel imports with column mapping and row-level error reports."""
