import hashlib
import threading
import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from openpyxl import load_workbook
from sqlalchemy import func, select

from evalplatform.cli import verify_evidence_command
from evalplatform.evidence import service
from evalplatform.evidence.models import Evidence, EvidenceBlob
from evalplatform.evidence.store import BlobStore
from tests import factories
from tests.conftest import csrf_token, login
from tests.evidence import files


def upload(client, engagement_id, *named_files, accept_json=True, **fields):
    token = csrf_token(client, f"/engagements/{engagement_id}/evidence")
    data = {"csrf_token": token, **fields, "files": [(BytesIO(content), name) for name, content in named_files]}
    headers = {"Accept": "application/json"} if accept_json else {}
    return client.post(
        f"/engagements/{engagement_id}/evidence", data=data, headers=headers, content_type="multipart/form-data"
    )


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(session, client):
    world = factories.World(session)
    login(client, world.evaluator.username)
    return world


def test_a_photo_is_stored_by_hash_with_exif_time_and_gps(client, session, world, app):
    photo = files.jpeg()
    response = upload(client, world.engagement.id, ("柳湾村路面.jpg", photo), description="路面宽度", tags="路面，宽度")
    assert response.status_code == 200, response.json
    evidence = session.scalar(select(Evidence))
    assert evidence.blob_sha256 == hashlib.sha256(photo).hexdigest()
    assert evidence.original_filename == "柳湾村路面.jpg" and evidence.mime == "image/jpeg"
    assert evidence.code == "E-0001" and evidence.tags == ["宽度", "路面"]
    assert abs(evidence.latitude - Decimal("28.6821")) < Decimal("0.0001")
    assert evidence.captured_at.isoformat() == "2025-06-01T02:30:00+00:00"  # 10:30 Beijing time
    assert BlobStore(app.config["STORAGE_DIR"]).path_for(evidence.blob_sha256).read_bytes() == photo


def test_identical_bytes_twice_are_two_records_of_one_blob(client, session, world):
    photo = files.jpeg()
    upload(client, world.engagement.id, ("a.jpg", photo))
    upload(client, world.engagement.id, ("b.jpg", photo))
    assert count(session, Evidence) == 2 and count(session, EvidenceBlob) == 1


def test_many_files_in_one_request(client, session, world):
    response = upload(
        client,
        world.engagement.id,
        ("1.jpg", files.jpeg(color=(1, 2, 3))),
        ("2.png", files.png()),
        ("台账.xlsx", files.xlsx()),
        ("报告.pdf", files.pdf()),
    )
    assert response.status_code == 200
    assert sorted(e["code"] for e in response.json["accepted"]) == ["E-0001", "E-0002", "E-0003", "E-0004"]
    mimes = set(session.scalars(select(Evidence.mime)))
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" in mimes


BAD_FILES = [
    ("photo.jpg", files.HTML_AS_JPG, "不支持的文件类型"),
    ("photo.jpg", files.SVG_AS_JPG, "不支持的文件类型"),
    ("bomb.png", files.png_pixel_bomb(), "像素过多"),
    ("cut.jpg", files.jpeg(width=400, height=300)[:-600], "已损坏或不完整"),
    ("柳湾村/路面.png", files.png_corrupt(), "已损坏或不完整"),
    ("empty.jpg", b"", "文件为空"),
    ("长" * 300 + ".jpg", files.jpeg(), "文件名过长"),
    ("..", files.jpeg(), "文件名为空"),
]


@pytest.mark.parametrize("name,content,message", BAD_FILES, ids=[m + str(i) for i, (_n, _c, m) in enumerate(BAD_FILES)])
def test_bad_files_are_refused_with_a_reason_and_nothing_is_stored(client, session, world, app, name, content, message):
    response = upload(client, world.engagement.id, (name, content))
    assert response.status_code == 422
    assert message in response.json["refused"][0]["error"]
    assert count(session, Evidence) == 0 and count(session, EvidenceBlob) == 0
    blobs = BlobStore(app.config["STORAGE_DIR"]).root / "blobs"
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))


