"""Bounds on every untrusted file, checked before it is parsed: ZIP containers (XLSX, DOCX), sheets, cells and
images. One place for the limits and their Chinese messages; every reader of an uploaded file asks here first.

The limits are configurable (environment variables in `ENVIRONMENT`, or the app's `FILE_LIMITS`); a refusal
names the limit and the value found, so the uploader knows what to change.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable, Mapping

MB = 2**20


@dataclass(frozen=True)
class Limits:
    max_unpacked_bytes: int = 1024 * MB  # a 1,000,000-row ledger unpacks to about 400 MB
    max_ratio: int = 200  # per entry; real sheet XML compresses 5–40 times, a bomb 1,000 times
    max_entries: int = 10_000  # files inside one ZIP container
    max_rows: int = 1_040_000  # above the 1,000,000-row ledgers imported, below Excel's 1,048,576
    max_columns: int = 1_024  # a county table has dozens; a runaway sheet reaches column XFD (16,384)
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_pixels: int = 32_000_000  # a 32-megapixel photo; phones default to 12–24 MP


ENVIRONMENT = {
    "max_unpacked_bytes": "EVALPLATFORM_MAX_UNPACKED_MB",
    "max_ratio": "EVALPLATFORM_MAX_ZIP_RATIO",
    "max_entries": "EVALPLATFORM_MAX_ZIP_ENTRIES",
    "max_rows": "EVALPLATFORM_MAX_SHEET_ROWS",
    "max_columns": "EVALPLATFORM_MAX_SHEET_COLUMNS",
    "max_cell_chars": "EVALPLATFORM_MAX_CELL_CHARS",
    "max_pixels": "EVALPLATFORM_MAX_IMAGE_PIXELS",
}


def from_environment(environ: Mapping[str, str] | None = None) -> Limits:
    """Limits with any EVALPLATFORM_MAX_* variable applied (the unpacked size in MB)."""
    environ = os.environ if environ is None else environ
    values = {}
    for name, variable in ENVIRONMENT.items():
        if environ.get(variable):
            values[name] = int(environ[variable]) * (MB if name == "max_unpacked_bytes" else 1)
    return Limits(**values)


def limits_from(config: Mapping | None) -> Limits:
    """The app's limits (config `FILE_LIMITS`, a Limits or a dict of overrides), else the environment's."""
    configured = (config or {}).get("FILE_LIMITS")
    if isinstance(configured, Limits):
        return configured
    base = from_environment()
    return replace(base, **configured) if configured else base


class LimitExceeded(ValueError):
    """The file is over one of the limits; the message (Chinese) names the limit and what was found."""

    def __init__(self, limit: str, message: str):
        super().__init__(message)
        self.limit = limit


def _refuse(limit: str, what: str, found, allowed, unit: str = "") -> LimitExceeded:
    found = f"{found:,}" if isinstance(found, int) else found
    return LimitExceeded(
        limit, f"文件超出上限：{what}为 {found}{unit}，上限为 {allowed:,}{unit}（配置项 {ENVIRONMENT[limit]}）"
    )


# --- ZIP containers --------------------------------------------------------------------------------------------


def check_zip(path: Path | BinaryIO, limits: Limits) -> list[zipfile.ZipInfo]:
    """The central directory against the limits (entry count, unpacked size, ratio); nothing is decompressed.
    A directory that lies about sizes is caught by `read_entry`, which stops at the declared size."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise LimitExceeded("max_entries", "压缩包结构损坏，无法读取") from error
    if len(entries) > limits.max_entries:
        raise _refuse("max_entries", "压缩包内文件数", len(entries), limits.max_entries, " 个")
    unpacked = sum(info.file_size for info in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise _refuse("max_unpacked_bytes", "解压后大小", unpacked // MB, limits.max_unpacked_bytes // MB, " MB")
    for info in entries:
        if info.file_size > 1 * MB and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise LimitExceeded(
                "max_ratio",
                f"文件超出上限：压缩包内“{info.filename[:60]}”的压缩比为 {ratio:,}:1，"
                f"上限为 {limits.max_ratio:,}:1（疑似压缩炸弹；配置项 "
                f"{ENVIRONMENT['max_ratio']}）",
            )
    return entries


CHUNK = 4 * MB


def read_entry(archive: zipfile.ZipFile, name: str, on_chunk: Callable[[bytes], None]) -> int:
    """Decompress one entry in chunks; zipfile stops at the declared size and checks the CRC, so an entry that
    unpacks to more than its directory says is refused here with bounded memory. Returns the bytes read."""
    total = 0
    try:
        with archive.open(name) as stream:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                on_chunk(chunk)
    except zipfile.BadZipFile as error:
        raise LimitExceeded(
            "max_unpacked_bytes", f"压缩包内“{name[:60]}”的实际内容与目录不符（疑似压缩炸弹）"
        ) from error
    return total


def check_archive(path: Path | BinaryIO, limits: Limits) -> None:
    """A ZIP container we store but do not parse (DOCX, an XLSX kept as evidence): the directory, then every
    entry decompressed once and thrown away, so sizes that lie are caught too."""
    check_zip(path, limits)
    total = 0

    def count(chunk: bytes) -> None:
        nonlocal total
        total += len(chunk)
        if total > limits.max_unpacked_bytes:
            raise _refuse("max_unpacked_bytes", "解压后大小", f"{total // MB}+", limits.max_unpacked_bytes // MB, " MB")

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            read_entry(archive, info.filename, count)


# --- XLSX workbooks --------------------------------------------------------------------------------------------

_SHEET_RE = re.compile(rb'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"')
_REL_RE = re.compile(rb'<Relationship [^>]*?(?:Target="([^"]*)"[^>]*?Id="([^"]*)"|Id="([^"]*)"[^>]*?Target="([^"]*)")')
_ROW_END = b"</row>"


def xml_unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def worksheet_entries(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML entry, from workbook.xml and its relationships."""
    rels = {}
    for m in _REL_RE.finditer(archive.read("xl/_rels/workbook.xml.rels")):
        target, rid = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        target = target.decode().lstrip("/")
        rels[rid.decode()] = target if target.startswith("xl/") else "xl/" + target
    return {
        xml_unescape(m.group(1).decode()): rels[m.group(2).decode()]
        for m in _SHEET_RE.finditer(archive.read("xl/workbook.xml"))
        if m.group(2).decode() in rels
    }


def column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


class _SheetCounter:
    """Counts rows and the widest column of one sheet's XML as it streams past; refuses past the limits.
    Whole rows are handed on to `on_rows` (the caller's own scan) — a row is never split between two calls."""

    def __init__(self, sheet: str, limits: Limits, on_rows: Callable[[bytes], None] | None):
        self.sheet, self.limits, self.on_rows = sheet, limits, on_rows
        self.rows = 0
        self.tail = b""
        self.wide = re.compile(rb'<c r="([A-Z]{%d,3})\d' % len(_letters(limits.max_columns)))

    def __call__(self, chunk: bytes) -> None:
        data = self.tail + chunk
        end = data.rfind(_ROW_END)
        whole, self.tail = (data[: end + len(_ROW_END)], data[end + len(_ROW_END) :]) if end >= 0 else (b"", data)
        self._check(whole)
        if len(self.tail) > self.limits.max_columns * (self.limits.max_cell_chars * 4 + 64):
            raise _refuse(
                "max_cell_chars",
                f"工作表“{self.sheet}”一行的内容长度",
                len(self.tail),
                self.limits.max_columns * self.limits.max_cell_chars * 4,
                " 字节",
            )

    def finish(self) -> None:
        self._check(self.tail)

    def _check(self, xml: bytes) -> None:
        self.rows += xml.count(b"<row ") + xml.count(b"<row>")
        if self.rows > self.limits.max_rows:
            raise _refuse("max_rows", f"工作表“{self.sheet}”的行数", self.rows, self.limits.max_rows, " 行")
        for m in self.wide.finditer(xml):
            if column_number(m.group(1)) > self.limits.max_columns:
                raise _refuse(
                    "max_columns",
                    f"工作表“{self.sheet}”的列数",
                    column_number(m.group(1)),
                    self.limits.max_columns,
                    " 列",
                )
        _check_runs(xml, self.limits, f"工作表“{self.sheet}”")
        if self.on_rows and xml:
            self.on_rows(xml)


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _check_runs(xml: bytes, limits: Limits, where: str) -> None:
    """No text between two tags longer than a cell may hold. Every aligned window of `span` bytes must hold a
    '<': a run of 2 × span bytes always fails, and a failing run has at least span bytes, which (UTF-8, at most 4
    bytes a character) is at least `max_cell_chars` characters. Some 60 `find` calls per 4 MB: fast."""
    span = limits.max_cell_chars * 4
    for start in range(0, len(xml) - span + 1, span):
        if xml.find(b"<", start, start + span) < 0:
            raise _refuse("max_cell_chars", f"{where}单元格内容长度", f"{span // 4}+", limits.max_cell_chars, " 个字符")


def check_xlsx(
    path: Path | BinaryIO, limits: Limits, on_sheet_rows: Callable[[str], Callable[[bytes], None] | None] | None = None
) -> dict[str, int]:
    """The whole workbook read once, streaming: the ZIP directory, every entry's real size, each sheet's rows,
    columns and cell lengths. `on_sheet_rows(sheet)` may give a callback that sees the sheet's XML, whole rows
    at a time (for scans of its own). Returns rows per sheet."""
    check_zip(path, limits)
    rows = {}
    with zipfile.ZipFile(path) as archive:
        sheets = {entry: name for name, entry in worksheet_entries(archive).items()}
        for info in archive.infolist():
            if info.filename in sheets:
                name = sheets[info.filename]
                counter = _SheetCounter(name, limits, on_sheet_rows(name) if on_sheet_rows else None)
                read_entry(archive, info.filename, counter)
                counter.finish()
                rows[name] = counter.rows
            elif info.filename.endswith("sharedStrings.xml"):
                read_entry(archive, info.filename, lambda chunk: _check_runs(chunk, limits, "共享字符串中"))
            else:
                read_entry(archive, info.filename, lambda chunk: None)
    return rows


# --- images and cells ------------------------------------------------------------------------------------------


def check_pixels(width: int, height: int, limits: Limits, name: str = "图片") -> None:
    if width * height > limits.max_pixels:
        raise LimitExceeded(
            "max_pixels",
            f"文件超出上限：{name}为 {width}×{height} 像素（{width * height:,}），"
            f"上限为 {limits.max_pixels:,} 像素（配置项 {ENVIRONMENT['max_pixels']}）",
        )


def check_grid(sheet: str, height: int, width: int, limits: Limits) -> None:
    """A sheet's size as a reader reports it (a second line behind the XML scan: cells without references)."""
    if height > limits.max_rows:
        raise _refuse("max_rows", f"工作表“{sheet}”的行数", height, limits.max_rows, " 行")
    if width > limits.max_columns:
        raise _refuse("max_columns", f"工作表“{sheet}”的列数", width, limits.max_columns, " 列")
