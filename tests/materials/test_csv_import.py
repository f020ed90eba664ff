"""CSV material imports: UTF-8 (with or without BOM) or GBK, the same validations, all or nothing, the original
kept as evidence (text/csv allowed for material imports only), formulas never injected on the way out."""

import csv
import io
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evalplatform.crosscheck import sampling
from evalplatform.evidence import service as evidence_service
from evalplatform.evidence.content import RejectedContent, csv_text
from evalplatform.evidence.models import Evidence, EvidenceLink
from evalplatform.evidence.store import BlobStore
from evalplatform.materials import service
from evalplatform.materials.models import ImportDraft, LedgerEntry, MaterialImport, SelfAssessedIndicator
from evalplatform.spreadsheets import xlsx_bytes
from tests import factories
from tests.conftest import login, post_form
from tests.materials import workbooks
from tests.materials.setting import Team, mapping_form

HEADER = ["序号", "记账日期", "凭证字号", "业务类型", "摘要", "收款单位", "金额（元）", "合同签订日期"]


def ledger_rows():
    return [
        [n, d.isoformat(), v, k, p, payee, f"{a:,.2f}", c.isoformat() if c else ""]
        for n, (d, v, k, p, payee, a, c) in enumerate(workbooks.LEDGER_ROWS, start=1)
    ]


def csv_bytes(rows, encoding="utf-8", title="2025年农村公路提档升级项目资金台账（单位：元）") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([title])
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


@pytest.fixture
def world(session):
    return Team(session)


def run_import(session, app, world, kind, data, filename="台账.csv", **kwargs):
    material = service.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind=kind,
        stream=BytesIO(data),
        filename=filename,
        max_bytes=10 * 2**20,
        **kwargs,
    )
    session.commit()
    return material


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_ledger_imports_in_each_encoding_and_is_kept_as_evidence(session, app, world, encoding):
    data = csv_bytes(ledger_rows(), encoding)
    material = run_import(session, app, world, "ledger", data)
    entries = session.scalars(select(LedgerEntry).order_by(LedgerEntry.row_number)).all()
    assert material.row_count == 8 and [e.row_number for e in entries] == list(range(3, 11))
    assert entries[2].amount == Decimal("3215478.36") and entries[2].payee == "江州路桥建设有限公司"
    assert entries[2].contract_date.isoformat() == "2025-03-18" and material.sheet == "台账"
    evidence = session.get(Evidence, material.evidence_id)
    assert evidence.mime == "text/csv" and evidence.original_filename == "台账.csv"
    assert BlobStore(app.config["STORAGE_DIR"]).path_for(evidence.blob_sha256).read_bytes() == data
    assert session.scalar(select(EvidenceLink.target_type).where(EvidenceLink.evidence_id == evidence.id)) == "material"


def test_a_csv_with_five_defects_reports_exactly_those_rows_and_stores_nothing(session, app, world):
    rows = ledger_rows()
    rows[1][6] = "64万零"  # row 4
    rows[2][1] = "2025-02-30"  # row 5
    rows[3][6] = "=1+2"  # row 6: a formula is not an amount
    rows[5][2] = ""  # row 8: voucher missing
    rows[6][3] = "借款"  # row 9
    with pytest.raises(service.ImportRefused) as refused:
        run_import(session, app, world, "ledger", csv_bytes(rows, "gbk"))
    session.rollback()
    assert [(e.row, e.column) for e in refused.value.errors] == [(4, "G"), (5, "B"), (6, "G"), (8, "C"), (9, "D")]
    assert refused.value.errors[2].value == "=1+2"
    for model in (MaterialImport, LedgerEntry, Evidence):
        assert count(session, model) == 0
    blobs = BlobStore(app.config["STORAGE_DIR"]).root / "blobs"
    assert not blobs.exists() or not [p for p in blobs.rglob("*") if p.is_file()]


