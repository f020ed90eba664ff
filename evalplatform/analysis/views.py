"""满意度分析 page and its XLSX export, per engagement and questionnaire, on data from a provider.

The provider is a function ``provider(session, engagement) -> list[service.SurveyData]`` stored in
``app.extensions["analysis.provider"]``; the app factory registers ``sources.questionnaire_surveys``.
"""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import db
from ..engagements.service import load_engagement_for_user
from ..web import error_page, found_or_404, now_utc, xlsx_download
from . import charts, export, service
from .contract import ContractError, empty_frame
from .forms import parse_filters
from .service import SurveyData

bp = Blueprint(
    "analysis", __name__, template_folder="templates", url_prefix="/engagements/<int:engagement_id>/analysis"
)
PROVIDER_KEY = "analysis.provider"


def no_survey_data(session, engagement) -> list[SurveyData]:
    return []


def _surveys(engagement) -> list[SurveyData]:
    provider = current_app.extensions.get(PROVIDER_KEY, no_survey_data)
    return provider(db.session, engagement)


def _chosen(surveys: list[SurveyData]) -> SurveyData | None:
    key = request.args.get("q")
    if key is None:
        return surveys[0] if surveys else None
    return found_or_404(next((s for s in surveys if s.key == key), None))


@bp.get("")
@login_required
def page(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    surveys = _surveys(engagement)
    survey = _chosen(surveys)
    filters, errors = parse_filters(request.args)
    context = dict(
        engagement=engagement, surveys=surveys, survey=survey, filters=filters, errors=errors, result=None, figures={}
    )
    if survey is None or errors:
        return render_template("analysis/page.html", **context), 422 if errors else 200
    try:
        result = service.analyse(survey.frame, survey.questions, now_utc(), filters=filters, adequacy=survey.adequacy)
    except ContractError as error:
        return _bad_data(error)
    context.update(
        result=result, figures=_figures(result), options=_options(survey), text_limit=service.TEXT_LIST_LIMIT
    )
    return render_template("analysis/page.html", **context)


def _bad_data(error: ContractError):
    current_app.logger.error("analysis input breaks the contract: %s", error)
    return error_page(500, _("问卷数据无法分析"), _("答卷数据格式有误：%(e)s。请联系管理员。", e=str(error)))


def _figures(result: service.Analysis) -> dict[str, str]:
    """The charts; without a CJK font on the server the page still shows its tables, and says why."""
    if not result.valid:
        return {}
    try:
        return _charts(result)
    except charts.MissingCJKFont as error:
        current_app.logger.error("analysis charts: %s", error)
        flash(_("图表未能生成：服务器缺少中文字体（请管理员安装 fonts-noto-cjk 后运行 fc-cache）。"), "error")
        return {}


def _charts(result: service.Analysis) -> dict[str, str]:
    return {
        "rates": charts.data_uri(charts.rates_svg(result.satisfaction)),
        "levels": charts.data_uri(charts.levels_svg(result.distributions)),
        "timeline": charts.data_uri(charts.timeline_svg(result.timeline)),
    }


def _options(survey: SurveyData) -> dict:
    ids = sorted(int(i) for i in survey.frame["distribution_id"].dropna().unique())
    return {
        "distributions": [(i, survey.distribution_labels.get(i, _("渠道 %(id)s", id=i))) for i in ids],
        "strata": sorted(str(s) for s in survey.frame["stratum"].dropna().unique()),
    }


@bp.get("/export.xlsx")
@login_required
def export_xlsx(engagement_id: int):
    engagement = load_engagement_for_user(db.session, engagement_id, current_user)
    survey = _chosen(_surveys(engagement))
    filters, errors = parse_filters(request.args)
    if errors:
        return error_page(422, _("筛选条件有误"), "；".join(errors))
    if survey is None:  # no questionnaire yet: the workbook says so with empty tables
        survey = SurveyData("none", "", empty_frame(), [])
    try:
        result = service.analyse(survey.frame, survey.questions, now_utc(), filters=filters, adequacy=survey.adequacy)
    except ContractError as error:
        return _bad_data(error)
    filename = f"analysis-{engagement.id}-{re.sub(r'[^A-Za-z0-9_-]', '', survey.key) or 'survey'}.xlsx"
    return xlsx_download(export.xlsx(result), filename)
