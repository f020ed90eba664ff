"""The materials page: an upload with bad rows shows every error and stores nothing; a good one imports."""
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evalplatform.materials.models import LedgerEntry, MaterialImport
from tests import factories
from tests.conftest import csrf_token, login
from tests.materials import workbooks


@pytest.fixture
def world(session, client):
    world = factories.World(session)
    login(client, world.evaluator.username)
    return world


def upload(client, engagement_id, workbook, **fields):
    page = f"/engagements/{engagement_id}/materials"
    data = {"csrf_token": csrf_token(client, page), "kind": "ledger", **fields,
            "file": (BytesIO(workbooks.xlsx(workbook)), "台账.xlsx")}
    return client.post(page, data=data, content_type="multipart/form-data")


def test_a_defective_upload_lists_every_error_and_stores_nothing(client, session, world):
    response = upload(client, world.engagement.id, workbooks.ledger_with_five_defects())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("<td>资金台账</td>") == 5 and "64万零" in html and "凭证号：不能为空" in html
    assert session.scalar(select(func.count(MaterialImport.id))) == 0


def test_a_good_upload_imports_and_a_mapping_can_be_given_on_the_form(client, session, world):
    workbook = workbooks.ledger_workbook()
    workbook.active["C3"] = "单据编号"
    response = upload(client, world.engagement.id, workbook, mapping="凭证号=单据编号")
    assert response.status_code == 303
    assert session.scalar(select(func.count(LedgerEntry.id))) == 8
    page = client.get(f"/engagements/{world.engagement.id}/materials").get_data(as_text=True)
    assert "台账.xlsx" in page and "E-0001" in page


def test_crosscheck_findings_and_sample_pages_render_and_export(client, session, world):
    upload(client, world.engagement.id, workbooks.ledger_workbook())
    base = f"/engagements/{world.engagement.id}"
    assert client.post(f"{base}/crosscheck/run", data={"csrf_token": csrf_token(client, f"{base}/crosscheck")}).status_code == 303
    page = client.get(f"{base}/crosscheck").get_data(as_text=True)
    assert "预算执行率" in page and "无法核实" in page   # no 自评表: the declared side is missing
    for url in (f"{base}/findings", f"{base}/samples"):
        assert client.get(url).status_code == 200
    response = client.post(f"{base}/findings", data={"csrf_token": csrf_token(client, f"{base}/findings"),
                                                     "title": "=HYPERLINK(\"x\")", "description": "台账未按项目单独核算",
                                                     "severity": "high", "indicator_refs": "财务监控，资金使用合规性"})
    assert response.status_code == 303
    sheet = load_workbook(BytesIO(client.get(f"{base}/findings.xlsx").data)).active
    assert sheet["A2"].value == "F-001" and sheet["B2"].value.startswith("'=")
    assert sheet["D2"].value == "重大" and sheet["E2"].value == "财务监控、资金使用合规性"
