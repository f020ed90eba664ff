"""The analysis page's filter form (GET query string): questionnaire, distribution, stratum, local dates."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .service import Filters


def parse_filters(args: MultiDict) -> tuple[Filters, list[str]]:
    """Filters from the query string, and a specific message for each value that could not be read."""
    errors: list[str] = []
    distributions = []
    for raw in args.getlist("distribution"):
        if raw.isdigit():
            distributions.append(int(raw))
        elif raw:
            errors.append(_("发放渠道编号无效：%(v)s", v=raw[:40]))
    strata = tuple(s for s in args.getlist("stratum") if s)
    date_from = _date(args.get("date_from", ""), _("起始日期"), errors)
    date_to = _date(args.get("date_to", ""), _("截止日期"), errors)
    if date_from and date_to and date_from > date_to:
        errors.append(_("起始日期不能晚于截止日期"))
    return Filters(tuple(distributions), strata, date_from, date_to), errors


def _date(raw: str, name: str, errors: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(name)s格式应为 YYYY-MM-DD：%(v)s", name=name, v=raw[:40]))
        return None
