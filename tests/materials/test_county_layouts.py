"""County layouts import after detection: every table kind, every parsed target asserted (operator, value,
unit, original text), and a mapping changed by hand on the mapping page."""

from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from evalplatform.audit.models import AuditEvent
from evalplatform.evidence.store import BlobStore
from evalplatform.indicators.models import Indicator
from evalplatform.materials import drafts, service
from evalplatform.materials.models import (
    BudgetLine,
    DeclaredItem,
    ImportDraft,
    ImportLayout,
    LedgerEntry,
    SelfAssessedIndicator,
)
from tests import factories
from tests.conftest import login, post_form
from tests.materials import county_layouts as county
from tests.materials.setting import Team, mapping_form
from tests.materials.workbooks import xlsx


@pytest.fixture
def world(session):
    return Team(session)


def run_import(session, app, world, kind, book, **kwargs):
    material = service.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind=kind,
        stream=BytesIO(xlsx(book)),
        filename=kwargs.pop("filename", f"{kind}.xlsx"),
        max_bytes=2**24,
        **kwargs,
    )
    session.commit()
    return material


def tree_targets(session) -> dict:
    leaves = session.scalars(select(Indicator).where(Indicator.level == 3))
    return {i.name: i for i in leaves}


def assert_self_assessed_targets(session, expected: dict) -> dict:
    """Each 自评表 row's parsed target against (operator, value, unit, original text); the rows by 三级指标."""
    rows = {r.level3: r for r in session.scalars(select(SelfAssessedIndicator))}
    for name, (operator, value, unit, original) in expected.items():
        row = rows[name]
        assert (row.target_operator, row.target_number, row.target_unit or "", row.target_value) == (
            operator,
            Decimal(value) if value else None,
            unit or "",
            original,
        ), name
        assert row.target_flagged == (operator is None and any(ch.isdigit() for ch in original)), name
    return rows


def expected_code(operator):
    return {"≥": "ge", ">": "ge", "≤": "le", "<": "le", "=": "eq", None: "qualitative"}[operator]


def test_a_hunan_target_sheet_with_a_budget_block_and_a_two_row_merged_header(session, app, world):
    material = run_import(session, app, world, "target_sheet", county.hunan_target_sheet())
    assert material.row_count == len(county.HUNAN_TARGETS)
    leaves = tree_targets(session)
    for name, (operator, value, unit, original) in county.HUNAN_TARGETS.items():
        leaf = leaves[name]
        assert leaf.target_original == original, name
        assert leaf.operator == expected_code(operator), name
        assert leaf.target_value == (Decimal(value) if value else None), name
        assert leaf.unit == unit, name
    assert leaves["交工验收合格率"].target_value == 100  # "=100%" is 100 %, never 1
    parents = {i.name: i for i in session.scalars(select(Indicator).where(Indicator.level < 3))}
    assert parents["产出指标"].points == 50 and parents["数量指标"].points == 15
    assert leaves["沿线群众满意度"].method == "ratio_higher_better"


def test_a_guangdong_export_with_operator_value_and_unit_in_separate_columns(session, app, world):
    run_import(session, app, world, "target_sheet", county.guangdong_target_sheet())
    leaves = tree_targets(session)
    for name, (operator, value, unit, original) in county.GUANGDONG_TARGETS.items():
        leaf = leaves[name]
        assert (leaf.operator, leaf.target_value, leaf.unit, leaf.target_original) == (
            expected_code(operator),
            Decimal(value),
            unit,
            original,
        ), name
    assert leaves["培训基层人员"].points == 20 and leaves["发放宣传资料"].parent_id == leaves["培训基层人员"].parent_id


def test_a_zhejiang_self_assessment_with_its_budget_names_in_column_b(session, app, world):
    run_import(session, app, world, "self_assessment", county.zhejiang_self_assessment())
    lines = session.scalars(select(BudgetLine).order_by(BudgetLine.row_number)).all()
    assert [l.item for l in lines] == ["年度资金总额", "其中：当年财政拨款", "上年结转资金", "其他资金"]
    assert lines[0].annual_budget == Decimal("11800000.00") and lines[0].execution_rate == Decimal("0.9")
    rows = assert_self_assessed_targets(session, county.ZHEJIANG_TARGETS)
    assert len(rows) == len(county.ZHEJIANG_TARGETS)
    assert rows["水质达标率"].actual_value == "100%" and rows["完工及时率"].points == 9
    assert (rows["新建供水管网长度"].level1, rows["受益人口"].level2) == ("产出指标", "数量指标")


def test_a_self_assessment_with_english_headers(session, app, world):
    run_import(session, app, world, "self_assessment", county.english_self_assessment())
    line = session.scalar(select(BudgetLine))
    assert (line.item, line.executed, line.execution_rate) == ("Total funds", Decimal("480000.00"), Decimal("0.96"))
    rows = assert_self_assessed_targets(session, county.ENGLISH_TARGETS)
    assert rows["就业率"].deviation_note == "Job market weaker than planned"


