"""An evaluator opens the satisfaction analysis, sees the charts drawn, filters by stratum."""

from evalplatform.analysis import SurveyData
from evalplatform.analysis.measures import AdequacySettings
from evalplatform.analysis.views import PROVIDER_KEY
from tests import factories
from tests.analysis.data import generated
from tests.e2e.conftest import ARTIFACTS


def test_evaluator_reads_the_analysis_with_its_charts_and_filters_it(page, live_server, session, app):
    world = factories.World(session)
    responses, questions = generated(400, items=8, text_share=0.3)
    app.extensions[PROVIDER_KEY] = lambda _session, _engagement: [
        SurveyData("road", "道路项目满意度问卷", responses, questions, AdequacySettings(populations={"村0": 300}))
    ]
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(world.evaluator.username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/engagements")

    page.goto(f"{live_server}/engagements/{world.engagement.id}")
    page.get_by_role("link", name="满意度分析").click()
    page.wait_for_url("**/analysis")
    # the charts are data: SVG images; the page's Content-Security-Policy must let them draw
    widths = page.eval_on_selector_all("img.chart", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert len(widths) == 3 and all(w and w > 100 for w in widths)
    total = int(page.get_by_test_id("analysis-valid").inner_text())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "analysis-page.png"), full_page=True)

    page.get_by_label("村1").check()
    page.get_by_role("button", name="筛选").click()
    assert 0 < int(page.get_by_test_id("analysis-valid").inner_text()) < total
