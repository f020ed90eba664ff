"""Faults, bounded and on loopback: a full evidence store."""
import os
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from evalplatform import create_app
from evalplatform.evidence.models import Evidence, EvidenceBlob
from tests import factories
from tests.conftest import csrf_token, login
from tests.evidence import files


@pytest.fixture
def tiny_store(tmp_path):
    """A 2 MB tmpfs as STORAGE_DIR (needs root, as in CI and the setup script's machine)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; CI runs as root")
    mount = tmp_path / "store"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_full_evidence_store_refuses_the_upload_plainly_and_keeps_nothing(database_url, tiny_store):
    app = create_app({"DATABASE_URL": database_url, "STORAGE_DIR": str(tiny_store), "SECRET_KEY": "t",
                      "TESTING": True, "REDIS_URL": None})
    from sqlalchemy.orm import Session
    engine = app.extensions["evalplatform.db"].engine
    with Session(engine, expire_on_commit=False) as session:
        world = factories.World(session)
        client = app.test_client()
        login(client, world.evaluator.username)
        url = f"/engagements/{world.engagement.id}/evidence"
        small = files.jpeg()
        big = os.urandom(3 * 1024 * 1024)  # more than the whole store; random so it cannot compress
        response = client.post(url, data={"csrf_token": csrf_token(client, url),
                                          "files": [(BytesIO(big), "扫描件.pdf")]},
                               content_type="multipart/form-data", headers={"Accept": "application/json"})
        assert response.status_code == 507
        assert "存储空间不足" in response.get_data(as_text=True)
        assert session.scalar(select(func.count()).select_from(Evidence)) == 0
        assert session.scalar(select(func.count()).select_from(EvidenceBlob)) == 0
        leftovers = [p for p in Path(tiny_store).rglob("*") if p.is_file()]
        assert leftovers == [], leftovers
        # Space is back once the request is over: the next upload goes through.
        response = client.post(url, data={"csrf_token": csrf_token(client, url), "files": [(BytesIO(small), "a.jpg")]},
                               content_type="multipart/form-data", headers={"Accept": "application/json"})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    engine.dispose()
