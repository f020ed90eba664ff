"""Thumbnails, made on first request and kept apart from the write-once originals."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

from .store import BlobStore

THUMBNAIL_SIZE = (480, 480)


def thumbnail(store: BlobStore, sha256: str) -> Path:
    target = store.root / "previews" / sha256[:2] / f"{sha256}.jpg"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(store.path_for(sha256)) as image:
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail(THUMBNAIL_SIZE)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".jpg")
        with os.fdopen(fd, "wb") as out:
            image.save(out, "JPEG", quality=80)
    os.replace(tmp, target)
    return target