def test_a_ledger_with_subtotals_a_repeated_header_a_column_number_row_and_notes(session, app, world):
    material = run_import(session, app, world, "ledger", county.hebei_ledger_with_totals())
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert material.row_count == 5 and [e.row_number for e in entries] == [5, 6, 7, 10, 11]
    assert [e.kind for e in entries] == ["到位", "拨付", "支出", "支出", "支出"]
    assert sum(e.amount for e in entries) == Decimal("7525100.50")  # the 合计 row, not counted twice
    assert entries[3].entry_date.isoformat() == "2025-06-05" and entries[4].entry_date.isoformat() == "2025-09-12"
    assert entries[3].contract_date.isoformat() == "2025-05-20"


def test_a_journal_with_separate_receipt_and_payment_columns(session, app, world):
    run_import(session, app, world, "ledger", county.guangxi_cash_journal())
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert [(e.row_number, e.kind, e.amount) for e in entries] == [
        (5, "到位", Decimal("2000000.00")),
        (6, "支出", Decimal("120000.00")),
        (8, "支出", Decimal("650000.00")),
    ]
    assert entries[0].voucher_no == "银收-01" and entries[0].purpose == "收到县财政拨入项目资金"


def test_a_beneficiary_list_with_a_merged_two_row_header_and_a_total_row(session, app, world):
    material = run_import(
        session, app, world, "declared_list", county.anhui_beneficiary_list(), name="受益户", key_column="身份证号"
    )
    items = session.scalars(select(DeclaredItem).order_by(DeclaredItem.row_number)).all()
    assert material.row_count == 5 and [i.row_number for i in items] == [4, 5, 6, 7, 8]
    assert items[0].key == "340122198001010001" and items[0].data["姓名"] == "户主1"
    assert material.columns == ["序号", "乡镇", "姓名", "身份证号", "奖补金额(元)"]


def test_a_mapping_changed_by_hand_imports_and_is_offered_as_the_bureaus_layout(session, app, world):
    store = BlobStore(app.config["STORAGE_DIR"])
    draft = drafts.start_draft(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="ledger",
        stream=BytesIO(xlsx(county.ambiguous_ledger())),
        filename="台账.xlsx",
        max_bytes=2**24,
    )
    assert draft.table["problems"] and "choice" not in draft.table  # no synonym fits: asked of the evaluator
    choice = {
        "sheet": "台账",
        "sections": {
            "ledger": {
                "top": 0,
                "bottom": 0,
                "columns": {"entry_date": 0, "voucher_no": 1, "kind": 2, "amount": 3, "payee": 4},
            }
        },
    }
    drafts.refresh(session, store, draft, choice, service.bounds.Limits())
    assert draft.table["preview"]["rows"][0]["cells"][1] == "付-12"
    material = drafts.confirm_mapping(
        session,
        store,
        draft,
        world.engagement,
        world.evaluator,
        factories.NOW,
        draft.table["choice"],
        layout_name="青山县台账",
        max_bytes=2**24,
    )
    session.commit()
    assert material.row_count == 2 and draft.status == "committed"
    assert [e.amount for e in session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number))] == [
        Decimal("88000.00"),
        Decimal("300000.00"),
    ]
    layout = session.scalar(select(ImportLayout))
    assert (layout.name, layout.mapping["ledger.voucher_no"]) == ("青山县台账", "单据")
    again = drafts.start_draft(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="ledger",
        stream=BytesIO(xlsx(county.ambiguous_ledger())),
        filename="台账2.xlsx",
        max_bytes=2**24,
    )
    assert again.layout_id == layout.id and again.table["choice"]["sections"]["ledger"]["columns"]["amount"] == 3


