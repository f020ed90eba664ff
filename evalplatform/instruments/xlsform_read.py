"""Reading an XLSForm workbook (.xlsx, .xls or .ods) into rows of text, bounded before parsing.

Headers are normalised as pyxform reads them: case and spaces of the column name do not matter, the
aliases pyxform accepts (relevance, calculate, caption, list name, readonly, …) become the canonical name,
and a `::Language (code)` suffix is kept as written. Data after 20 blank rows is not read (XLSForm spec).
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime

import python_calamine

from .. import bounds

MAX_ROWS = 5000
MAX_COLUMNS = 300
MAX_CELL = 20_000
MAX_UNPACKED = 200 * 2**20
BLANK_ROWS_STOP = 20
ALIASES = {
    "relevance": "relevant",
    "calculate": "calculation",
    "constraining_message": "constraint_message",
    "caption": "label",
    "count": "repeat_count",
    "jr:count": "repeat_count",
    "requiredmsg": "required_message",
    "list name": "list_name",
    "readonly": "read_only",
    "image": "media::image",
    "audio": "media::audio",
    "video": "media::video",
    "big-image": "media::big-image",
    "constraint message": "constraint_message",
    "required message": "required_message",
    "choice filter": "choice_filter",
    "read only": "read_only",
    "bind::relevant": "relevant",
    "bind::constraint": "constraint",
    "bind::calculate": "calculation",
    "bind::required": "required",
    "bind::readonly": "read_only",
    "bind::jr:constraintmsg": "constraint_message",
    "bind::jr:requiredmsg": "required_message",
    "control::appearance": "appearance",
    "hint::default": "hint",
    "label::default": "label",
    "repeat count": "repeat_count",
}
TRANSLATED = ("label", "hint", "constraint_message", "required_message", "guidance_hint")


class XLSFormError(ValueError):
    """The file is not a readable XLSForm (not a workbook, no survey sheet, no type/name columns, too big)."""


def normalise_header(raw) -> str:
    text = re.sub(r"\s+", " ", str(raw or "")).strip()
    if "::" in text:
        head, _sep, language = text.partition("::")
        head = head.strip().lower()
        head = {
            "jr:constraintmsg": "constraint_message",
            "jr:requiredmsg": "required_message",
            "constraintmsg": "constraint_message",
        }.get(head, ALIASES.get(head, head))
        if head.startswith("media::"):
            return f"{head}::{language.strip()}"
        if head in ("bind", "control", "media"):
            return ALIASES.get(f"{head}::{language.strip().lower()}", f"{head}::{language.strip()}")
        return f"{head}::{language.strip()}"
    lowered = text.lower()
    return ALIASES.get(lowered, lowered)


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _check_archive(data: bytes) -> None:
    """A zip-based workbook (.xlsx, .ods) is checked by the one set of file bounds before calamine opens it, with
    the unpacked size capped lower: a questionnaire is a few hundred rows."""
    if not data.startswith(b"PK"):
        return
    limits = bounds.from_environment()
    limits = replace(limits, max_unpacked_bytes=min(limits.max_unpacked_bytes, MAX_UNPACKED))
    try:
        bounds.check_archive(io.BytesIO(data), limits)
    except bounds.LimitExceeded as error:
        raise XLSFormError(f"XLSForm {error}") from None


def read_sheets(data: bytes) -> dict[str, list[dict]]:
    """{sheet name (lower case): [row dicts by normalised header, with "_row": Excel row number]}."""
    _check_archive(data)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {}
        for name in workbook.sheet_names:
            key = name.strip().lower()
            if key in ("survey", "choices", "settings", "external_choices") and key not in sheets:
                sheets[key] = _rows(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False), key)
    except XLSFormError:
        raise
    except Exception as error:  # noqa: BLE001 - calamine's error types vary by format and version
        raise XLSFormError("无法读取 XLSForm 文件（需要 .xlsx、.xls 或 .ods 格式）") from error
    return sheets


def _rows(grid: list[list], sheet: str) -> list[dict]:
    if len(grid) > MAX_ROWS + BLANK_ROWS_STOP + 1:
        grid = grid[: MAX_ROWS + BLANK_ROWS_STOP + 1]
    if not grid:
        return []
    header = [normalise_header(h) for h in grid[0][:MAX_COLUMNS]]
    if len(grid[0]) > MAX_COLUMNS:
        raise XLSFormError(f"{sheet} 工作表列数超过 {MAX_COLUMNS}")
    rows, blanks = [], 0
    for number, row in enumerate(grid[1:], start=2):
        record = {}
        for h, v in zip(header, row):
            text = cell_text(v)
            if h and text and h not in record:
                if len(text) > MAX_CELL:
                    raise XLSFormError(f"{sheet} 第 {number} 行有超过 {MAX_CELL} 字的单元格")
                record[h] = text
        if not record:
            blanks += 1
            if blanks >= BLANK_ROWS_STOP:
                break
            continue
        blanks = 0
        if len(rows) >= MAX_ROWS:
            raise XLSFormError(f"{sheet} 工作表超过 {MAX_ROWS} 行")
        record["_row"] = number
        rows.append(record)
    return rows


def languages_of(rows_by_sheet: dict[str, list[dict]]) -> list[str]:
    """Language names of the translated columns, in order of first appearance (survey, then choices)."""
    found: list[str] = []
    for sheet in ("survey", "choices"):
        for row in rows_by_sheet.get(sheet, []):
            for key in row:
                head, sep, language = key.partition("::")
                if sep and head in TRANSLATED and language and language not in found:
                    found.append(language)
    return found


def has_plain(rows: list[dict], column: str = "label") -> bool:
    return any(row.get(column) for row in rows)
