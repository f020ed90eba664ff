"""HTML → PDF with WeasyPrint, fenced in: no network, no files outside the allowed roots.

Fonts: a 宋体-like serif body (Noto Serif CJK SC) and 黑体-like bold headings (Noto Sans CJK SC), with
AR PL UMing / WenQuanYi as fallbacks; they are embedded (subset) in every PDF.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

REPORTS_DIR = Path(__file__).resolve().parents[2] / "reports"
TEMPLATES_DIR = REPORTS_DIR / "templates"


class BlockedResource(Exception):
    pass


class FencedFetcher(URLFetcher):
    """Serves file: URLs only below `allowed_roots`, and data: URLs; refuses everything else."""

    def __init__(self, allowed_roots: list[Path]):
        super().__init__(allowed_protocols={"file", "data"})
        self.allowed_roots = [root.resolve() for root in allowed_roots]
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self.allowed_roots) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        logger.warning("report renderer refused to fetch %s", url[:200])
        raise BlockedResource(url)


def render_pdf(html: str, *, allowed_roots: list[Path], base_url: Path = TEMPLATES_DIR) -> tuple[bytes, int, list[str]]:
    """Render and return (pdf bytes, page count, refused URLs)."""
    fetcher = FencedFetcher([TEMPLATES_DIR, *allowed_roots])
    document = HTML(string=html, base_url=base_url.as_uri() + "/", url_fetcher=fetcher).render()
    return document.write_pdf(), len(document.pages), fetcher.refused
