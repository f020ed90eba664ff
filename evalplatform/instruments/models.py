"""Instruments (questionnaires, checklists) and their versions; a distributed version is frozen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class Instrument(Base):
    __tablename__ = "instrument"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="questionnaire")  # questionnaire | checklist
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str | None] = mapped_column(String(200))  # template name or imported file name
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[InstrumentVersion]] = relationship(
        back_populates="instrument", order_by="InstrumentVersion.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> InstrumentVersion:
        return self.versions[-1]


class InstrumentVersion(Base):
    """One immutable-once-frozen definition. Responses point here, so they keep the questions they answered."""

    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("instrument_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    number: Mapped[int]
    definition: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    frozen_at: Mapped[datetime | None]  # set when first distributed; edits then make a new version

    instrument: Mapped[Instrument] = relationship(back_populates="versions")

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None
