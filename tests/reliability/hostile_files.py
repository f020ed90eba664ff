"""Hostile files, built small and fast with bounded memory: ZIP bombs (XLSX, DOCX), sheets at Excel's maximum
rows or columns, a 40-megapixel PNG, an entry whose directory lies about its size."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
WORKBOOK = (
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" '
    b'r:id="rId1"/></sheets></workbook>'
)
RELS = (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def _xlsx(write_sheet, zip64: bool = True) -> bytes:
    """A minimal workbook whose one sheet's XML is streamed by `write_sheet(out)` (never held whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as out:
            out.write(SHEET_HEAD)
            write_sheet(out)
            out.write(SHEET_TAIL)
    return buffer.getvalue()


def xlsx_cell_bomb(megabytes: int = 470) -> bytes:
    """One cell that unpacks to ~470 MB (the issue's report: accepted, 2.2 GB of memory)."""

    def write(out):
        out.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
        block = b"A" * 2**20
        for _ in range(megabytes):
            out.write(block)
        out.write(b"</t></is></c></row>")

    return _xlsx(write)


def xlsx_max_rows(rows: int = 1_048_576) -> bytes:
    """A sheet filled to Excel's last row, a number in each."""

    def write(out):
        for start in range(1, rows + 1, 50_000):
            out.write(
                b"".join(
                    b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n)
                    for n in range(start, min(start + 50_000, rows + 1))
                )
            )

    return _xlsx(write)


def xlsx_max_columns(columns: int = 16_384) -> bytes:
    """One row filled to column XFD."""

    def letters(n: int) -> bytes:
        text = b""
        while n:
            n, rest = divmod(n - 1, 26)
            text = bytes([65 + rest]) + text
        return text

    def write(out):
        out.write(
            b'<row r="1">'
            + b"".join(b'<c r="%s1"><v>1</v></c>' % letters(c) for c in range(1, columns + 1))
            + b"</row>"
        )

    return _xlsx(write)


def xlsx_lying_directory() -> bytes:
    """A sheet of 64 MB whose central directory says 1,000 bytes: only a reader that stops at the declared size
    and checks the CRC notices."""
    data = _xlsx(lambda out: [out.write(b"<row/>" * (2**20)) for _ in range(11)], zip64=False)
    archive = zipfile.ZipFile(io.BytesIO(data))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    patched = bytearray(data)
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"xl/worksheets/sheet1.xml") + 1)
    if info.file_size >= 0xFFFFFFFF or info.compress_size >= 0xFFFFFFFF:
        raise AssertionError("keep the lying entry below ZIP64 sizes")
    struct.pack_into("<I", patched, central + 24, 1000)
    return bytes(patched)


def docx_bomb(megabytes: int = 600) -> bytes:
    """A DOCX whose document.xml unpacks to 600 MB of one repeated character."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as out:
            block = b"<w:t>" + b" " * (2**20 - 10) + b"</w:t>"
            for _ in range(megabytes):
                out.write(block)
    return buffer.getvalue()


def docx_many_entries(count: int = 20_000) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document/>")
        for n in range(count):
            archive.writestr(f"word/media/{n}.bin", b"")
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int) -> bytes:
    """A valid 8-bit grayscale PNG of any size, compressed row by row (40 MP in about 40 kB)."""
    compressor, parts, row = zlib.compressobj(9), [], b"\x00" * (width + 1)
    for _ in range(height):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(parts))
        + _png_chunk(b"IEND", b"")
    )


def corrupt_png() -> bytes:
    """A small PNG with one byte of its image data flipped (its chunk CRC no longer matches)."""
    data = bytearray(png(64, 64))
    at = data.find(b"IDAT") + 8
    data[at] ^= 0xFF
    return bytes(data)


def truncated_png() -> bytes:
    return png(64, 64)[:-30]
