"""What the indicator pages and the scoring pages (scoring/views.py) share: labels, context, summary JSON."""

from __future__ import annotations

from flask_login import current_user

from ..db import db
from ..web import get_or_404
from . import engine, rollup, service
from .forms import (
    BAND_LABELS,
    FORMULA_LABELS,
    GRADE_LABELS,
    INPUT_LABELS,
    INPUT_UNITS,
    METHOD_LABELS,
    OPERATOR_LABELS,
    STANDARD_LABELS,
)
from .models import Indicator

LABELS = dict(
    operators=OPERATOR_LABELS,
    methods=METHOD_LABELS,
    standards=STANDARD_LABELS,
    bands=BAND_LABELS,
    formulas=FORMULA_LABELS,
    inputs=INPUT_LABELS,
    input_units=INPUT_UNITS,
    grades=GRADE_LABELS,
    FORMULAS=engine.FORMULAS,
)


def page_context(engagement):
    tree = service.tree_for(db.session, engagement)
    summary = rollup.summarise(tree, engagement.id, rollup.grade_scale_for(db.session, engagement.bureau_id))
    can_edit = current_user.role.is_firm_role and not engagement.is_locked
    return dict(engagement=engagement, tree=tree, summary=summary, can_edit=can_edit, **LABELS)


def summary_json(engagement, summary: rollup.ScoringSummary | None = None) -> dict:
    summary = summary or rollup.scoring_summary(db.session, engagement)
    data = summary.as_dict()
    data["grade_label"] = str(GRADE_LABELS[summary.grade]) if summary.grade else None
    data["missing"] = [r.indicator.id for r in summary.missing_rationales]
    return {"summary": data}


def indicator_or_404(engagement, indicator_id: int):
    return get_or_404(Indicator, indicator_id, engagement=engagement)
