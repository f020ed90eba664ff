"""An evaluator imports a county's 绩效目标表: the detected header and a preview, confirmed; the draft reviewed,
one target corrected cell by cell; committed into the indicator tree. Screenshots at 1366 and 390 px."""

from tests import factories
from tests.e2e.conftest import ARTIFACTS
from tests.materials import county_layouts as county
from tests.materials.workbooks import xlsx


def shoot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})


def test_evaluator_imports_a_county_target_sheet_through_mapping_and_review(page, live_server, session, tmp_path):
    world = factories.World(session)
    sheet = tmp_path / "青石县2025年绩效目标表.xlsx"
    sheet.write_bytes(xlsx(county.hunan_target_sheet()))
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill(world.evaluator.username)
    page.get_by_label("密码").fill(factories.PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/engagements")

    page.goto(f"{live_server}/engagements/{world.engagement.id}/materials")
    page.get_by_label("材料类型").select_option("target_sheet")
    page.get_by_label("Excel 或 CSV 文件（.xlsx、.xls、.csv）").set_input_files(str(sheet))
    page.get_by_role("button", name="导入").click()
    page.wait_for_url("**/materials/drafts/*")
    assert page.get_by_label("三级指标").input_value() == "3"  # column C, found under the merged header
    assert "提质改造公路里程" in page.get_by_test_id("mapping-preview").inner_text()
    page.get_by_label("保存为本财政局的表样（可选）").fill("青石县绩效目标表")
    shoot(page, "materials-mapping")
    page.get_by_role("button", name="确认对应，继续").click()

    page.wait_for_selector("[data-testid=review-form]")
    cell = page.get_by_label("第11行 指标值")
    assert cell.input_value() == "≥ 50个"
    cell.fill("≥60个")
    page.get_by_role("button", name="保存修改").click()
    page.wait_for_selector("[data-testid=corrections]")
    assert "原值：≥ 50个" in page.get_by_test_id("review-form").inner_text()
    assert "识别：≥ 60 个" in page.get_by_test_id("review-form").inner_text()
    shoot(page, "materials-review")
    page.get_by_role("button", name="提交导入").click()
    page.wait_for_url("**/indicators")
    assert "新建错车道" in page.content() and "提质改造公路里程" in page.content()
