"""Thumbnails, made on first request and kept apart from the write-once originals."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from .. import bounds
from .store import BlobStore

THUMBNAIL_SIZE = (480, 480)
PRINT_SIZE = (1200, 1200)  # half an A4 page wide at about 300 dpi


def thumbnail(store: BlobStore, sha256: str, size: tuple[int, int] = THUMBNAIL_SIZE) -> Path:
    """A JPEG of at most `size`, upright (EXIF orientation applied), cached beside the store."""
    folder = "previews" if size == THUMBNAIL_SIZE else f"previews-{size[0]}"
    target = store.root / folder / sha256[:2] / f"{sha256}.jpg"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(store.path_for(sha256)) as image:
        bounds.check_pixels(
            *image.size, bounds.from_environment()
        )  # checked at upload; the limit may have dropped since
        image.draft("RGB", (size[0] * 2, size[1] * 2))
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail(size)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".jpg")
        with os.fdopen(fd, "wb") as out:
            image.save(out, "JPEG", quality=80)
    os.replace(tmp, target)
    return target
