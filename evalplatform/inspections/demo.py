"""Demo: a finished road acceptance inspection with photos and both signatures (made through the services)."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone

from PIL import Image, ImageDraw

from ..evidence.store import BlobStore
from . import service

TEMPLATE = "checklist-road-bridge-acceptance"
ENTRIES = [  # item, result, measured value, note
    ("road_length", "pass", "3.18", "起点 K0+000 柳湾村口，终点 K3+180 石门桥头，与批复一致"),
    ("road_width", "partial", "4.3", "抽测 3 处：4.5、4.2、4.2 米；K2+100 附近窄于设计 4.5 米"),
    ("bridge_count", "pass", "2", None),
    ("surface", "pass", None, None),
    ("drainage", "fail", None, "K1+300 至 K1+450 边沟淤堵，雨后积水"),
    ("bridge_deck", "na", None, "本段桥梁为既有桥梁，不在本次改造范围"),
    ("signs", "pass", "420", None),
    ("maintenance", "partial", None, "已明确村委会为管护主体，但养护记录只到 2025 年 6 月"),
]
PHOTOS = {"road_length": 2, "road_width": 1, "surface": 1, "drainage": 1}


def _photo(label: str, seed: int) -> io.BytesIO:
    image = Image.new("RGB", (800, 600), (110 + seed * 7 % 60, 120, 105 + seed * 13 % 50))
    draw = ImageDraw.Draw(image)
    draw.polygon([(0, 600), (330, 260), (470, 260), (800, 600)], fill=(55, 55, 58))
    draw.line([(400, 600), (400, 260)], fill=(235, 235, 235), width=5)
    draw.text((20, 20), label.encode("ascii", "ignore").decode() or f"photo {seed}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    buffer.seek(0)
    return buffer


def _signature(seed: int) -> io.BytesIO:
    image = Image.new("RGB", (480, 160), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    points = [(30 + i * 28, 90 + ((i * (seed + 3)) % 5 - 2) * 14) for i in range(15)]
    draw.line(points, fill=(20, 20, 20), width=4, joint="curve")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def demo_inspection(session, storage_dir: str, engagement, evaluator, now: datetime):
    store = BlobStore(storage_dir)
    site = engagement.sites[0]
    version = service.add_checklist(session, engagement, evaluator, now, TEMPLATE).latest
    started = datetime(2025, 9, 18, 1, 30, tzinfo=timezone.utc)  # 09:30 Beijing time
    inspection = service.start_inspection(
        session,
        engagement,
        evaluator,
        now,
        {
            "client_uuid": str(uuid.uuid4()),
            "site_id": site.id,
            "instrument_version_id": version.id,
            "started_at": started.isoformat(),
            "latitude": str(site.latitude),
            "longitude": str(site.longitude),
            "accuracy": 8,
            "team_members": [evaluator.display_name, "张工（道路工程专家）"],
        },
    ).obj
    for minute, (code, result, value, note) in enumerate(ENTRIES):
        service.record_entry(
            session,
            engagement,
            evaluator,
            now,
            {
                "inspection_uuid": str(inspection.client_uuid),
                "client_uuid": str(uuid.uuid4()),
                "item_code": code,
                "result": result,
                "measured_value": value,
                "note": note,
                "recorded_at": (started + timedelta(minutes=8 * minute + 5)).isoformat(),
            },
        )
    seed = 0
    for code, n in PHOTOS.items():
        for _ in range(n):
            seed += 1
            service.add_photo(
                session,
                store,
                engagement,
                evaluator,
                now,
                inspection_uuid=inspection.client_uuid,
                client_uuid=uuid.uuid4(),
                purpose="photo",
                item_code=code,
                stream=_photo(code, seed),
                filename=f"IMG_{started:%Y%m%d}_{seed:04d}.jpg",
                max_bytes=10 * 2**20,
                taken_at=(started + timedelta(minutes=6 * seed)).isoformat(),
            )
    signatures = {}
    for purpose, s in (("team_signature", 1), ("unit_signature", 3)):
        signatures[purpose] = uuid.uuid4()
        service.add_photo(
            session,
            store,
            engagement,
            evaluator,
            now,
            inspection_uuid=inspection.client_uuid,
            client_uuid=signatures[purpose],
            purpose=purpose,
            item_code=None,
            stream=_signature(s),
            filename=f"{purpose}.png",
            max_bytes=2**20,
        )
    service.finish_inspection(
        session,
        engagement,
        evaluator,
        now,
        {
            "inspection_uuid": str(inspection.client_uuid),
            "client_uuid": str(uuid.uuid4()),
            "finished_at": (started + timedelta(hours=1, minutes=40)).isoformat(),
            "unit_representative": "刘建国",
            "team_signature_uuid": str(signatures["team_signature"]),
            "unit_signature_uuid": str(signatures["unit_signature"]),
        },
    )
    return inspection
