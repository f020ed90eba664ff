"""Report wording per evaluation kind (项目支出 / 部门整体支出) and the editor's guidance, from reports/wording.yaml."""

from __future__ import annotations

from functools import lru_cache

import yaml

from .pdf import REPORTS_DIR


@lru_cache(maxsize=1)
def _load() -> dict:
    with (REPORTS_DIR / "wording.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def for_kind(kind: str) -> dict:
    """Nouns, rule citations and headings for a "project" or "department" report."""
    return dict(_load()[kind])


def guidance() -> dict[str, str]:
    """What each narrative section should contain (附件3), shown beside it in the editor."""
    return dict(_load()["guidance"])
