"""Uploads are what their bytes say (type, served name, cleaned name shown), and an import draft's file is kept
while the draft is open, swept once it is discarded."""

import io
import os
import time
from datetime import datetime, timezone
from io import BytesIO

from sqlalchemy import select

from evalplatform.evidence.models import Evidence
from evalplatform.evidence.store import BlobStore
from evalplatform.evidence.sweep import sweep
from evalplatform.materials import drafts
from evalplatform.models import blob_holders
from tests import factories
from tests.conftest import csrf_token, login
from tests.evidence import files
from tests.materials import workbooks


def upload(client, engagement_id, name, content):
    page = f"/engagements/{engagement_id}/evidence"
    return client.post(
        page,
        data={"csrf_token": csrf_token(client, page), "files": [(BytesIO(content), name)]},
        headers={"Accept": "application/json"},
        content_type="multipart/form-data",
    )


def test_a_file_is_served_as_what_its_bytes_are_under_its_cleaned_name(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    base = f"/engagements/{world.engagement.id}/evidence"
    # A browser sends the line break in a name as %0A (the HTML form encoding); the bidi override as it is.
    assert upload(client, world.engagement.id, "现场%0A照片\u202e.pdf", files.png()).status_code == 200
    assert upload(client, world.engagement.id, "台账.jpg", files.xlsx()).status_code == 200
    png, xlsx = session.scalars(select(Evidence).order_by(Evidence.number)).all()
    assert (png.original_filename, png.mime) == ("现场 照片.pdf", "image/png")
    assert "现场 照片.pdf" in client.get(base).get_data(as_text=True)
    response = client.get(f"{base}/{png.id}/download?inline=1")
    assert response.mimetype == "image/png" and response.headers["Content-Disposition"].startswith("inline")
    assert ".pdf.png" in response.headers["Content-Disposition"]
    response = client.get(f"{base}/{xlsx.id}/download?inline=1")  # never inline: not an image
    assert response.mimetype == xlsx.mime and response.headers["Content-Disposition"].startswith("attachment")
    assert (
        "sandbox" in response.headers["Content-Security-Policy"]
        and ".jpg.xlsx" in response.headers["Content-Disposition"]
    )


def test_a_refused_file_is_named_by_its_cleaned_name(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    refused = upload(client, world.engagement.id, "坏%0D%0A图.png", b"\x89PNG\r\n\x1a\n broken").json["refused"][0]
    assert refused["filename"] == "坏 图.png" and "已损坏" in refused["error"]


def test_an_open_drafts_file_is_kept_by_the_sweep_and_a_discarded_ones_is_not(session, app):
    world = factories.World(session)
    store = BlobStore(app.config["STORAGE_DIR"])
    draft = drafts.start_draft(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="ledger",
        stream=io.BytesIO(workbooks.xlsx(workbooks.ledger_workbook())),
        filename="台账.xlsx",
        max_bytes=2**24,
    )
    session.commit()
    path = store.path_for(draft.blob_sha256)
    old = time.time() - 3 * 24 * 3600
    os.utime(path, (old, old))
    assert sweep(session, store, datetime.now(timezone.utc), holders=blob_holders(), remove=True).orphans == []
    drafts.discard(session, draft, world.engagement, world.evaluator, factories.NOW)
    session.commit()
    swept = sweep(session, store, datetime.now(timezone.utc), holders=blob_holders(), remove=True)
    assert swept.orphans == [draft.blob_sha256]
    assert not path.exists()
