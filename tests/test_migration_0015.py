"""Migration 0015 on an installation with inspections: the sync hashes move to the one canonical form, and a
phone resending what it sent before the upgrade is still answered as the first time."""

import hashlib
import json
import uuid
from datetime import timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from evalplatform.evidence.store import BlobStore
from evalplatform.inspections import service
from evalplatform.integrity import sha256_hex
from evalplatform.migrate import alembic_config, upgrade
from tests.evidence import files
from tests.factories import NOW
from tests.inspections.helpers import STARTED, complete, entry_payload, photo, setting, start_payload
from tests.migrating import migrate_to


def this_revision():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return next(r for r in script.walk_revisions() if r.path.endswith("_inspection_hashes_canonical.py"))


def legacy_sha(fields: dict) -> str:
    """The form the sync hashed with before: json.dumps' default separators (", " and ": ")."""
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class Synced:
    """An inspection started, measured, completed and signed through the sync, with what the phone sent."""

    def __init__(self, url, storage):
        upgrade(url)
        self.url, self.engine = url, create_engine(url)
        self.session = session = Session(self.engine, expire_on_commit=False)
        self.world, site, version = setting(session)
        self.start = start_payload(site, version)
        self.inspection = self.service("start_inspection", self.start).obj
        self.entry = entry_payload(
            self.inspection.client_uuid, "road_length", measured_value="3.2150", unit="km", note="全程实测"
        )
        self.entry_id = self.service("record_entry", self.entry).obj.id
        ready = (self.world, site, version, self.inspection, BlobStore(storage))
        complete(session, ready)
        team = photo(session, ready, "team_signature", content=files.png()).obj
        unit = photo(session, ready, "unit_signature", content=files.png(33, 20)).obj
        self.finish = {
            "inspection_uuid": str(self.inspection.client_uuid),
            "client_uuid": str(uuid.uuid4()),
            "finished_at": (STARTED + timedelta(hours=1)).isoformat(),
            "unit_representative": "赵刚",
            "team_signature_uuid": str(team.client_uuid),
            "unit_signature_uuid": str(unit.client_uuid),
        }
        self.service("finish_inspection", self.finish)
        session.commit()
        self.hashed = {
            "start": {
                "site_id": site.id,
                "instrument_version_id": version.id,
                "started_at": STARTED.isoformat(),
                "latitude": "28.682101",
                "longitude": "115.857902",
                "accuracy": "12",
                "team_members": ["张明", "李华"],
            },
            "entry": {
                "item_code": "road_length",
                "result": "pass",
                "measured_value": "3.215",
                "unit": "km",
                "note": "全程实测",
                "recorded_at": (STARTED + timedelta(minutes=10)).isoformat(),
            },
            "finish": {
                "finished_at": (STARTED + timedelta(hours=1)).isoformat(),
                "unit_representative": "赵刚",
                "team_signature": team.id,
                "unit_signature": unit.id,
                "refusal_reason": None,
            },
        }
        session.close()

    def service(self, name, data):
        return getattr(service, name)(self.session, self.world.engagement, self.world.evaluator, NOW, dict(data))

    def stored(self) -> dict:
        with self.engine.connect() as c:
            start, finish = c.execute(text("SELECT start_sha256, finish_sha256 FROM inspection")).one()
            entry = c.scalar(text("SELECT payload_sha256 FROM inspection_entry WHERE id = :id"), {"id": self.entry_id})
        return {"start": start, "entry": entry, "finish": finish}

    def migrate(self, revision):
        migrate_to(self.engine, self.url, revision)


@pytest.fixture
def synced(empty_database_url, tmp_path):
    world = Synced(empty_database_url, tmp_path / "evidence")
    yield world
    world.engine.dispose()


def test_hashes_stored_in_the_old_form_are_recomputed_and_a_resend_still_matches(synced):
    synced.migrate(this_revision().down_revision)
    assert synced.stored() == {key: legacy_sha(fields) for key, fields in synced.hashed.items()}

    synced.migrate("head")

    assert synced.stored() == {key: sha256_hex(fields) for key, fields in synced.hashed.items()}
    synced.session = Session(synced.engine, expire_on_commit=False)
    assert not synced.service("start_inspection", synced.start).created
    again = synced.service("record_entry", synced.entry)
    assert not again.created and again.obj.id == synced.entry_id
    assert not synced.service("finish_inspection", synced.finish).created
    with pytest.raises(service.InspectionConflict):
        synced.service("record_entry", {**synced.entry, "note": "改过"})
    synced.session.close()


def entry_hashes(synced) -> dict[int, str]:
    with synced.engine.connect() as c:
        return dict(c.execute(text("SELECT id, payload_sha256 FROM inspection_entry")).all())


def test_a_hash_its_stored_fields_do_not_give_back_is_kept_and_the_others_go_back_to_what_the_sync_wrote(synced):
    written = entry_hashes(synced)
    synced.migrate(this_revision().down_revision)
    with synced.engine.begin() as c:
        c.execute(text("UPDATE inspection_entry SET payload_sha256 = :h WHERE id = :id"), {"h": "f" * 64, "id": 1})
    synced.migrate("head")
    assert len(written) == 7 and entry_hashes(synced) == {**written, 1: "f" * 64}
