"""Distributions (link + QR per stratum) and the responses they collect."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow
from ..instruments.models import Instrument, InstrumentVersion
from ..integrity import sealed
from ..workflow import Workflow


class DistributionState(enum.StrEnum):
    """Not stored: a distribution's state follows from its dates and the clock (Distribution.state) and, when
    it has a quota, from its count of valid responses (service.public_state)."""

    not_open = "not_open"  # 未开放: before opens_at
    open = "open"  # 开放中
    quota_full = "quota_full"  # 样本已满: as many valid responses as the quota (fewer again if one is invalidated)
    closed = "closed"  # 已结束: from closes_at on, which closing by hand sets to now


D = DistributionState
# The clock and the count make most moves; the one a person makes is closing (service.close_distribution).
DISTRIBUTION_WORKFLOW = Workflow(
    "distribution",
    DistributionState,
    {
        D.not_open: {D.open, D.closed},
        D.open: {D.quota_full, D.closed},
        D.quota_full: {D.open, D.closed},
        D.closed: set(),
    },
)


class Distribution(Base):
    __tablename__ = "distribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"), index=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # the public link /s/<token>
    name: Mapped[str] = mapped_column(String(200))
    stratum: Mapped[str] = mapped_column(String(200))  # village / school / site / respondent group
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    quota: Mapped[int | None] = mapped_column(Integer)  # target sample size of this stratum
    # 总体规模: households or people in the stratum, for the finite-population sample-size check (analysis)
    population: Mapped[int | None] = mapped_column(Integer)
    one_per_device: Mapped[bool] = mapped_column(Boolean, default=False)
    # Shown to respondents: who asks (受雨湖区财政局委托，XX会计师事务所开展) and how to reach them.
    sponsor: Mapped[str | None] = mapped_column(String(300))
    contact: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    instrument: Mapped[Instrument] = relationship()
    version: Mapped[InstrumentVersion] = relationship()

    def state(self, now: datetime) -> DistributionState:
        """Open, not yet open or closed by the clock (the quota is checked separately: it needs a count). Closed
        first: a distribution closed by hand before its opening time stays closed, as the intake holds it."""
        if self.closes_at and now >= self.closes_at:
            return DistributionState.closed
        if self.opens_at and now < self.opens_at:
            return DistributionState.not_open
        return DistributionState.open


@sealed(
    "instrument_id",
    "distribution_id",
    "version_id",
    "client_uuid",
    "payload_sha256",
    "device_token",
    "duration_s",
    "submitted_at",
    digests={"payload_sha256": "answers"},
)
class Response(Base):
    __tablename__ = "response"
    # design.md §10: the client UUID is unique per instrument; a retry finds the first row.
    __table_args__ = (UniqueConstraint("instrument_id", "client_uuid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instrument.id"))
    distribution_id: Mapped[int] = mapped_column(ForeignKey("distribution.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"), index=True)
    client_uuid: Mapped[uuid.UUID]
    answers: Mapped[dict]
    # The answers' string columns flat, for the analysis (questionnaires.flat; NULL: read from `answers`).
    answers_flat: Mapped[str | None] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    device_token: Mapped[str | None] = mapped_column(String(64), index=True)
    duration_s: Mapped[int | None] = mapped_column(Integer)  # as measured by the respondent's browser
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    quality_flags: Mapped[list] = mapped_column(default=list)
    invalid_reason: Mapped[str | None] = mapped_column(String(500))  # flagged, never deleted
    invalidated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    invalidated_at: Mapped[datetime | None]
    # Keyed hash of the answers as accepted (integrity.sealed); the validity flags above may change, this may not.
    content_mac: Mapped[str] = mapped_column(String(64))

    distribution: Mapped[Distribution] = relationship()
    version: Mapped[InstrumentVersion] = relationship()

    @property
    def valid(self) -> bool:
        return self.invalid_reason is None
