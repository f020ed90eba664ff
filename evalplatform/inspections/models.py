"""Inspections (勘查): a run of a checklist at a site, its item entries (append-only revisions) and photos."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, utcnow
from ..engagements.models import Site
from ..evidence.models import Evidence
from ..instruments.models import InstrumentVersion
from ..workflow import Workflow

RESULT_CODES = ("pass", "fail", "partial", "na")


class InspectionStatus(enum.StrEnum):
    in_progress = "in_progress"  # 进行中
    finished = "finished"  # 已完成: signed by the unit, or its refusal recorded


INSPECTION_WORKFLOW = Workflow(
    "inspection",
    InspectionStatus,
    {
        InspectionStatus.in_progress: {InspectionStatus.finished},
        InspectionStatus.finished: set(),
    },
)


class Inspection(Base):
    __tablename__ = "inspection"
    __table_args__ = (
        UniqueConstraint("engagement_id", "client_uuid"),
        CheckConstraint("status IN ('in_progress', 'finished')", name="status_known"),
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude_range"),
        # Finished means the unit signed or refused, with a reason.
        CheckConstraint(
            "status = 'in_progress' OR unit_signature_id IS NOT NULL OR refusal_reason IS NOT NULL",
            name="finished_signed_or_refused",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"))
    client_uuid: Mapped[uuid.UUID]
    start_sha256: Mapped[str] = mapped_column(String(64))  # what the start request carried
    status: Mapped[str] = mapped_column(String(20), default=InspectionStatus.in_progress)  # an InspectionStatus
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    gps_accuracy_m: Mapped[Decimal | None] = mapped_column(Numeric(9, 1))
    team_members: Mapped[list] = mapped_column(default=list)  # names present on site
    unit_representative: Mapped[str | None] = mapped_column(String(100))
    team_signature_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    unit_signature_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    refusal_reason: Mapped[str | None] = mapped_column(Text)  # the unit refused to sign
    finish_uuid: Mapped[uuid.UUID | None]
    finish_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()
    version: Mapped[InstrumentVersion] = relationship()
    created_by: Mapped[User] = relationship()
    team_signature: Mapped[Evidence | None] = relationship(foreign_keys=[team_signature_id])
    unit_signature: Mapped[Evidence | None] = relationship(foreign_keys=[unit_signature_id])
    entries: Mapped[list[InspectionEntry]] = relationship(
        back_populates="inspection", order_by="InspectionEntry.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list[InspectionPhoto]] = relationship(
        back_populates="inspection", order_by="InspectionPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def is_finished(self) -> bool:
        return self.status == InspectionStatus.finished

    def current_entries(self) -> dict[str, InspectionEntry]:
        """The latest revision of each item."""
        current: dict[str, InspectionEntry] = {}
        for entry in self.entries:
            if entry.item_code not in current or entry.revision > current[entry.item_code].revision:
                current[entry.item_code] = entry
        return current


class InspectionEntry(Base):
    """One revision of one checklist item; a correction is a new revision, never an overwrite."""

    __tablename__ = "inspection_entry"
    __table_args__ = (
        UniqueConstraint("inspection_id", "client_uuid"),
        UniqueConstraint("inspection_id", "item_code", "revision"),
        CheckConstraint("result IN ('pass', 'fail', 'partial', 'na')", name="result_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int]
    client_uuid: Mapped[uuid.UUID]
    payload_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(10))
    measured_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    unit: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]  # on the phone
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    inspection: Mapped[Inspection] = relationship(back_populates="entries")


class InspectionPhoto(Base):
    """A photo (or a signature image) of an inspection; the bytes are evidence."""

    __tablename__ = "inspection_photo"
    __table_args__ = (
        UniqueConstraint("inspection_id", "client_uuid"),
        CheckConstraint("purpose IN ('photo', 'team_signature', 'unit_signature')", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    client_uuid: Mapped[uuid.UUID]
    purpose: Mapped[str] = mapped_column(String(20), default="photo")
    item_code: Mapped[str | None] = mapped_column(String(64))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), unique=True)
    taken_at: Mapped[datetime | None]

    inspection: Mapped[Inspection] = relationship(back_populates="photos")
    evidence: Mapped[Evidence] = relationship()
