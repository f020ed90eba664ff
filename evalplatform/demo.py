"""Demo data: a firm, a bureau, one user per role and two engagements, made through the services."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import service as accounts
from .accounts.models import User
from .engagements import service as engagements
from .engagements.models import EngagementKind, TeamRole
from .evidence import service as evidence_service
from .evidence.store import BlobStore
from .inspections.demo import demo_inspection

DEMO_PASSWORD = "demo-pass-2026"
FIRM = "华信会计师事务所（特殊普通合伙）"
BUREAU = "江州市财政局"


def load_demo(session: Session, storage_dir: str) -> bool:
    """Create the demo objects unless they exist; returns whether anything was created."""
    if session.scalar(select(User.id).where(User.username == "evaluator")):
        return False
    now = datetime.now(timezone.utc)
    firm = accounts.get_or_create_firm(session, FIRM)
    bureau = accounts.get_or_create_bureau(session, BUREAU, region="江州市")
    people = {
        "admin": ("周管理", "admin"), "evaluator": ("李评价", "evaluator"),
        "reviewer": ("王复核", "reviewer"), "bureau": ("陈绩效", "bureau"),
    }
    users = {name: accounts.create_user(session, username=name, password=DEMO_PASSWORD, role=role,
                                        display_name=display, firm=firm, bureau=bureau)
             for name, (display, role) in people.items()}
    evaluator, reviewer = users["evaluator"], users["reviewer"]
    road = engagements.create_engagement(session, engagements.EngagementFields(
        title="2025年度农村公路提档升级项目重点绩效评价", evaluated_unit_name="江州市交通运输局",
        kind=EngagementKind.project, fiscal_year=2025, budget_amount=Decimal("38600000.00"),
        bureau_id=bureau.id, funding_source="中央车购税补助资金、市级财政资金", category="基础设施",
        period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        description="改造提升农村公路 126 公里，涉及 9 个乡镇 48 个行政村。"), evaluator, now)
    engagements.add_team_member(session, road, reviewer, TeamRole.reviewer, evaluator, now)
    for name, address, lat, lon in [("青石镇—柳湾村段", "青石镇柳湾村", "28.682100", "115.857900"),
                                    ("白沙乡环线", "白沙乡", "28.701300", "115.902400")]:
        engagements.save_site(session, road, evaluator, now, name=name, address=address,
                              latitude=Decimal(lat), longitude=Decimal(lon))
    _demo_photos(session, BlobStore(storage_dir), road, evaluator, now)
    demo_inspection(session, storage_dir, road, evaluator, now)
    dept = engagements.create_engagement(session, engagements.EngagementFields(
        title="江州市民政局2025年度部门整体支出绩效评价", evaluated_unit_name="江州市民政局",
        kind=EngagementKind.department, fiscal_year=2025, budget_amount=Decimal("215400000.00"),
        bureau_id=bureau.id, funding_source="一般公共预算", category="民生"), evaluator, now)
    engagements.add_team_member(session, dept, reviewer, TeamRole.reviewer, evaluator, now)
    return True


def _demo_photos(session: Session, store: BlobStore, engagement, evaluator, now) -> None:
    """A few geotagged site photos (drawn here, so the demo needs no files) as evidence."""
    for site, (label, color) in zip(engagement.sites, [("路面宽度测量", (96, 110, 120)), ("排水沟现状", (70, 120, 80))]):
        image = Image.new("RGB", (960, 720), color)
        draw = ImageDraw.Draw(image)
        draw.rectangle((80, 300, 880, 420), fill=(40, 40, 40))
        draw.line((80, 360, 880, 360), fill=(240, 240, 240), width=6)
        exif = Image.Exif()
        exif[0x0132] = "2025:09:18 10:20:00"
        exif[0x8825] = {1: "N", 2: _dms(site.latitude), 3: "E", 4: _dms(site.longitude)}
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85, exif=exif)
        buffer.seek(0)
        evidence_service.store_upload(session, store, engagement, evaluator, now, stream=buffer,
                                      filename=f"{site.name}-{label}.jpg", max_bytes=10 * 2**20,
                                      description=label, tags=["现场照片"], site=site)


def _dms(value: Decimal) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return float(degrees), float(minutes), float(round((minutes_full - minutes) * 60, 4))
