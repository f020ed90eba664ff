"""Material imports: realistic files import; a file with bad rows reports each of them and stores nothing."""

from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import func, select

from evalplatform.evidence.models import Evidence, EvidenceLink
from evalplatform.evidence.store import BlobStore
from evalplatform.materials import service
from evalplatform.materials.models import BudgetLine, DeclaredItem, LedgerEntry, MaterialImport, SelfAssessedIndicator
from tests import factories
from tests.materials import workbooks
from tests.materials.setting import Team


@pytest.fixture
def world(session):
    return Team(session)


def run_import(session, app, world, kind, workbook, **kwargs):
    data = workbooks.xlsx(workbook) if not isinstance(workbook, bytes) else workbook
    material = service.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind=kind,
        stream=BytesIO(data),
        filename=kwargs.pop("filename", f"{kind}.xlsx"),
        max_bytes=50 * 2**20,
        **kwargs,
    )
    session.commit()
    return material


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_a_ledger_imports_with_every_record_in_yuan(session, app, world):
    material = run_import(session, app, world, "ledger", workbooks.ledger_workbook())
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert material.row_count == 8 and [e.row_number for e in entries] == list(range(4, 12))
    assert entries[2].amount == Decimal("3215478.36") and entries[2].kind == "支出"
    assert entries[0].kind == "到位" and entries[1].kind == "拨付"
    assert entries[2].contract_date.isoformat() == "2025-03-18" and entries[0].contract_date is None
    assert material.mapping["voucher_no"] == "凭证字号" and material.mapping["amount"] == "金额（元）"


def test_the_original_file_is_kept_as_linked_evidence(session, app, world):
    data = workbooks.xlsx(workbooks.ledger_workbook())
    material = run_import(session, app, world, "ledger", data, filename="资金台账2025.xlsx")
    evidence = session.get(Evidence, material.evidence_id)
    assert evidence.original_filename == "资金台账2025.xlsx"
    assert BlobStore(app.config["STORAGE_DIR"]).path_for(evidence.blob_sha256).read_bytes() == data
    link = session.scalar(select(EvidenceLink))
    assert (link.target_type, link.target_id) == ("material", material.id)


def test_text_dates_separators_and_full_width_digits_read_as_values(session, app, world):
    run_import(session, app, world, "ledger", workbooks.ledger_with_text_formats())
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert entries[1].entry_date.isoformat() == "2025-03-05" and entries[2].entry_date.isoformat() == "2025-04-02"
    assert entries[2].amount == Decimal("3215478.36") and entries[3].amount == Decimal("186420.50")
    assert entries[4].voucher_no == "记-052"


def test_five_planted_defects_are_exactly_the_five_errors_and_nothing_is_stored(session, app, world):
    with pytest.raises(service.ImportRefused) as refused:
        run_import(session, app, world, "ledger", workbooks.ledger_with_five_defects())
    session.rollback()
    found = [(e.sheet, e.row, e.column) for e in refused.value.errors]
    assert found == [
        ("资金台账", 5, "G"),
        ("资金台账", 6, "B"),
        ("资金台账", 7, "G"),
        ("资金台账", 9, "C"),
        ("资金台账", 10, "D"),
    ]
    reasons = [e.reason for e in refused.value.errors]
    assert reasons[0] == "金额：不是数字" and refused.value.errors[0].value == "64万零"
    assert reasons[1] == "日期：不是有效日期" and "缓存" in reasons[2]
    assert reasons[3] == "凭证号：不能为空" and refused.value.errors[4].value == "借款"
    for model in (MaterialImport, LedgerEntry, Evidence):
        assert count(session, model) == 0
    blobs = BlobStore(app.config["STORAGE_DIR"]).root / "blobs"
    assert not blobs.exists() or not [p for p in blobs.rglob("*") if p.is_file()]


def test_control_characters_in_a_bad_value_are_shown_escaped(session, app, world):
    workbook = workbooks.ledger_workbook()
    workbook.active["G4"] = "12\u200b34"
    with pytest.raises(service.ImportRefused) as refused:
        run_import(session, app, world, "ledger", workbook)
    assert refused.value.errors[0].value == "12\\u200b34"


def test_the_self_assessment_reads_wan_yuan_merged_headers_and_merged_indicator_levels(session, app, world):
    run_import(session, app, world, "self_assessment", workbooks.self_assessment_workbook())
    total = session.scalars(select(BudgetLine).order_by(BudgetLine.row_number)).first()
    assert total.item == "年度资金总额" and total.annual_budget == Decimal("38600000.00")
    assert total.executed == Decimal("35126000.00") and total.execution_rate == Decimal("0.91")
    indicators = session.scalars(select(SelfAssessedIndicator).order_by(SelfAssessedIndicator.row_number)).all()
    assert len(indicators) == 7
    assert [(i.level1, i.level2) for i in indicators[:2]] == [("产出指标", "数量指标")] * 2
    assert indicators[0].actual_value == "126.4公里" and indicators[0].actual_number == Decimal("126.4")
    assert indicators[3].points == Decimal("8") and "雨季" in indicators[3].deviation_note
    assert indicators[6].level1 == "满意度指标"


