"""A 绩效目标表 through materials into the tree: targets parsed as written (operator, number, unit, original text
kept); a row that cannot be read refuses the whole file and nothing is imported."""

from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from evalplatform.evidence.store import BlobStore
from evalplatform.indicators import service
from evalplatform.indicators.models import Indicator, IndicatorTree
from evalplatform.materials import service as materials
from tests import factories
from tests.conftest import csrf_token, login

HEADER = ["一级指标", "二级指标", "三级指标", "指标值", "度量单位", "分值"]
GOOD = [
    ["产出指标", "数量指标", "改造农村公路里程", "≥126公里", "公里", 20],
    [None, None, "新建错车道", "≥50个", "个", 10],
    [None, "质量指标", "交工验收合格率", "=100%", "%", 20],
    [None, "成本指标", "每公里改造成本", "≤90万元", "万元", 10],
    ["效益指标", "社会效益指标", "群众出行条件", "明显改善", "", 20],
    [None, "满意度指标", "沿线群众满意度", "≥95%", "", 20],
]


def workbook(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "绩效目标表"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run_import(session, app, world, content):
    material = materials.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="target_sheet",
        stream=BytesIO(content),
        filename="目标表.xlsx",
        max_bytes=2**24,
    )
    session.commit()
    return material


def test_a_good_sheet_becomes_the_tree(session, app, world):
    material = run_import(session, app, world, workbook(GOOD))
    assert material.row_count == 6 and material.kind == "target_sheet"
    tree = service.tree_for(session, world.engagement)
    by_name = {i.name: i for i in tree.indicators}
    assert by_name["产出指标"].points == 60 and by_name["数量指标"].points == 30
    road = by_name["改造农村公路里程"]
    assert (road.operator, road.target_value, road.unit, road.method) == ("ge", 126, "公里", "ratio_higher_better")
    assert road.target_original == "≥126公里"
    rate = by_name["交工验收合格率"]
    assert (rate.operator, rate.target_value, rate.unit, rate.target_original) == ("eq", 100, "%", "=100%")
    assert by_name["每公里改造成本"].method == "ratio_lower_better"
    assert by_name["群众出行条件"].target_text == "明显改善" and by_name["群众出行条件"].operator == "qualitative"
    assert service.check_tree(tree).problems == []


def test_targets_land_on_the_matching_indicators_of_an_existing_tree(session, app, world):
    tree = service.create_tree_from_framework(
        session, world.engagement, "self_evaluation", world.evaluator, factories.NOW
    )
    run_import(session, app, world, workbook([["产出", "数量指标", "实际完成率", "≥98%", "%", 20]]))
    leaf = next(i for i in tree.indicators if i.name == "实际完成率")
    assert leaf.target_value == 98 and leaf.method == "formula"
    assert len(tree.indicators) == 19


def test_an_unreadable_target_is_kept_as_text_and_flagged_not_guessed(session, app, world):
    run_import(session, app, world, workbook(GOOD + [[None, None, "培训人次", "约50个", "个", 5]]))
    leaf = session.scalar(select(Indicator).where(Indicator.name == "培训人次"))
    assert (leaf.operator, leaf.target_value, leaf.target_text) == ("qualitative", None, "约50个")


def test_a_bad_row_is_listed_and_nothing_is_imported(session, app, world):
    rows = GOOD + [[None, None, "覆盖村数", "≥48个", "个", "十分"], [None, None, None, None, "个", 5]]
    with pytest.raises(materials.ImportRefused) as caught:
        run_import(session, app, world, workbook(rows))
    assert [(e.row, e.column, e.reason) for e in caught.value.errors] == [
        (8, "F", "分值：不是数字"),
        (9, "C", "三级指标：不能为空"),
        (9, "D", "指标值：不能为空"),
    ]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Indicator)) == 0
    assert session.scalar(select(func.count()).select_from(IndicatorTree)) == 0


def test_a_file_that_is_not_a_workbook_is_refused(session, app, world):
    with pytest.raises(materials.MaterialError, match="只支持 Excel"):
        run_import(session, app, world, b"%PDF-1.4 not a zip")


def test_the_tree_page_sends_the_target_sheet_to_the_mapping_page(client, session, world):
    login(client, world.evaluator.username)
    url = f"/engagements/{world.engagement.id}/indicators"
    html = client.get(url).get_data(as_text=True)
    assert 'value="target_sheet"' in html
    page = f"/engagements/{world.engagement.id}/materials"
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, url),
            "kind": "target_sheet",
            "layout_id": "0",
            "file": (BytesIO(workbook(GOOD)), "目标表.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and "/materials/drafts/" in response.headers["Location"]
    assert "指标值" in client.get(response.headers["Location"]).get_data(as_text=True)
