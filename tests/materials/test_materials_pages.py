"""The materials page: an upload with bad rows shows every error and stores nothing; a good one imports."""

from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evalplatform.materials.models import ImportDraft, LedgerEntry, MaterialImport
from tests import factories
from tests.conftest import csrf_token, login
from tests.materials import workbooks
from tests.materials.setting import mapping_form


@pytest.fixture
def world(session, client):
    world = factories.World(session)
    login(client, world.evaluator.username)
    return world


def upload(client, session, engagement_id, workbook, columns=None, **fields):
    """Upload, then confirm the detected mapping (with `columns` changed by hand) on the mapping page."""
    page = f"/engagements/{engagement_id}/materials"
    data = {
        "csrf_token": csrf_token(client, page),
        "kind": "ledger",
        **fields,
        "file": (BytesIO(workbooks.xlsx(workbook)), "台账.xlsx"),
    }
    response = client.post(page, data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    draft_page = response.headers["Location"]
    draft = session.scalar(select(ImportDraft).order_by(ImportDraft.id.desc()))
    form = {**mapping_form(draft, **(columns or {})), "csrf_token": csrf_token(client, draft_page)}
    return client.post(draft_page + "/mapping", data=form)


def test_a_defective_upload_lists_every_error_and_stores_nothing(client, session, world):
    response = upload(client, session, world.engagement.id, workbooks.ledger_with_five_defects())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("<td>资金台账</td>") == 5 and "64万零" in html and "凭证号：不能为空" in html
    assert session.scalar(select(func.count(MaterialImport.id))) == 0


def test_a_column_chosen_by_hand_imports_and_is_saved_as_the_bureaus_layout(client, session, world):
    workbook = workbooks.ledger_workbook()
    workbook.active["C3"] = "单据编号"  # no synonym of 凭证号: the page asks for its column
    response = upload(
        client,
        session,
        world.engagement.id,
        workbook,
        columns={"col-ledger-voucher_no": 3, "layout_name": "江州市台账"},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    assert session.scalar(select(func.count(LedgerEntry.id))) == 8
    page = client.get(f"/engagements/{world.engagement.id}/materials").get_data(as_text=True)
    assert "台账.xlsx" in page and "E-0001" in page and "江州市台账" in page
    response = upload(client, session, world.engagement.id, workbook)  # next time the layout is offered
    assert response.status_code == 303
    assert session.scalar(select(func.count(LedgerEntry.id))) == 16


def test_crosscheck_findings_and_sample_pages_render_and_export(client, session, world):
    upload(client, session, world.engagement.id, workbooks.ledger_workbook())
    base = f"/engagements/{world.engagement.id}"
    assert (
        client.post(f"{base}/crosscheck/run", data={"csrf_token": csrf_token(client, f"{base}/crosscheck")}).status_code
        == 303
    )
    page = client.get(f"{base}/crosscheck").get_data(as_text=True)
    assert "预算执行率" in page and "无法核实" in page  # no 自评表: the declared side is missing
    for url in (f"{base}/findings", f"{base}/samples"):
        assert client.get(url).status_code == 200
    response = client.post(
        f"{base}/findings",
        data={
            "csrf_token": csrf_token(client, f"{base}/findings"),
            "title": '=HYPERLINK("x")',
            "description": "台账未按项目单独核算",
            "severity": "high",
            "indicator_refs": "财务监控，资金使用合规性",
            "recommendation": "按项目设置辅助核算",
        },
    )
    assert response.status_code == 303
    sheet = load_workbook(BytesIO(client.get(f"{base}/findings.xlsx").data)).active
    assert sheet["A2"].value == "F-001" and sheet["B2"].value.startswith("'=")
    assert sheet["D2"].value == "重大" and sheet["E2"].value == "财务监控、资金使用合规性"


def test_sampling_and_a_verified_figure_through_the_pages(client, session, app, world):
    from evalplatform.evidence.service import store_upload
    from evalplatform.evidence.store import BlobStore
    from tests.evidence import files

    base = f"/engagements/{world.engagement.id}"
    page = f"{base}/materials"
    upload(
        client,
        session,
        world.engagement.id,
        workbooks.beneficiary_workbook(),
        kind="declared_list",
        name="受益农户清单",
        key_column="身份证号",
    )
    material = session.scalar(select(MaterialImport))
    response = client.post(
        f"{base}/samples",
        data={
            "csrf_token": csrf_token(client, f"{base}/samples"),
            "import_id": material.id,
            "confidence": "0.95",
            "tolerable_error": "10",
            "expected_rate": "50",
            "seed": "99",
            "stratum_column": "乡镇",
        },
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "66" in html and "99" in html  # n = 66 for 200 at 95 % / 10 %; the seed is shown
    from evalplatform.crosscheck.models import SampleItem

    item = session.scalar(select(SampleItem).order_by(SampleItem.position))
    response = client.post(
        f"{base}/samples/{item.sample_id}/items/{item.id}",
        data={
            "csrf_token": csrf_token(client, f"{base}/samples"),
            "result": "not_found",
            "note": "无此户",
            "evidence_id": "0",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(SampleItem, item.id).result == "not_found"
    sheet = load_workbook(BytesIO(client.get(f"{base}/samples/worksheet.xlsx?sample={item.sample_id}").data)).active
    assert sheet.max_row == 67 and sheet["A2"].value == 1
    photo = store_upload(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=BytesIO(files.jpeg()),
        filename="量测.jpg",
        max_bytes=10**7,
    ).evidence
    session.commit()
    response = client.post(
        f"{base}/crosscheck/verify",
        data={
            "csrf_token": csrf_token(client, f"{base}/crosscheck"),
            "subject": "改造公路里程",
            "declared": "126.4",
            "verified": "118.2",
            "unit": "公里",
            "tolerance_rel": "2",
            "evidence_id": str(photo.id),
            "indicator_ref": "",
        },
    )
    assert response.status_code == 303
    page = client.get(f"{base}/crosscheck").get_data(as_text=True)
    assert (
        "改造公路里程" in page and "不一致" in page and "-8.2公里" in page
    )  # the difference in the declared unit (formatting.number)
