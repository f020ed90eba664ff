"""Cross-checks (对照查证复核), ledger flags, verification samples (抽样核查) and findings (问题清单)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, utcnow
from ..evidence.models import Evidence
from ..materials.models import DeclaredItem, LedgerEntry, MaterialImport

OUTCOMES = ("consistent", "discrepancy", "unverifiable")
SEVERITIES = ("high", "medium", "low")
SAMPLE_RESULTS = ("pending", "verified", "not_found", "differs")


class CrossCheck(Base):
    """A declared value set against a verified one within a tolerance; re-running a rule updates its row."""

    __tablename__ = "cross_check"
    __table_args__ = (UniqueConstraint("engagement_id", "rule", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    rule: Mapped[str] = mapped_column(String(30))  # execution_rate, funds_in_place, …, manual
    subject: Mapped[str] = mapped_column(String(200))  # 预算执行率, a 三级指标 name, a list name
    indicator_ref: Mapped[str | None] = mapped_column(String(200))  # the 三级指标 it bears on, by name
    unit: Mapped[str] = mapped_column(String(20), default="")
    declared_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    declared_source: Mapped[str] = mapped_column(String(300))
    verified_value: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    verified_source: Mapped[str] = mapped_column(String(300))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    tolerance_abs: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    tolerance_rel: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    outcome: Mapped[str] = mapped_column(String(20))
    difference: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))  # verified − declared
    note: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[Evidence | None] = relationship()
    checked_by: Mapped[User] = relationship()


class LedgerFlag(Base):
    """A ledger record caught by a rule (duplicate voucher, before contract, outside the year, round amounts)."""

    __tablename__ = "ledger_flag"
    __table_args__ = (UniqueConstraint("ledger_entry_id", "rule"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entry.id"))
    rule: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(String(300))

    entry: Mapped[LedgerEntry] = relationship()


class VerificationSample(Base):
    """A reproducible random sample of a declared list: the seed and design are stored with it."""

    __tablename__ = "verification_sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("material_import.id"))
    seed: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(12))  # simple | stratified
    stratum_column: Mapped[str | None] = mapped_column(String(100))
    confidence: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    tolerable_error: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    expected_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    population_size: Mapped[int]
    size: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    material: Mapped[MaterialImport] = relationship()
    items: Mapped[list[SampleItem]] = relationship(
        back_populates="sample", order_by="SampleItem.position", cascade="all, delete-orphan"
    )


class SampleItem(Base):
    __tablename__ = "sample_item"
    __table_args__ = (UniqueConstraint("sample_id", "declared_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("verification_sample.id"), index=True)
    declared_item_id: Mapped[int] = mapped_column(ForeignKey("declared_item.id"))
    position: Mapped[int]
    stratum: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(12), default="pending")
    note: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime | None]

    sample: Mapped[VerificationSample] = relationship(back_populates="items")
    declared_item: Mapped[DeclaredItem] = relationship()


class Finding(Base):
    """问题清单 entry; evidence attaches through EvidenceLink(target_type="finding")."""

    __tablename__ = "finding"
    __table_args__ = (UniqueConstraint("engagement_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))
    indicator_refs: Mapped[list] = mapped_column(default=list)  # 三级指标 names until indicators are wired
    cross_check_id: Mapped[int | None] = mapped_column(ForeignKey("cross_check.id"))
    cause: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(Text)
    unit_response: Mapped[str | None] = mapped_column(Text)
    suggested_deduction: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    cross_check: Mapped[CrossCheck | None] = relationship()

    @property
    def code(self) -> str:
        return f"F-{self.number:03d}"
