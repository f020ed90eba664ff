"""Test files made on the fly: real photos with EXIF, and the bad inputs of the catalogue."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def jpeg(width=64, height=48, color=(200, 30, 30), gps=(28.6821, 115.8579), when="2025:06:01 10:30:00") -> bytes:
    image = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    exif[0x0132] = when
    if gps:
        exif[0x8825] = {1: "N", 2: _dms(gps[0]), 3: "E", 4: _dms(gps[1])}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=85)
    return buffer.getvalue()


def _dms(value: float):
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
    return (float(degrees), float(minutes), float(seconds))


def png(width=32, height=32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (0, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its correct CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_pixel_bomb(width=50_000, height=50_000) -> bytes:
    """A valid PNG header claiming 2.5 gigapixels, with a tiny body."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    )


def png_corrupt(width=64, height=48) -> bytes:
    """A PNG whose every chunk has a correct CRC, but whose image data is not a zlib stream: only decoding
    the pixels finds it (a header check and verify() accept it)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"not zlib" * 40) + chunk(b"IEND", b"")


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["凭证号", "金额"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HTML_AS_JPG = b"<html><script>alert(document.cookie)</script></html>"
SVG_AS_JPG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
