"""Inspection runs: idempotent start/entry/photo/finish by client UUID, Chinese errors, audit, quantities."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from evalplatform.audit.models import AuditEvent
from evalplatform.engagements.service import PermissionDenied
from evalplatform.evidence.models import Evidence
from evalplatform.evidence.store import BlobStore
from evalplatform.inspections import service
from evalplatform.inspections.models import Inspection, InspectionEntry, InspectionPhoto
from tests import factories
from tests.evidence import files
from tests.inspections.helpers import REQUIRED, STARTED, complete, entry_payload, photo, setting, start_payload

NOW = factories.NOW


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def ready(session, app):
    world, site, version = setting(session)
    inspection = service.start_inspection(
        session, world.engagement, world.evaluator, NOW, start_payload(site, version)
    ).obj
    session.commit()
    return world, site, version, inspection, BlobStore(app.config["STORAGE_DIR"])


def test_start_is_idempotent_and_a_changed_start_is_a_conflict(session, ready):
    world, site, version, inspection, _store = ready
    data = start_payload(site, version, client_uuid=str(inspection.client_uuid))
    again = service.start_inspection(session, world.engagement, world.evaluator, NOW, data)
    assert again.obj.id == inspection.id and not again.created
    assert inspection.team_members == ["张明", "李华"] and inspection.latitude == Decimal("28.682101")
    assert version.is_frozen
    with pytest.raises(service.InspectionConflict):
        service.start_inspection(session, world.engagement, world.evaluator, NOW, {**data, "team_members": ["王五"]})
    with pytest.raises(PermissionDenied):  # the bureau reads only
        service.start_inspection(session, world.engagement, world.bureau_user, NOW, start_payload(site, version))
    assert count(session, Inspection) == 1


BAD_STARTS = [
    ({"site_id": 999999}, "site_id", "请选择本项目的勘查点"),
    ({"instrument_version_id": "x"}, "instrument_version_id", "请选择本项目的勘查表"),
    ({"started_at": "2026-03-01 08:00"}, "started_at", "开始时间缺少时区"),
    ({"started_at": "2099-01-01T00:00:00+00:00"}, "started_at", "开始时间不合理"),
    ({"latitude": 95}, "latitude", "纬度应在 -90 到 90 之间"),
    ({"longitude": None}, "latitude", "经纬度必须同时提供"),
    ({"team_members": []}, "team_members", "请填写在场的勘查人员"),
    ({"team_members": "张明"}, "team_members", "勘查人员格式不正确"),
]


def test_a_bad_start_is_refused_with_a_clear_message_and_nothing_stored(session):
    world, site, version = setting(session)
    for change, field, message in BAD_STARTS:
        with pytest.raises(service.InspectionError) as refused:
            service.start_inspection(
                session, world.engagement, world.evaluator, NOW, start_payload(site, version, **change)
            )
        assert message in refused.value.errors[field], (change, refused.value.errors)
        session.rollback()
    assert count(session, Inspection) == 0


def test_entries_are_idempotent_and_corrections_are_new_revisions(session, ready):
    world, _site, _version, inspection, _store = ready
    data = entry_payload(inspection.client_uuid, "road_length", measured_value=3.2, unit="km")
    first = service.record_entry(session, world.engagement, world.evaluator, NOW, data)
    again = service.record_entry(session, world.engagement, world.evaluator, NOW, dict(data))
    assert first.created and not again.created and again.obj.id == first.obj.id
    with pytest.raises(service.InspectionConflict):
        service.record_entry(session, world.engagement, world.evaluator, NOW, {**data, "measured_value": 3.3})
    fix = service.record_entry(
        session,
        world.engagement,
        world.evaluator,
        NOW,
        entry_payload(inspection.client_uuid, "road_length", measured_value="3.1", unit="km"),
    )
    assert fix.obj.revision == 2 and count(session, InspectionEntry) == 2
    assert inspection.current_entries()["road_length"].measured_value == Decimal("3.1")
    # A late retry of the first revision does not bring the old value back.
    service.record_entry(session, world.engagement, world.evaluator, NOW, dict(data))
    assert inspection.current_entries()["road_length"].measured_value == Decimal("3.1")
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "inspection.entry").order_by(AuditEvent.seq.desc())
    ).first()
    assert event.details["before"]["measured_value"] == "3.2" and event.details["after"]["measured_value"] == "3.1"


BAD_ENTRIES = [
    ("nope", {}, "item_code", "勘查表中没有检查项 nope"),
    ("road_width", {"result": "ok"}, "road_width.result", "请选择检查结果"),
    ("road_width", {"measured_value": "宽"}, "road_width.measured_value", "实测值必须是数字"),
    ("road_width", {"measured_value": -1}, "road_width.measured_value", "实测值应在 0 到"),
    ("road_width", {"measured_value": 5, "unit": "km"}, "road_width.unit", "单位应为 m"),
    ("surface", {"measured_value": 5}, "surface.measured_value", "该检查项不记录实测值"),
    ("surface", {"result": "fail"}, "surface.note", "请在备注中说明情况"),
    ("surface", {"note": "长" * 2001}, "surface.note", "备注过长"),
    ("surface", {"recorded_at": "昨天"}, "surface.recorded_at", "记录时间格式不正确"),
]


def test_a_bad_entry_is_refused_with_a_clear_message(session, ready):
    world, _site, _version, inspection, _store = ready
    for code, change, key, message in BAD_ENTRIES:
        with pytest.raises(service.InspectionError) as refused:
            service.record_entry(
                session, world.engagement, world.evaluator, NOW, entry_payload(inspection.client_uuid, code, **change)
            )
        assert message in refused.value.errors[key], (code, change, refused.value.errors)
    with pytest.raises(service.InspectionError) as refused:
        service.record_entry(session, world.engagement, world.evaluator, NOW, entry_payload(uuid.uuid4(), "surface"))
    assert "开始记录尚未同步" in str(refused.value)
    assert count(session, InspectionEntry) == 0


def test_a_photo_is_evidence_once_per_uuid(session, ready):
    key = uuid.uuid4()
    first = photo(session, ready, item_code="surface", key=key)
    again = photo(session, ready, item_code="surface", key=key)
    assert first.created and not again.created and first.obj.id == again.obj.id
    assert count(session, InspectionPhoto) == 1 and count(session, Evidence) == 1
    evidence = first.obj.evidence
    assert evidence.site_id == ready[1].id and "现场勘查" in evidence.tags
    assert [(l.target_type, l.target_id) for l in evidence.links] == [("inspection_item", ready[3].id)]
    with pytest.raises(service.InspectionConflict):
        photo(session, ready, item_code="surface", key=key, content=files.jpeg(color=(1, 1, 1)))
    with pytest.raises(service.InspectionError) as refused:
        photo(session, ready, item_code="surface", content=files.HTML_AS_JPG)
    assert "不支持的文件类型" in refused.value.errors["file"]


def test_finish_needs_required_items_photos_and_both_signatures(session, ready):
    world, _site, _version, inspection, _store = ready
    data = {
        "inspection_uuid": str(inspection.client_uuid),
        "client_uuid": str(uuid.uuid4()),
        "finished_at": (STARTED + timedelta(hours=1)).isoformat(),
        "unit_representative": "",
    }
    with pytest.raises(service.InspectionError) as refused:
        service.finish_inspection(session, world.engagement, world.evaluator, NOW, data)
    errors = refused.value.errors
    assert errors["unit_representative"] == "请填写被勘查单位代表姓名"
    assert "缺少勘查人员签名" in errors["team_signature_uuid"]
    assert "必查项“路面宽度符合设计要求”尚未填写" == errors["road_width"]
    complete(session, ready)
    team = photo(session, ready, "team_signature", content=files.png()).obj
    unit = photo(session, ready, "unit_signature", content=files.png(33, 20)).obj
    data.update(
        unit_representative="赵刚", team_signature_uuid=str(team.client_uuid), unit_signature_uuid=str(unit.client_uuid)
    )
    done = service.finish_inspection(session, world.engagement, world.evaluator, NOW, data)
    assert done.created and inspection.is_finished and inspection.unit_signature.mime == "image/png"
    assert not service.finish_inspection(session, world.engagement, world.evaluator, NOW, dict(data)).created
    with pytest.raises(service.InspectionConflict, match="不能再修改"):
        service.record_entry(
            session, world.engagement, world.evaluator, NOW, entry_payload(inspection.client_uuid, "surface")
        )
    with pytest.raises(service.InspectionConflict, match="不能再次结束"):
        service.finish_inspection(
            session, world.engagement, world.evaluator, NOW, {**data, "client_uuid": str(uuid.uuid4())}
        )
    session.commit()


def test_too_few_photos_block_finish_unless_not_applicable(session, ready):
    world, _site, _version, inspection, _store = ready
    for code in REQUIRED:
        service.record_entry(
            session,
            world.engagement,
            world.evaluator,
            NOW,
            entry_payload(inspection.client_uuid, code, result="na" if code != "surface" else "pass"),
        )
    assert service.completeness_problems(inspection) == {
        "surface": "“路面平整，无明显裂缝、坑槽、沉陷”需要至少 1 张照片，已有 0 张"
    }


def test_a_refusal_to_sign_needs_a_reason_and_replaces_the_unit_signature(session, ready):
    world, _site, _version, inspection, _store = ready
    complete(session, ready)
    team = photo(session, ready, "team_signature", content=files.png()).obj
    data = {
        "inspection_uuid": str(inspection.client_uuid),
        "client_uuid": str(uuid.uuid4()),
        "finished_at": NOW.isoformat(),
        "unit_representative": "赵刚",
        "team_signature_uuid": str(team.client_uuid),
    }
    with pytest.raises(service.InspectionError) as refused:
        service.finish_inspection(session, world.engagement, world.evaluator, NOW, data)
    assert "被勘查单位代表签名（或填写拒签原因）" in refused.value.errors["unit_signature_uuid"]
    service.finish_inspection(
        session, world.engagement, world.evaluator, NOW, {**data, "refusal_reason": "对测量结果有异议"}
    )
    assert inspection.refusal_reason == "对测量结果有异议" and inspection.unit_signature_id is None
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("inspection.%"))).all()
    assert {"inspection.start", "inspection.entry", "inspection.photo", "inspection.finish"} <= set(actions)


def test_inspected_quantities_are_the_latest_measured_values(session, ready):
    world, site, _version, inspection, _store = ready
    service.record_entry(
        session,
        world.engagement,
        world.evaluator,
        NOW,
        entry_payload(inspection.client_uuid, "road_length", measured_value="3.2", unit="km"),
    )
    service.record_entry(
        session,
        world.engagement,
        world.evaluator,
        NOW,
        entry_payload(inspection.client_uuid, "road_length", measured_value="3.05"),
    )
    service.record_entry(
        session,
        world.engagement,
        world.evaluator,
        NOW,
        entry_payload(
            inspection.client_uuid, "road_width", result="partial", note="局部仅 4.2 米", measured_value="4.5"
        ),
    )
    service.record_entry(
        session, world.engagement, world.evaluator, NOW, entry_payload(inspection.client_uuid, "surface")
    )
    found = {q.key: q for q in service.inspected_quantities(session, world.engagement)}
    assert set(found) == {"road_length_km", "road_width_m"}
    assert found["road_length_km"].value == Decimal("3.05") and found["road_length_km"].unit == "km"
    assert found["road_width_m"].result == "partial" and found["road_width_m"].site_name == site.name
    assert found["road_length_km"].quantity == "length" and not found["road_length_km"].finished
    assert service.inspected_quantities(session, world.engagement, finished_only=True) == []


def test_the_demo_has_a_finished_inspection_with_photos_and_signatures(app, session):
    from evalplatform.demo import load_demo

    assert load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    inspection = session.scalar(select(Inspection))
    assert inspection.is_finished and inspection.unit_signature and inspection.team_signature
    assert service.completeness_problems(inspection) == {}
    assert sum(p.purpose == "photo" for p in inspection.photos) == 5
    engagement = inspection.site.engagement
    assert {q.key for q in service.inspected_quantities(session, engagement)} >= {"road_length_km", "road_width_m"}
    points = service.map_points(session, engagement)
    assert sorted(p.kind for p in points) == ["inspection", "photo", "photo", "site", "site"]
    assert all(40 <= p.x <= 760 and 40 <= p.y <= 480 for p in points)
    north = max(points, key=lambda p: p.latitude)
    assert north.y == min(p.y for p in points)  # north is up
