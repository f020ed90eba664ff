"""The sync API over HTTP (status codes the phone's queue relies on), app resources and the record sheet."""

import json
import threading
import uuid
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from evalplatform.evidence.models import Evidence
from evalplatform.inspections import checklist
from evalplatform.inspections.models import Inspection, InspectionPhoto
from tests.conftest import csrf_token, login
from tests.evidence import files
from tests.inspections.helpers import entry_payload, setting, start_payload


@pytest.fixture
def ready(session, client):
    world, site, version = setting(session)
    login(client, world.evaluator.username)
    base = f"/engagements/{world.engagement.id}/inspections"
    token = client.get(f"{base}/token").json["csrf_token"]
    return world, site, version, base, {"X-CSRFToken": token}


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def post(client, ready, body):
    _w, _s, _v, base, headers = ready
    return client.post(f"{base}/sync", data=json.dumps(body), content_type="application/json", headers=headers)


def post_photo(client, ready, inspection_uuid, key, content, purpose="photo", item_code="surface"):
    _w, _s, _v, base, headers = ready
    return client.post(
        f"{base}/sync/photo",
        headers=headers,
        content_type="multipart/form-data",
        data={
            "inspection_uuid": str(inspection_uuid),
            "client_uuid": str(key),
            "purpose": purpose,
            "item_code": item_code,
            "file": (BytesIO(content), "现场.jpg"),
        },
    )


def test_sync_answers_201_then_200_then_409(client, session, ready):
    _world, site, version, base, _headers = ready
    body = {"op": "start", **start_payload(site, version)}
    first, again = post(client, ready, body), post(client, ready, body)
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    conflict = post(client, ready, {**body, "team_members": ["别人"]})
    assert conflict.status_code == 409 and conflict.json["error"] == "该勘查编号已用于另一次勘查"
    bad = post(client, ready, {"op": "entry", **entry_payload(body["client_uuid"], "surface", result="fail")})
    assert bad.status_code == 422 and bad.json["errors"]["surface.note"].startswith("结果为不符合或部分符合时")
    assert post(client, ready, {"op": "drop"}).status_code == 400
    no_token = client.post(
        f"{base}/sync",
        data=json.dumps({"op": "start", **start_payload(site, version)}),
        content_type="application/json",
    )
    assert no_token.status_code == 400
    assert count(session, Inspection) == 1


def test_a_photo_sent_twice_or_concurrently_is_one_record(app, client, session, ready):
    world, site, version, base, headers = ready
    body = {"op": "start", **start_payload(site, version)}
    post(client, ready, body)
    key, photo = uuid.uuid4(), files.jpeg()
    assert post_photo(client, ready, body["client_uuid"], key, photo).status_code == 201
    assert post_photo(client, ready, body["client_uuid"], key, photo).status_code == 200
    assert post_photo(client, ready, body["client_uuid"], key, files.png()).status_code == 409
    bad = post_photo(client, ready, body["client_uuid"], uuid.uuid4(), files.SVG_AS_JPG)
    assert bad.status_code == 422 and "不支持的文件类型" in bad.json["errors"]["file"]
    cookie = client.get_cookie("session").value
    second = uuid.uuid4()
    codes = []

    def send():
        with app.test_client() as other:
            other.set_cookie("session", cookie)
            codes.append(
                other.post(
                    f"{base}/sync/photo",
                    headers=headers,
                    content_type="multipart/form-data",
                    data={
                        "inspection_uuid": body["client_uuid"],
                        "client_uuid": str(second),
                        "purpose": "photo",
                        "item_code": "surface",
                        "file": (BytesIO(photo), "并发.jpg"),
                    },
                ).status_code
            )

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [200] * 9 + [201], codes
    assert count(session, InspectionPhoto) == 2 and count(session, Evidence) == 2


def test_app_resources_and_record_sheet(client, session, ready):
    world, site, version, base, _headers = ready
    page = client.get(f"{base}/app").get_data(as_text=True)
    assert "inspections/manifest.webmanifest" in page and 'id="inspect-app"' in page
    data = client.get(f"{base}/app.json").json
    assert data["sites"][0]["name"] == site.name and data["checklists"][0]["version_id"] == version.id
    assert data["results"][0] == ["pass", "符合"]
    manifest = client.get(f"{base}/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.json["start_url"] == f"{base}/app"
    worker = client.get(f"{base}/sw.js")
    assert worker.mimetype == "text/javascript" and f'"{base}/app.json"' in worker.get_data(as_text=True)
    body = {"op": "start", **start_payload(site, version)}
    inspection_id = post(client, ready, body).json["id"]
    post(client, ready, {"op": "entry", **entry_payload(body["client_uuid"], "road_length", measured_value="3.2")})
    post_photo(client, ready, body["client_uuid"], uuid.uuid4(), files.jpeg(), item_code="road_length")
    sheet = client.get(f"{base}/{inspection_id}").get_data(as_text=True)
    assert "勘查记录表" in sheet and "3.2 km" in sheet and "28.682101, 115.857902" in sheet
    assert "/evidence/1/preview" in sheet and "勘查尚未结束" in sheet
    assert site.name in client.get(base).get_data(as_text=True)
    site_map = client.get(f"{base}/map").get_data(as_text=True)
    assert 'data-testid="site-map"' in site_map and "<circle" in site_map and "28.682101" in site_map

    export = client.get(f"{base}/entries.xlsx")
    assert export.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("勘查点", "勘查表", "开始时间")
    measured = [r for r in rows[1:] if r[7]]
    assert len(measured) == 1 and measured[0][0] == site.name and measured[0][3] == "进行中"
    assert measured[0][7] == "3.2 km" and measured[0][9] == "E-0001"
    assert len(rows) - 1 == len(checklist.items(version.definition))  # every item, answered or not


def test_the_bureau_neither_reads_the_sheet_nor_syncs(client, session, ready):
    world, site, version, base, _headers = ready
    post(client, ready, {"op": "start", **start_payload(site, version)})
    client.post("/logout", data={"csrf_token": client.get(f"{base}/token").json["csrf_token"]})
    login(client, world.bureau_user.username)
    assert client.get(f"{base}/token").status_code == 404
    token = csrf_token(client, "/bureau")
    refused = client.post(
        f"{base}/sync",
        data=json.dumps({"op": "start", **start_payload(site, version)}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert refused.status_code == 404
    inspection = session.scalar(select(Inspection))
    assert client.get(f"{base}/{inspection.id}").status_code == 404