def test_a_file_over_the_limit_is_refused(client, session, world, app):
    app.config["EVIDENCE_MAX_FILE_BYTES"] = 10_000
    response = upload(client, world.engagement.id, ("big.jpg", files.jpeg() + b"\0" * 20_000))
    assert response.status_code == 413
    assert "大小上限" in response.json["refused"][0]["error"]
    assert count(session, Evidence) == 0


def test_a_body_over_the_request_limit_is_413(client, world, app):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = upload(client, world.engagement.id, ("big.pdf", files.pdf() + b"0" * 60_000))
    assert response.status_code == 413


def test_the_browser_form_reports_per_file_results(client, session, world):
    response = upload(
        client, world.engagement.id, ("ok.jpg", files.jpeg()), ("bad.jpg", files.HTML_AS_JPG), accept_json=False
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已上传 1 个文件" in html and "bad.jpg：不支持的文件类型" in html


def test_the_same_client_uuid_is_idempotent_and_conflicts_on_other_bytes(client, session, world):
    key = str(uuid.uuid4())
    first = upload(client, world.engagement.id, ("p.jpg", files.jpeg()), client_uuid=key)
    again = upload(client, world.engagement.id, ("p.jpg", files.jpeg()), client_uuid=key)
    assert first.json["accepted"][0]["id"] == again.json["accepted"][0]["id"]
    other = upload(client, world.engagement.id, ("p.jpg", files.jpeg(color=(0, 0, 0))), client_uuid=key)
    assert other.status_code == 409
    assert count(session, Evidence) == 1


def test_ten_parallel_uploads_of_one_photo_uuid_make_one_record(app, session):
    world = factories.World(session)
    photo, key = files.jpeg(), str(uuid.uuid4())
    clients = [app.test_client() for _ in range(10)]
    tokens = []
    for c in clients:
        login(c, world.evaluator.username)
        tokens.append(csrf_token(c, f"/engagements/{world.engagement.id}/evidence"))
    statuses, barrier = [], threading.Barrier(10)

    def send(c, token):
        barrier.wait()
        r = c.post(
            f"/engagements/{world.engagement.id}/evidence",
            content_type="multipart/form-data",
            headers={"Accept": "application/json"},
            data={"csrf_token": token, "client_uuid": key, "files": [(BytesIO(photo), "p.jpg")]},
        )
        statuses.append(r.status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in zip(clients, tokens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [200] * 10
    assert count(session, Evidence) == 1


def test_downloads_are_attachments_with_a_safe_chinese_filename(client, session, world):
    upload(client, world.engagement.id, ("报告 (终稿).pdf", files.pdf()), ("现场.jpg", files.jpeg()))
    pdf_id, jpg_id = session.scalars(select(Evidence.id).order_by(Evidence.number)).all()
    base = f"/engagements/{world.engagement.id}/evidence"
    pdf = client.get(f"{base}/{pdf_id}/download?inline=1")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A" in pdf.headers["Content-Disposition"]
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert "sandbox" in pdf.headers["Content-Security-Policy"]
    photo = client.get(f"{base}/{jpg_id}/download?inline=1")
    assert photo.headers["Content-Disposition"].startswith("inline")
    preview = client.get(f"{base}/{jpg_id}/preview")
    assert preview.status_code == 200 and preview.data[:3] == b"\xff\xd8\xff"
    assert client.get(f"{base}/{pdf_id}/preview").status_code == 404


def test_other_firms_and_bureaus_cannot_reach_evidence(app, session):
    world = factories.World(session)
    owner = app.test_client()
    login(owner, world.evaluator.username)
    upload(owner, world.engagement.id, ("p.jpg", files.jpeg()))
    evidence_id = session.scalar(select(Evidence.id))
    base = f"/engagements/{world.engagement.id}/evidence"
    # The commissioning bureau too: evidence originals reach it only as annexes of an issued version.
    for who in (world.outsider, world.outsider_admin, world.colleague, world.other_bureau_user, world.bureau_user):
        c = app.test_client()
        login(c, who.username)
        for url in [base, f"{base}/{evidence_id}/download", f"{base}/{evidence_id}/preview", f"{base}/index.xlsx"]:
            assert c.get(url).status_code == 404, (who.username, url)
        assert upload(c, world.engagement.id, ("x.jpg", files.jpeg())).status_code == 404
    other = factories.engagement(session, world.evaluator, world.bureau)
    session.commit()
    assert owner.get(f"/engagements/{other.id}/evidence/{evidence_id}/download").status_code == 404


def test_deletion_is_a_tombstone_with_a_reason(client, session, world, app):
    upload(client, world.engagement.id, ("p.jpg", files.jpeg()))
    evidence = session.scalar(select(Evidence))
    base = f"/engagements/{world.engagement.id}/evidence"
    token = csrf_token(client, base)
    assert client.post(f"{base}/{evidence.id}/delete", data={"csrf_token": token, "reason": ""}).status_code == 303
    session.refresh(evidence)
    assert evidence.deleted_at is None
    client.post(f"{base}/{evidence.id}/delete", data={"csrf_token": token, "reason": "重复上传"})
    session.refresh(evidence)
    assert evidence.deletion_reason == "重复上传"
    assert BlobStore(app.config["STORAGE_DIR"]).path_for(evidence.blob_sha256).exists()
    assert "p.jpg" not in client.get(base).get_data(as_text=True)


def test_the_index_exports_to_xlsx_without_formula_injection(client, session, world):
    upload(client, world.engagement.id, ("=HYPERLINK(1).jpg", files.jpeg()), description="+cmd|' /C calc'!A0")
    response = client.get(f"/engagements/{world.engagement.id}/evidence/index.xlsx")
    sheet = load_workbook(BytesIO(response.data)).active
    row = [c.value for c in sheet[2]]
    assert row[0] == "E-0001" and row[1] == "'=HYPERLINK(1).jpg" and row[11].startswith("'+cmd")
    assert isinstance(row[3], int) and row[4] == session.scalar(select(Evidence.blob_sha256))


def test_verify_evidence_names_an_altered_and_a_missing_blob(client, session, world, app):
    upload(client, world.engagement.id, ("a.jpg", files.jpeg()), ("b.pdf", files.pdf()))
    store = BlobStore(app.config["STORAGE_DIR"])
    info = ScriptInfo(create_app=lambda: app)
    assert CliRunner().invoke(verify_evidence_command, obj=info).exit_code == 0
    jpg, pdf = (
        session.scalar(select(Evidence.blob_sha256).where(Evidence.mime == m))
        for m in ("image/jpeg", "application/pdf")
    )
    path = store.path_for(jpg)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    store.path_for(pdf).unlink()
    result = CliRunner().invoke(verify_evidence_command, obj=info)
    assert result.exit_code == 1
    assert f"ALTERED: {jpg}" in result.output and f"MISSING: {pdf}" in result.output
    assert service.verify_store(session, store)[0] == 2


@pytest.mark.parametrize(
    "name, cleaned",
    [
        ("C:\\Users\\x.jpg", "x.jpg"),
        ("../../x.jpg", "x.jpg"),
        ("a\x00b.jpg", "ab.jpg"),
        ("现场\n照片.jpg", "现场 照片.jpg"),
        ("报告\u202egpj.exe", "报告gpj.exe"),
        ("a:b?.pdf", "a_b_.pdf"),
        ("...隐藏.pdf", "隐藏.pdf"),
    ],
)
def test_filenames_are_cleaned_of_paths_and_control_characters(name, cleaned):
    assert service.clean_filename(name) == cleaned


@pytest.mark.parametrize("name", ["..", "   ", "\n\t", "/"])
def test_a_filename_with_nothing_left_is_refused(name):
    with pytest.raises(service.EvidenceError, match="文件名为空"):
        service.clean_filename(name)


def test_unicode_filenames_are_kept_normalised():
    assert service.clean_filename(" 现场照片（一）.jpg ") == "现场照片（一）.jpg"


def test_a_corrupt_png_is_refused_naming_the_file(client, session, world):
    """Decoded at upload: the refusal names the file, so the PDF never meets it later."""
    response = upload(
        client,
        world.engagement.id,
        ("柳湾村路面.png", files.png_corrupt()),
        ("好照片.png", files.png()),
        accept_json=False,
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "柳湾村路面.png：图片文件已损坏或不完整" in page
    assert [e.original_filename for e in session.scalars(select(Evidence))] == ["好照片.png"]
