"""The analysis page: data from the provider, filters, as-of time, charts, XLSX, access control."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from evalplatform.analysis import SurveyData
from evalplatform.analysis.measures import AdequacySettings
from evalplatform.analysis.views import PROVIDER_KEY
from tests import factories
from tests.analysis.data import QUESTIONS, frame
from tests.conftest import login

ANSWERS = (
    [{"q1": 5, "q2": 4, "stratum": "甲村", "distribution_id": 1, "advice": "希望多装路灯"}] * 6
    + [{"q1": 2, "q2": 3, "stratum": "乙村", "distribution_id": 2, "role": "cadre"}] * 4
    + [{"q1": 1, "valid": False, "invalid_reason": "作答过快"}]
)


@pytest.fixture
def world(session, client, app):
    world = factories.World(session)
    session.commit()
    seen = []

    def provider(db_session, engagement):
        seen.append(engagement.id)
        if engagement.id != world.engagement.id:
            return []
        return [
            SurveyData(
                "s1",
                "道路项目满意度问卷",
                frame(ANSWERS),
                QUESTIONS,
                AdequacySettings(populations={"甲村": 300, "乙村": 120, "丙村": 80}),
                {1: "甲村二维码", 2: "乙村二维码"},
            )
        ]

    app.extensions[PROVIDER_KEY] = provider
    world.provider_calls = seen
    login(client, world.evaluator.username)
    return world


def url(world, suffix=""):
    return f"/engagements/{world.engagement.id}/analysis{suffix}"


def test_page_shows_satisfaction_tables_charts_and_the_as_of_time(client, world):
    response = client.get(url(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "道路项目满意度问卷" in html and 'data-testid="analysis-as-of"' in html
    assert 'data-testid="analysis-valid">10<' in html
    assert "作答过快：1" in html
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert "丙村" in html and "甲村二维码" in html
    assert "60.0%" in html  # q1: 6 of 10 satisfied


def test_filters_narrow_the_responses(client, world):
    html = client.get(url(world, "?distribution=2")).get_data(as_text=True)
    assert 'data-testid="analysis-valid">4<' in html
    html = client.get(url(world, "?stratum=甲村&date_from=2026-03-02&date_to=2026-03-02")).get_data(as_text=True)
    assert 'data-testid="analysis-valid">6<' in html
    html = client.get(url(world, "?date_from=2027-01-01")).get_data(as_text=True)
    assert 'data-testid="analysis-valid">0<' in html


def test_a_malformed_filter_is_refused_with_a_chinese_message(client, world):
    response = client.get(url(world, "?date_from=2026-13-01&distribution=x"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "起始日期格式应为 YYYY-MM-DD" in html and "发放渠道编号无效" in html


def test_unknown_questionnaire_is_404(client, world):
    assert client.get(url(world, "?q=nope")).status_code == 404


def test_xlsx_export_applies_the_same_filters(client, world):
    response = client.get(url(world, "/export.xlsx?distribution=1"))
    assert response.status_code == 200
    assert "analysis-" in response.headers["Content-Disposition"]
    book = load_workbook(BytesIO(response.data))
    summary = dict(book["概况"].iter_rows(min_row=2, values_only=True))
    assert summary["有效答卷"] == 6 and summary["发放渠道筛选"] == "1"


def test_an_engagement_without_questionnaires_shows_an_empty_state(client, world, session):
    other = factories.engagement(session, world.evaluator, world.bureau, title="无问卷项目")
    session.commit()
    response = client.get(f"/engagements/{other.id}/analysis")
    assert response.status_code == 200 and "本项目尚无问卷答卷" in response.get_data(as_text=True)
    assert client.get(f"/engagements/{other.id}/analysis/export.xlsx").status_code == 200


def test_outsiders_are_refused_before_the_provider_is_asked(app, world):
    client = app.test_client()
    login(client, world.outsider.username)
    world.provider_calls.clear()
    assert client.get(url(world)).status_code == 404
    assert client.get(url(world, "/export.xlsx")).status_code == 404
    assert world.provider_calls == []


def test_the_commissioning_bureau_cannot_read_the_working_analysis(app, world):
    """Aggregates reach the bureau as printed in an issued report, not from the live analysis page."""
    client = app.test_client()
    login(client, world.bureau_user.username)
    assert client.get(url(world)).status_code == 404


def test_data_that_breaks_the_contract_is_explained_not_a_traceback(client, world, app):
    broken = frame(ANSWERS).drop(columns=["valid"])
    app.extensions[PROVIDER_KEY] = lambda _s, _e: [SurveyData("s1", "坏数据", broken, QUESTIONS)]
    response = client.get(url(world))
    assert response.status_code == 500 and "答卷数据缺少列：valid" in response.get_data(as_text=True)


def test_without_a_cjk_font_the_page_shows_its_tables_and_says_why(client, world, monkeypatch):
    from evalplatform.analysis import charts

    def missing():
        raise charts.MissingCJKFont("未找到中文字体 Noto Sans CJK SC，请安装 fonts-noto-cjk")

    monkeypatch.setattr(charts, "cjk_font", missing)
    response = client.get(url(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "服务器缺少中文字体" in html and "60.0%" in html
    assert 'src="data:image/svg+xml;base64,' not in html