def test_an_uncached_execution_rate_formula_is_reported_not_read_as_zero(session, app, world):
    workbook = workbooks.self_assessment_workbook(rate="=E6/D6")
    with pytest.raises(service.ImportRefused) as refused:
        run_import(session, app, world, "self_assessment", workbook)
    assert [(e.row, e.column) for e in refused.value.errors] == [(6, "G"), (7, "G")]


def test_a_saved_column_mapping_is_used_for_the_next_file(session, app, world):
    workbook = workbooks.ledger_workbook()
    workbook.active["C3"] = "单据编号"  # not an alias of 凭证号
    with pytest.raises(service.ImportRefused) as refused:
        run_import(session, app, world, "ledger", workbook)
    assert "找不到表头" in refused.value.errors[0].reason and "凭证号" in refused.value.errors[0].reason
    session.rollback()
    run_import(session, app, world, "ledger", workbook, mapping={"voucher_no": "单据编号"})
    assert service.saved_mapping(session, world.engagement, "ledger")["ledger.voucher_no"] == "单据编号"
    run_import(session, app, world, "ledger", workbook)  # no mapping given: the saved one applies
    assert count(session, MaterialImport) == 2


def test_a_beneficiary_list_imports_by_its_key_column_and_refuses_duplicates(session, app, world):
    material = run_import(
        session,
        app,
        world,
        "declared_list",
        workbooks.beneficiary_workbook(),
        name="受益农户清单",
        key_column="身份证号",
    )
    assert material.row_count == 200 and count(session, DeclaredItem) == 200
    item = session.scalar(select(DeclaredItem).where(DeclaredItem.row_number == 2))
    assert item.key == "360100000000000001" and item.data["户主姓名"] == "农户1"
    rows = [
        (1, "青石镇", "村1", "甲", "A1", 1),
        (2, "青石镇", "村1", "乙", "A2", 1),
        (3, "青石镇", "村1", "丙", "A1", 1),
    ]
    with pytest.raises(service.ImportRefused) as refused:
        run_import(
            session,
            app,
            world,
            "declared_list",
            workbooks.beneficiary_workbook(rows),
            name="另一清单",
            key_column="身份证号",
        )
    assert [(e.row, e.reason) for e in refused.value.errors] == [(4, "身份证号：与第 2 行重复")]


def test_a_file_that_is_not_a_workbook_is_refused(session, app, world):
    with pytest.raises(service.MaterialError, match="只支持 Excel"):
        run_import(session, app, world, "ledger", b"%PDF-1.4 not a workbook")


def test_a_zip_that_unpacks_to_too_much_is_refused_before_reading(session, app, world):
    import io
    import zipfile

    from evalplatform import bounds

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(range(256)) * 2**13)  # 2 MB, incompressible
    with pytest.raises(service.MaterialError, match="解压后大小为 2 MB，上限为 1 MB"):
        run_import(session, app, world, "ledger", buffer.getvalue(), limits=bounds.Limits(max_unpacked_bytes=2**20))


def test_a_streamed_ledger_loses_no_row_at_the_head_and_chunk_boundaries(session, app, world, monkeypatch):
    from datetime import date, timedelta

    from evalplatform.materials import parsers, reading

    monkeypatch.setattr(parsers, "CHUNK_ROWS", 40)  # several chunks after the 60 rows read first
    rows = [
        (date(2025, 1, 1) + timedelta(days=n % 300), f"记-{n:04d}", "支出", f"第{n}笔", "某公司", 100 + n, None)
        for n in range(1, 251)
    ]
    material = run_import(session, app, world, "ledger", workbooks.ledger_workbook(rows))
    numbers = list(session.scalars(select(LedgerEntry.row_number).order_by(LedgerEntry.row_number)))
    assert material.row_count == 250 and numbers == list(range(4, 254))
    assert session.scalar(select(func.sum(LedgerEntry.amount))) == sum(100 + n for n in range(1, 251))
    assert reading.STREAM_HEAD == 60


def test_errors_in_every_chunk_are_all_reported_and_nothing_is_stored(session, app, world, monkeypatch):
    from evalplatform.materials import parsers

    monkeypatch.setattr(parsers, "CHUNK_ROWS", 40)
    rows = [
        (None if n in (10, 150, 240) else "2025-03-01", f"记-{n:04d}", "支出", "", "某公司", 5, None)
        for n in range(1, 251)
    ]
    with pytest.raises(service.ImportRefused) as refused:
        run_import(session, app, world, "ledger", workbooks.ledger_workbook(rows))
    assert [(e.row, e.column) for e in refused.value.errors] == [(13, "B"), (153, "B"), (243, "B")]
    session.rollback()
    assert count(session, LedgerEntry) == 0 and count(session, MaterialImport) == 0


def test_a_ledgers_totals_are_kept_at_import_and_agree_with_the_database(session, app, world):
    from evalplatform.crosscheck.service import ledger_summary

    material = run_import(session, app, world, "ledger", workbooks.ledger_workbook())
    assert material.totals == {"到位": "38600000.00", "拨付": "6400000.00", "支出": "23897365.21", "count": 8}
    stored = ledger_summary(session, world.engagement)
    material.totals = None  # an import made before totals were kept: summed in SQL
    session.flush()
    assert ledger_summary(session, world.engagement) == stored
    assert (stored.in_place, stored.executed, stored.count) == (Decimal("38600000.00"), Decimal("30297365.21"), 8)
