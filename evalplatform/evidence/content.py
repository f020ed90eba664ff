"""What a file really is: MIME sniffed from its bytes (never its name), image checks, EXIF time/GPS."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from .. import bounds
from .. import formatting as fmt

SAFE_INLINE_TYPES = frozenset({"image/jpeg", "image/png"})  # previews, and downloads shown inline; all else attachment
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
    XLSX: ".xlsx",
    DOCX: ".docx",
    "video/mp4": ".mp4",
    "text/csv": ".csv",  # only where the caller allows it (material imports), never a general upload
    "application/vnd.ms-excel": ".xls",  # likewise
}
CSV = "text/csv"
XLS = "application/vnd.ms-excel"  # only as a material import (read by python-calamine), never a general upload
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_CONTROLS_ALLOWED = frozenset("\t\r\n")
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1"}
_MP4_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash", b"3gp4", b"3gp5"}


class RejectedContent(Exception):
    """The bytes are not an allowed, well-formed file; the message is for the uploader (Chinese)."""


@dataclass(frozen=True)
class ContentFacts:
    mime: str
    captured_at: datetime | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    width: int | None = None
    height: int | None = None


def sniff_mime(head: bytes, path: Path) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "image/heic" if brand in _HEIC_BRANDS else "video/mp4" if brand in _MP4_BRANDS else None
    if head.startswith(b"PK\x03\x04"):
        return _office_type(path)
    return None


def _office_type(path: Path) -> str | None:
    """Reads only the zip directory: names, never decompressed contents (zip bombs stay shut)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None
    if any(name.startswith("/") or ".." in name.split("/") for name in names):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    return None


def csv_text(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), else GBK; refused unless it is plain text —
    no NUL or other control characters, no markup — that the csv module parses into rows."""
    if b"\x00" in data:
        raise RejectedContent("不是文本格式的 CSV 文件（含有二进制内容）")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gbk")
        except UnicodeDecodeError:
            raise RejectedContent("无法识别 CSV 文件的编码：请保存为 UTF-8 或 GBK 编码") from None
    if any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS_ALLOWED for c in text):
        raise RejectedContent("不是文本格式的 CSV 文件（含有控制字符）")
    if text.lstrip().startswith("<"):
        raise RejectedContent("不是 CSV 文件（内容像网页或 XML）")
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise RejectedContent(f"CSV 文件格式错误：{error}") from None
    if not rows:
        raise RejectedContent("CSV 文件没有内容")
    return text


def inspect_content(
    head: bytes, path: Path, *, allow_csv: bool = False, limits: bounds.Limits | None = None
) -> ContentFacts:
    """What the bytes are, checked against the bounds: a ZIP container (XLSX, DOCX) unpacked once and thrown away,
    an image decoded in full. `allow_csv`: plain-text CSV too (material imports only); never shown inline."""
    limits = limits or bounds.from_environment()
    mime = sniff_mime(head, path)
    if mime is None and allow_csv:
        csv_text(path.read_bytes())
        return ContentFacts(mime=CSV)
    if mime is None:
        raise RejectedContent("不支持的文件类型：仅接受 JPEG、PNG、HEIC 照片，PDF、XLSX、DOCX 文档和 MP4 视频")
    if mime in (XLSX, DOCX):
        try:
            bounds.check_archive(path, limits)
        except bounds.LimitExceeded as error:
            raise RejectedContent(str(error)) from None
    if mime in SAFE_INLINE_TYPES:
        return _inspect_image(mime, path, limits)
    return ContentFacts(mime=mime)


def _inspect_image(mime: str, path: Path, limits: bounds.Limits) -> ContentFacts:
    try:
        if mime == "image/png":
            with Image.open(path) as image:  # the pixel count from the header, before any decoding
                bounds.check_pixels(*image.size, limits)
                image.verify()  # every chunk's CRC: a flipped byte anywhere is refused
        with Image.open(path) as image:
            width, height = image.size
            bounds.check_pixels(width, height, limits)
            exif = image.getexif()
            image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # fast, still reads every byte
            # WeasyPrint sets this to True when imported; a cut-off photo must still be refused.
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            image.load()
    except bounds.LimitExceeded as error:
        raise RejectedContent(f"图片像素过多：{error}") from None
    except Image.DecompressionBombError as error:
        raise RejectedContent("图片像素过多，疑似异常文件") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise RejectedContent("图片文件已损坏或不完整，无法读取") from error
    captured_at = _exif_time(exif)
    latitude, longitude = _exif_gps(exif)
    return ContentFacts(
        mime=mime, captured_at=captured_at, latitude=latitude, longitude=longitude, width=width, height=height
    )


def _exif_time(exif) -> datetime | None:
    raw = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, else DateTime
    try:
        # EXIF has no zone; phones record local time, the bureau's (formatting.local_zone).
        local = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (TypeError, ValueError):
        return None
    return local.replace(tzinfo=fmt.local_zone()).astimezone(timezone.utc)


def _exif_gps(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(0x8825)
    try:
        lat = _degrees(gps[2], gps.get(1, "N"), "S")
        lon = _degrees(gps[4], gps.get(3, "E"), "W")
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _degrees(dms, ref, negative_ref) -> Decimal:
    d, m, s = (Decimal(str(float(part))) for part in dms)
    value = (d + m / 60 + s / 3600).quantize(Decimal("0.000001"))
    return -value if str(ref).upper().startswith(negative_ref) else value
