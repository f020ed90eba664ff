"""The score sheet is built once (scoring/sheet.py): the page, its XLSX export, the report's 附件1 and the
Excel annex show the same rows and totals."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from evalplatform import formatting as fmt
from evalplatform.evidence.store import BlobStore
from evalplatform.indicators import service as indicators
from evalplatform.reporting import service as reporting
from evalplatform.reporting.assembly import assemble
from evalplatform.reporting.render import report_html, report_xlsx
from evalplatform.scoring import service as scoring
from evalplatform.scoring.sheet import RESCALED_NOTE, score_sheet
from tests import factories
from tests.conftest import csrf_token, login

NOW = factories.NOW


@pytest.fixture
def scored(world, session):
    """A scored tree with one indicator below full points, one not applicable, one scored in full, the rest
    not scored yet."""
    tree = indicators.create_tree_from_framework(session, world.engagement, "project_common_2020", world.evaluator, NOW)
    leaf = {i.name: i for i in tree.indicators if i.level == 3}
    record = scoring.record_score
    record(session, leaf["资金到位率"], world.evaluator, NOW, inputs={"funds_in_place": "3600", "budget": "4000"})
    record(session, leaf["资金到位率"], world.evaluator, NOW, rationale="市级资金未足额到位")
    record(session, leaf["立项依据充分性"], world.evaluator, NOW, not_applicable=True)
    record(session, leaf["社会效益"], world.evaluator, NOW, actual_value="10", inputs={"band": "achieved"})
    session.commit()
    return world


def test_the_sheet_holds_rows_totals_and_the_rescaled_note(scored, session):
    sheet = score_sheet(session, scored.engagement)
    row = {r.name: r for r in sheet.leaves}
    funds = row["资金到位率"]
    assert (funds.points, funds.score, funds.rate, funds.lost) == (3, Decimal("2.7"), Decimal("90.0"), Decimal("0.3"))
    assert funds.names == (*funds.path[:2], "资金到位率") and funds.level == 3
    assert funds.computed == "资金到位率 = 实际到位资金 / 预算资金 = 3,600 / 4,000 = 90.0%"
    assert funds.rationale == "市级资金未足额到位" and not funds.missing_rationale
    assert row["立项依据充分性"].not_applicable and row["立项依据充分性"].score is None
    unscored = row["绩效目标合理性"]
    assert (unscored.score, unscored.rate, unscored.lost) == (None, None, None)  # 未评分, never 0 or 扣分
    assert sheet.points_total == 100 and sheet.rescaled and sheet.note == RESCALED_NOTE
    assert sheet.total == Decimal("13.0")  # (2.7 + 10) / 98 × 100 = 12.96, half up to 0.1
    assert [d.score for d in sheet.dimensions] == [
        sum((r.score or 0 for r in sheet.leaves_of(d)), Decimal(0)) for d in sheet.dimensions
    ]


def test_the_page_the_export_and_the_report_show_the_same_sheet(scored, session, client, app):
    sheet = score_sheet(session, scored.engagement)
    expected = [(r.name, _score(r)) for r in sheet.leaves]
    total = fmt.score(sheet.total)

    login(client, scored.evaluator.username)
    base = f"/engagements/{scored.engagement.id}/indicators"
    html = client.get(base + "/sheet").get_data(as_text=True)
    body, foot = _rows(_between(html, "<tbody>", "</tbody>")), _rows(_between(html, "<tfoot>", "</tfoot>"))
    assert [(cells[2], cells[7]) for cells in body if cells[2]] == expected
    assert foot[0][0] == "合计" and foot[0][6:8] == ["100", total] and "折算为百分制" in foot[0][9]

    export = list(load_workbook(BytesIO(client.get(base + "/sheet.xlsx").data)).active.iter_rows(values_only=True))
    assert [(r[2], _cell(r[7])) for r in export[1:] if r[2]] == expected
    assert export[-2][6:8] == (100, float(sheet.total)) and "折算为百分制" in export[-2][9]

    report = reporting.start_report(session, scored.engagement, scored.evaluator, NOW)
    content = assemble(session, report, BlobStore(app.config["STORAGE_DIR"]), firm_name="某事务所", now=NOW)
    html = report_html(content, draft=True, version=None, content_sha256="0" * 64)
    annex1 = _rows(_between(html.split('id="a1"')[1], "<table", "</table>"))
    assert [(cells[-5], cells[-3]) for cells in annex1[1:-1]] == expected  # rowspans: count from the right
    assert annex1[-1][1:3] == ["100", total] and RESCALED_NOTE in annex1[-1][3]

    annex = list(load_workbook(BytesIO(report_xlsx(content)))["评分表"].iter_rows(values_only=True))
    assert [(r[2], _cell(r[7])) for r in annex[1:] if r[2]] == expected
    assert annex[-1][6:8] == (100, float(sheet.total)) and RESCALED_NOTE in annex[-1][9]
    dimensions = [(d.name, float(d.points), float(d.score)) for d in sheet.dimensions]
    assert [(r[0][3:], r[6], r[7]) for r in annex if str(r[0]).startswith("合计：")] == dimensions
    assert [(d["name"], d["score"]) for d in content["scoring"]["dimensions"]] == [  # 三's table and prose
        (d.name, fmt.score(d.score)) for d in sheet.dimensions
    ]


def test_the_workspace_shows_each_score_as_the_sheet_has_it(scored, session, client):
    """Not scored yet: 未评分 on the page and null in the roll-up its script shows, never 0."""
    sheet = score_sheet(session, scored.engagement)
    unscored, funds = (next(r for r in sheet.leaves if r.name == n) for n in ("绩效目标合理性", "资金到位率"))
    login(client, scored.evaluator.username)
    base = f"/engagements/{scored.engagement.id}/indicators"
    html = client.get(base + "/scoring").get_data(as_text=True)
    assert f'<span data-score-for="{unscored.indicator_id}">未评分</span>' in html
    assert f'<span data-score-for="{funds.indicator_id}">2.7分</span>' in html and funds.computed in html
    response = client.post(
        f"{base}/{funds.indicator_id}/score",
        json={"rationale": "市级资金到位不足"},
        headers={"X-CSRFToken": csrf_token(client, base + "/scoring"), "Accept": "application/json"},
    )
    scores = response.json["summary"]["scores"]
    assert scores[str(unscored.indicator_id)] is None and Decimal(scores[str(funds.indicator_id)]) == funds.score


def _score(r) -> str:
    return "不适用" if r.not_applicable else "未评分" if r.score is None else f"{r.score.normalize():f}分"


def _cell(value) -> str:
    """An Excel score cell as the page writes it (numbers there, text for 不适用 / 未评分)."""
    return value if isinstance(value, str) else f"{Decimal(str(value)).normalize():f}分"


def _between(html: str, start: str, end: str) -> str:
    first = html.index(start)
    return html[first : html.index(end, first)]


def _rows(html: str) -> list[list[str]]:
    """Each table row's cells, as text."""
    return [
        [re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    ]
