"""Importing a 绩效目标表: operator and unit parsed from the value; any bad row lists all and imports nothing."""
from decimal import Decimal as D
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from evalplatform.indicators import service, targets
from evalplatform.indicators.models import Indicator, IndicatorTree
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


def workbook(rows, header=HEADER, merge=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "绩效目标表"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("text, parsed", [
    ("≥50个", ("ge", D(50), None, "个")),
    ("≤90万元", ("le", D(90), None, "万元")),
    ("=100%", ("eq", D(100), None, "%")),
    ("≥95%", ("ge", D(95), None, "%")),
    (">=1,200 户", ("ge", D(1200), None, "户")),
    ("明显改善", ("qualitative", None, "明显改善", "")),
])
def test_values_are_split_into_operator_number_and_unit(text, parsed):
    assert targets.parse_value(text) == parsed


def test_a_good_sheet_becomes_the_tree(session, world):
    count = targets.import_target_sheet(session, world.engagement, workbook(GOOD), world.evaluator, factories.NOW)
    session.commit()
    assert count == 6
    tree = service.tree_for(session, world.engagement)
    by_name = {i.name: i for i in tree.indicators}
    assert by_name["产出指标"].points == 60 and by_name["数量指标"].points == 30
    road = by_name["改造农村公路里程"]
    assert (road.operator, road.target_value, road.unit, road.method) == ("ge", 126, "公里", "ratio_higher_better")
    assert by_name["每公里改造成本"].method == "ratio_lower_better"
    assert by_name["群众出行条件"].target_text == "明显改善"
    assert service.check_tree(tree).problems == []


def test_targets_land_on_the_matching_indicators_of_an_existing_tree(session, world):
    tree = service.create_tree_from_framework(session, world.engagement, "self_evaluation", world.evaluator,
                                              factories.NOW)
    rows = [["产出", "数量指标", "实际完成率", "≥98%", "%", 20]]
    targets.import_target_sheet(session, world.engagement, workbook(rows), world.evaluator, factories.NOW)
    leaf = next(i for i in tree.indicators if i.name == "实际完成率")
    assert leaf.target_value == 98 and leaf.method == "formula"
    assert len(tree.indicators) == 19


def test_every_bad_row_is_listed_and_nothing_is_imported(session, world):
    rows = GOOD + [[None, None, "培训人次", "约50个", "个", 5],
                   [None, None, "覆盖村数", "≥48个", "个", None],
                   [None, None, "资金", "≥90万元", "元", 5]]
    with pytest.raises(targets.TargetSheetErrors) as caught:
        targets.import_target_sheet(session, world.engagement, workbook(rows), world.evaluator, factories.NOW)
    assert [str(r) for r in caught.value.rows] == [
        "工作表“绩效目标表”第 8 行：无法识别指标值“约50个”：应写成“≥50个”“≤90万元”“=100%”这样的形式",
        "工作表“绩效目标表”第 9 行：分值为空",
        "工作表“绩效目标表”第 10 行：指标值的单位“万元”与度量单位“元”不一致",
    ]
    assert session.scalar(select(func.count()).select_from(Indicator)) == 0
    assert session.scalar(select(func.count()).select_from(IndicatorTree)) == 0


def test_merged_header_cells_are_reported(session, world):
    header = ["绩效指标", None, None, "指标值", "度量单位", "分值"]
    content = workbook(GOOD, header=header, merge="A1:C1")
    with pytest.raises(targets.TargetSheetErrors) as caught:
        targets.read_target_sheet(content)
    assert "找不到表头" in str(caught.value) and "表头有合并单元格（A1:C1）" in str(caught.value)
    book = Workbook()
    sheet = book.active
    sheet.append(["一级指标", "二级指标", "三级指标", "指标值", "度量单位", "分值"])
    sheet.merge_cells("A1:B1")
    buffer = BytesIO()
    book.save(buffer)
    with pytest.raises(targets.TargetSheetErrors, match="第 1 行：表头有合并单元格（A1:B1）"):
        targets.read_target_sheet(buffer.getvalue())


def test_a_file_that_is_not_a_workbook_is_refused(session, world):
    with pytest.raises(targets.TargetSheetErrors, match="不是有效的 XLSX"):
        targets.read_target_sheet(b"not a zip")


def test_the_upload_page_lists_the_bad_rows(client, session, world):
    login(client, world.evaluator.username)
    url = f"/engagements/{world.engagement.id}/indicators"
    token = csrf_token(client, url)
    bad = GOOD + [[None, None, "培训人次", "约50个", "个", 5]]
    response = client.post(url + "/import", data={"csrf_token": token, "file": (BytesIO(workbook(bad)), "目标表.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "未导入任何内容" in html and "约50个" in html
    response = client.post(url + "/import", data={"csrf_token": token, "file": (BytesIO(workbook(GOOD)), "目标表.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    assert "改造农村公路里程" in client.get(url).get_data(as_text=True)
