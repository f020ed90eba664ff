"""Sending an evidence file to a browser: the one way every page that offers a download does it."""

from __future__ import annotations

from flask import send_file

from ..web import current_store
from . import service
from .content import SAFE_INLINE_TYPES


def send_evidence(evidence, inline: bool = False):
    """The original bytes of an evidence record the caller has authorized, sandboxed and never cached; served
    as what the bytes are (the type sniffed at upload), and only JPEG and PNG open in the browser."""
    response = send_file(
        current_store().path_for(evidence.blob_sha256),
        mimetype=evidence.mime,
        as_attachment=not (inline and evidence.mime in SAFE_INLINE_TYPES),
        download_name=service.download_name(evidence),
        etag=evidence.blob_sha256,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
