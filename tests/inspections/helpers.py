"""Arranging inspections: a checklist, a site and ready-made sync payloads."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import BytesIO

from evalplatform.engagements import service as engagements
from evalplatform.inspections import service
from tests import factories
from tests.evidence import files

ROAD = "checklist-road-bridge-acceptance"
STARTED = factories.NOW - timedelta(hours=2)


def setting(session, world=None):
    world = world or factories.World(session)
    site = engagements.save_site(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        name="柳湾村至石门村段",
        address="某县柳湾村",
        latitude=None,
        longitude=None,
    )
    instrument = service.add_checklist(session, world.engagement, world.evaluator, factories.NOW, ROAD)
    session.commit()
    return world, site, instrument.latest


def start_payload(site, version, **overrides):
    data = {
        "client_uuid": str(uuid.uuid4()),
        "site_id": site.id,
        "instrument_version_id": version.id,
        "started_at": STARTED.isoformat(),
        "latitude": 28.682101,
        "longitude": 115.857902,
        "accuracy": 12,
        "team_members": ["张明", "李华"],
    }
    data.update(overrides)
    return data


def entry_payload(inspection_uuid, item_code, result="pass", **overrides):
    data = {
        "inspection_uuid": str(inspection_uuid),
        "client_uuid": str(uuid.uuid4()),
        "item_code": item_code,
        "result": result,
        "recorded_at": (STARTED + timedelta(minutes=10)).isoformat(),
    }
    data.update(overrides)
    return data


# Required items of the road checklist and what they need.
REQUIRED = ["road_length", "road_width", "surface", "drainage", "signs", "maintenance"]
PHOTOS = {"road_length": 2, "road_width": 1, "surface": 1}


def photo(session, ready, purpose="photo", item_code=None, content=None, key=None):
    world, _site, _version, inspection, store = ready
    return service.add_photo(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        inspection_uuid=inspection.client_uuid,
        client_uuid=key or uuid.uuid4(),
        purpose=purpose,
        item_code=item_code,
        stream=BytesIO(content or files.jpeg()),
        filename="signature.png" if "signature" in purpose else "现场.jpg",
        max_bytes=10**7,
    )


def complete(session, ready):
    world, _site, _version, inspection, _store = ready
    for code in REQUIRED:
        extra = {"measured_value": "3.215", "unit": "km"} if code == "road_length" else {}
        service.record_entry(
            session,
            world.engagement,
            world.evaluator,
            factories.NOW,
            entry_payload(inspection.client_uuid, code, **extra),
        )
        for n in range(PHOTOS.get(code, 0)):
            photo(session, ready, item_code=code, content=files.jpeg(color=(n, len(code), 7)))