def test_a_csv_self_assessment_and_declared_list(session, app, world):
    text = (
        "项目支出绩效自评表（2025年度）\r\n"
        "项目资金（万元）,年初预算数,全年预算数,全年执行数,分值,执行率,得分\r\n"
        '年度资金总额,3860,3860,"3,512.60",10,91%,9.1\r\n'
        "一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分,偏差原因分析及改进措施\r\n"
        "产出指标,数量指标,改造公路里程,≥126公里,１２６.４公里,10,10,\r\n"
        ',时效指标,按期完工率,≥95%,92%,10,8,"部分路段雨季停工,\n已调整工期"\r\n'
    )
    run_import(session, app, world, "self_assessment", text.encode("utf-8-sig"), filename="自评表.csv")
    rows = session.scalars(select(SelfAssessedIndicator).order_by(SelfAssessedIndicator.row_number)).all()
    assert [(r.level1, r.level2, r.level3, r.actual_number) for r in rows] == [
        ("产出指标", "数量指标", "改造公路里程", Decimal("126.4")),
        ("产出指标", "时效指标", "按期完工率", Decimal("92")),
    ]
    assert rows[1].deviation_note == "部分路段雨季停工,\n已调整工期"
    listing = "农户编号,户主姓名,乡镇\nJZ-0001,户主一,青石镇\nJZ-0002,@SUM(1+1)*cmd,白沙乡\n".encode("gbk")
    material = run_import(
        session, app, world, "declared_list", listing, filename="受益农户.csv", name="受益农户", key_column="农户编号"
    )
    assert material.row_count == 2 and material.columns == ["农户编号", "户主姓名", "乡镇"]
    # The text stays text; exporting it (the sample worksheet) cannot make a spreadsheet run it.
    sample = sampling.draw_sample(session, world.engagement, material, world.evaluator, factories.NOW, seed=1, size=2)
    header, body = sampling.worksheet_rows(sample)
    sheet = load_workbook(BytesIO(xlsx_bytes([("样本", header, body)]))).active
    names = {sheet.cell(row=r, column=5).value for r in (2, 3)}
    assert names == {"户主一", "'@SUM(1+1)*cmd"}
    assert all(sheet.cell(row=r, column=c).data_type != "f" for r in (1, 2, 3) for c in range(1, 9))


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"%PDF-1.4 not a table", "只支持 Excel 工作簿（.xlsx、.xls）或 CSV"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "只支持 Excel 工作簿（.xlsx、.xls）或 CSV"),
        (b"a,b\x00,c\n", "二进制"),
        (b"a,b\x07,c\n", "控制字符"),
        ("序号,金额\n1,€100\n".encode("utf-16"), "二进制"),
        (b"\xff\xfe\xfd,\x81\n", "编码"),
        (b"<html><script>alert(1)</script></html>", "网页"),
    ],
)
def test_non_csv_content_is_refused_with_a_reason(session, app, world, data, reason):
    with pytest.raises(service.MaterialError, match=reason):
        run_import(session, app, world, "ledger", data)
    session.rollback()
    assert count(session, Evidence) == 0


def test_csv_is_refused_as_ordinary_evidence(session, app, world):
    data = csv_bytes(ledger_rows())
    assert csv_text(data).startswith("2025年")
    with pytest.raises(RejectedContent):
        evidence_service.store_upload(
            session,
            BlobStore(app.config["STORAGE_DIR"]),
            world.engagement,
            world.evaluator,
            factories.NOW,
            stream=BytesIO(data),
            filename="a.csv",
            max_bytes=2**20,
        )


def test_the_materials_page_uploads_a_csv(client, session, world):
    login(client, world.evaluator.username)
    page = f"/engagements/{world.engagement.id}/materials"
    assert 'accept=".xlsx,.xls,.csv"' in client.get(page).get_data(as_text=True)
    response = post_form(
        client,
        page,
        {"kind": "ledger", "file": (BytesIO(csv_bytes(ledger_rows(), "gbk")), "台账.csv")},
        page=page,
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]
    assert count(session, LedgerEntry) == 0  # the detected mapping is shown first
    draft = session.scalar(select(ImportDraft))
    assert response.headers["Location"].endswith(f"/materials/drafts/{draft.id}")
    assert "凭证字号" in client.get(response.headers["Location"]).get_data(as_text=True)
    response = post_form(
        client, response.headers["Location"] + "/mapping", mapping_form(draft), page=response.headers["Location"]
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    assert count(session, LedgerEntry) == 8