def test_a_target_sheet_is_reviewed_cell_by_cell_then_committed_and_both_are_audited(client, session, app, world):
    login(client, world.evaluator.username)
    page = f"/engagements/{world.engagement.id}/materials"
    response = post_form(
        client,
        page,
        {"kind": "target_sheet", "layout_id": "0", "file": (BytesIO(xlsx(county.hunan_target_sheet())), "目标表.xlsx")},
        page=page,
        content_type="multipart/form-data",
    )
    draft_page = response.headers["Location"]
    draft = session.scalar(select(ImportDraft))
    html = client.get(draft_page).get_data(as_text=True)
    assert "提质改造公路里程" in html and "C · 三级指标" in html  # the preview and the header found
    response = post_form(client, draft_page + "/mapping", mapping_form(draft), page=draft_page)
    assert response.status_code == 303
    session.refresh(draft)
    assert draft.status == "review" and session.scalar(select(func.count(Indicator.id))) == 0
    rows = draft.table["review"]["rows"]
    index = next(i for i, r in enumerate(rows) if r["cells"]["level3"] == "新建错车道")
    html = client.get(draft_page).get_data(as_text=True)
    assert "≥ 50 个" in html  # the target as read, beside the cell as written
    response = post_form(
        client, draft_page + "/review", {f"cell-{index}-target_value": "≥60个", "action": "commit"}, page=draft_page
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:600]
    leaf = session.scalar(select(Indicator).where(Indicator.name == "新建错车道"))
    assert (leaf.target_value, leaf.target_original) == (60, "≥60个")
    edit = session.scalar(select(AuditEvent).where(AuditEvent.action == "material.draft_edit"))
    assert (edit.details["before"], edit.details["after"]) == (
        [{"row": 11, "field": "target_value", "value": "≥ 50个"}],
        [{"row": 11, "field": "target_value", "value": "≥60个"}],
    )
    commit = session.scalar(select(AuditEvent).where(AuditEvent.action == "material.draft_commit"))
    assert (commit.details["before"], commit.details["after"]) == (edit.details["before"], edit.details["after"])


def test_a_refused_review_commit_keeps_the_corrections_and_stores_nothing(client, session, world):
    login(client, world.evaluator.username)
    page = f"/engagements/{world.engagement.id}/materials"
    response = post_form(
        client,
        page,
        {
            "kind": "self_assessment",
            "layout_id": "0",
            "file": (BytesIO(xlsx(county.zhejiang_self_assessment())), "自评表.xlsx"),
        },
        page=page,
        content_type="multipart/form-data",
    )
    draft_page = response.headers["Location"]
    draft = session.scalar(select(ImportDraft))
    post_form(client, draft_page + "/mapping", mapping_form(draft), page=draft_page)
    response = post_form(
        client, draft_page + "/review", {"cell-0-executed": "一千", "action": "commit"}, page=draft_page
    )
    assert response.status_code == 422 and "全年执行数：不是数字" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(BudgetLine.id))) == 0
    session.refresh(draft)
    assert draft.table["review"]["rows"][0]["cells"]["executed"] == "一千" and draft.status == "review"


def test_a_legacy_xls_self_assessment_with_merged_cells(session, app, world):
    from tests.materials import xls_layouts

    material = service.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="self_assessment",
        stream=BytesIO(xls_layouts.self_assessment_xls()),
        filename="自评表.xls",
        max_bytes=2**24,
    )
    session.commit()
    assert material.evidence.mime == "application/vnd.ms-excel"
    line = session.scalar(select(BudgetLine).order_by(BudgetLine.row_number))
    assert (line.item, line.annual_budget, line.execution_rate) == (
        "年度资金总额",
        Decimal("7600000.00"),
        Decimal("0.95"),
    )
    rows = assert_self_assessed_targets(session, xls_layouts.XLS_TARGETS)
    assert rows["设备验收合格率"].level1 == "产出指标"


def test_a_legacy_xls_ledger_with_a_total_row(session, app, world):
    from tests.materials import xls_layouts

    material = service.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="ledger",
        stream=BytesIO(xls_layouts.ledger_xls()),
        filename="台账.xls",
        max_bytes=2**24,
    )
    session.commit()
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert material.row_count == 2 and [(e.kind, e.amount) for e in entries] == [
        ("到位", Decimal("7600000.00")),
        ("支出", Decimal("7220000.00")),
    ]
    assert entries[0].entry_date.isoformat() == "2025-02-01"


def test_a_hand_typed_self_assessment_with_units_in_headers_and_points_written_as_fen(session, app, world):
    run_import(session, app, world, "self_assessment", county.sichuan_self_assessment())
    line = session.scalar(select(BudgetLine))
    assert (line.item, line.annual_budget, line.executed, line.weight, line.points) == (
        "年度资金总额",
        Decimal("5600000.00"),
        Decimal("5040000.00"),
        Decimal("10"),
        Decimal("9"),
    )
    rows = assert_self_assessed_targets(session, county.SICHUAN_TARGETS)
    assert set(rows) == set(county.SICHUAN_TARGETS)
    assert rows["受益群众满意度"].level2 == "受益群众满意度" and rows["户均补助标准"].level1 == "产出指标"
    assert rows["改造危房户数"].weight == 20 and rows["改造危房户数"].actual_number == 126


def test_a_self_assessment_without_a_budget_block_behind_a_cover_sheet(session, app, world):
    material = run_import(session, app, world, "self_assessment", county.indicators_only_self_assessment())
    assert material.sheet == "指标" and session.scalar(select(func.count(BudgetLine.id))) == 0
    rows = {r.level3: r for r in session.scalars(select(SelfAssessedIndicator))}
    assert (
        rows["发放高龄津贴人数"].target_operator,
        rows["发放高龄津贴人数"].target_number,
        rows["发放高龄津贴人数"].target_unit,
        rows["发放高龄津贴人数"].target_value,
    ) == ("≥", 3200, "人", "≥3,200人")
    assert rows["发放高龄津贴人数"].actual_number == 3260
    assert (rows["津贴按月足额发放率"].target_operator, rows["津贴按月足额发放率"].target_number) == ("=", 100)


