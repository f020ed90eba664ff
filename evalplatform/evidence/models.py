"""Evidence rows point at write-once blobs by SHA-256; deleting evidence is a tombstone."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, utcnow
from ..engagements.models import Site
from ..integrity import sealed


class EvidenceBlob(Base):
    """One row per distinct content; the bytes live in the BlobStore under this hash."""

    __tablename__ = "evidence_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(100))
    first_stored_at: Mapped[datetime] = mapped_column(default=utcnow)


@sealed(
    "engagement_id",
    "number",
    "client_uuid",
    "blob_sha256",
    "original_filename",
    "mime",
    "size",
    "captured_at",
    "latitude",
    "longitude",
    "site_id",
    "uploaded_by_id",
    "uploaded_at",
)
class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("engagement_id", "number"),
        # An offline client's retry of the same upload finds the first one instead of adding another.
        UniqueConstraint("engagement_id", "client_uuid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    number: Mapped[int]  # 证据编号, per engagement
    client_uuid: Mapped[uuid.UUID | None]
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blob.sha256"), index=True)
    original_filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(default=list)
    captured_at: Mapped[datetime | None]
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    deletion_reason: Mapped[str | None] = mapped_column(String(500))
    # Keyed hash of the record as uploaded (integrity.sealed); a tombstone above may be added, nothing else.
    content_mac: Mapped[str] = mapped_column(String(64))

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    site: Mapped[Site | None] = relationship()
    links: Mapped[list[EvidenceLink]] = relationship(back_populates="evidence", cascade="all, delete-orphan")

    @property
    def code(self) -> str:
        return f"E-{self.number:04d}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class EvidenceLink(Base):
    """Evidence supports an indicator, a checklist item or a finding (targets owned by later packages)."""

    __tablename__ = "evidence_link"
    __table_args__ = (UniqueConstraint("evidence_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), index=True)
    target_type: Mapped[str] = mapped_column(String(30))
    target_id: Mapped[int]

    evidence: Mapped[Evidence] = relationship(back_populates="links")