def test_a_hand_kept_journal_by_month_and_day_with_debit_and_credit_assigned_by_hand(session, app, world):
    store = BlobStore(app.config["STORAGE_DIR"])
    draft = drafts.start_draft(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="ledger",
        stream=BytesIO(xlsx(county.handkept_journal_by_month_and_day())),
        filename="明细账.xlsx",
        max_bytes=2**24,
    )
    columns = draft.table["choice"]["sections"]["ledger"]["columns"]
    assert {k: columns.get(k) for k in ("month", "day", "voucher_no", "purpose")} == {
        "month": 0,
        "day": 1,
        "voucher_no": 2,
        "purpose": 3,
    }
    assert "amount_in" not in columns and "amount_out" not in columns  # 借方/贷方: the evaluator decides
    choice = draft.table["choice"]
    choice["sections"]["ledger"]["columns"].update(amount_out=4, amount_in=5)  # a 支出 account: 借方 is spending
    material = drafts.confirm_mapping(
        session, store, draft, world.engagement, world.evaluator, factories.NOW, choice, max_bytes=2**24
    )
    session.commit()
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert material.row_count == 3
    assert [(e.entry_date.isoformat(), e.kind, e.amount) for e in entries] == [
        ("2025-03-12", "支出", Decimal("380000.00")),
        ("2025-04-02", "支出", Decimal("12500.00")),
        ("2025-04-30", "到位", Decimal("5000.00")),
    ]


def test_a_target_sheet_whose_first_level_names_are_heading_rows(session, app, world):
    run_import(session, app, world, "target_sheet", county.jiangxi_target_sheet_with_section_rows())
    leaves = tree_targets(session)
    assert set(leaves) == set(county.JIANGXI_TARGETS)
    for name, (operator, value, unit, original) in county.JIANGXI_TARGETS.items():
        leaf = leaves[name]
        assert (leaf.operator, leaf.target_value, leaf.unit, leaf.target_original) == (
            expected_code(operator),
            Decimal(value),
            unit,
            original,
        ), name
    parents = {i.id: i for i in session.scalars(select(Indicator).where(Indicator.level < 3))}
    top = parents[parents[leaves["入住率"].parent_id].parent_id]
    assert top.name == "效益指标" and top.points == 30


def test_a_gbk_csv_target_sheet_exported_by_a_budget_system(session, app, world):
    text = (
        "项目支出绩效目标表\r\n"
        "单位名称：某县教育局,,,,,\r\n"
        "一级指标,二级指标,三级指标,指标性质,指标值,度量单位,权重\r\n"
        '产出指标,数量指标,营养餐覆盖学生,≥,"12,500",人,40\r\n'
        ",质量指标,食品安全事故,=,0,起,30\r\n"
        "满意度指标,服务对象满意度指标,家长满意度,≥,90,%,30\r\n"
    )
    material = service.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="target_sheet",
        stream=BytesIO(text.encode("gbk")),
        filename="目标表.csv",
        max_bytes=2**24,
    )
    session.commit()
    assert material.evidence.mime == "text/csv" and material.row_count == 3
    leaves = tree_targets(session)
    got = {n: (l.operator, l.target_value, l.unit, l.target_original) for n, l in leaves.items()}
    assert got == {
        "营养餐覆盖学生": ("ge", Decimal(12500), "人", "12,500"),
        "食品安全事故": ("eq", Decimal(0), "起", "0"),
        "家长满意度": ("ge", Decimal(90), "%", "90"),
    }
    assert session.get(Indicator, leaves["食品安全事故"].parent_id).name == "质量指标"


def test_a_ledger_with_english_headers(session, app, world):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Fund ledger 2025"])
    sheet.append(["No.", "Date", "Voucher no.", "Type", "Description", "Payee", "Amount"])
    sheet.append([1, "2025-01-05", "V-001", "资金到位", "County allocation", "County finance bureau", 500_000])
    sheet.append([2, "2025-02-10", "V-014", "支出", "Equipment", "Supplier Ltd", 120_000.5])
    sheet.append(["Total", None, None, None, None, None, 620_000.5])
    material = run_import(session, app, world, "ledger", book)
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert material.row_count == 2 and [(e.voucher_no, e.kind, e.amount) for e in entries] == [
        ("V-001", "到位", Decimal("500000.00")),
        ("V-014", "支出", Decimal("120000.50")),
    ]
