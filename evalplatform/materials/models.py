"""Submitted materials (申报材料): one import per uploaded file, its rows, and saved column mappings."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, utcnow
from ..evidence.models import Evidence
from ..workflow import Workflow

MATERIAL_KINDS = ("target_sheet", "self_assessment", "ledger", "declared_list")
REVIEW_KINDS = ("target_sheet", "self_assessment")  # opened as a draft the evaluator corrects, then commits


class DraftStatus(enum.StrEnum):
    mapping = "mapping"  # 待确认表头
    review = "review"  # 待核对 (目标表/自评表, cell by cell)
    committed = "committed"  # imported
    discarded = "discarded"


DRAFT_STATES = tuple(DraftStatus)
OPEN_DRAFT_STATES = (DraftStatus.mapping, DraftStatus.review)
D = DraftStatus
DRAFT_WORKFLOW = Workflow(
    "import draft",
    DraftStatus,
    {
        D.mapping: {D.review, D.committed, D.discarded},  # a ledger or list commits straight from its mapping
        D.review: {D.committed, D.discarded},
        D.committed: set(),
        D.discarded: set(),
    },
)
LEDGER_KINDS = ("到位", "拨付", "支出")


class MaterialImport(Base):
    """One accepted file; the original bytes are evidence, the rows below are what was read from it."""

    __tablename__ = "material_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))  # 清单名称 for lists, the file name otherwise
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    sheet: Mapped[str] = mapped_column(String(100))
    row_count: Mapped[int]
    mapping: Mapped[dict] = mapped_column(default=dict)  # field -> header as found in the file
    key_column: Mapped[str | None] = mapped_column(String(100))
    columns: Mapped[list] = mapped_column(default=list)  # a declared list's headers in file order (JSONB has none)
    # A ledger's sums by kind in 元 and its row count, added up as it streamed in: pages over a 1,000,000-row
    # ledger read these, not the rows ({"到位": "123.45", …, "count": 8}); None for imports made before them.
    totals: Mapped[dict | None]
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[Evidence] = relationship()
    imported_by: Mapped[User] = relationship()


class ColumnMapping(Base):
    """The header chosen for each field, remembered per engagement and material kind."""

    __tablename__ = "material_column_mapping"
    __table_args__ = (UniqueConstraint("engagement_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"))
    kind: Mapped[str] = mapped_column(String(20))
    mapping: Mapped[dict] = mapped_column(default=dict)


class BudgetLine(Base):
    """自评表 资金行 (年度资金总额, 其中：财政拨款 …); amounts in 元 whatever the file's unit."""

    __tablename__ = "self_assessment_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("material_import.id"), index=True)
    row_number: Mapped[int]
    item: Mapped[str] = mapped_column(String(200))
    initial_budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))  # 年初预算数
    annual_budget: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))  # 全年预算数
    executed: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))  # 全年执行数
    execution_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))  # 执行率, a fraction
    weight: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))  # 分值
    points: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))  # 得分


class SelfAssessedIndicator(Base):
    """自评表 指标行: the unit's own targets, results and points."""

    __tablename__ = "self_assessment_indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("material_import.id"), index=True)
    row_number: Mapped[int]
    level1: Mapped[str] = mapped_column(String(100))
    level2: Mapped[str] = mapped_column(String(100))
    level3: Mapped[str] = mapped_column(String(200))
    target_value: Mapped[str | None] = mapped_column(String(200))  # 年度指标值, as written (≥126公里)
    # …and as read (indicators.target_text): ≥ 126 公里; a flagged one could not be read for sure.
    target_operator: Mapped[str | None] = mapped_column(String(2))
    target_number: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    target_unit: Mapped[str | None] = mapped_column(String(30))
    target_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    actual_value: Mapped[str | None] = mapped_column(String(200))  # 实际完成值, as written
    actual_number: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))  # its number, when there is one
    weight: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    points: Mapped[Decimal | None] = mapped_column(Numeric(9, 2))
    deviation_note: Mapped[str | None] = mapped_column(Text)


class LedgerEntry(Base):
    """One fund ledger record (资金到位/拨付/支出); amounts in 元."""

    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("material_import.id"), index=True)
    row_number: Mapped[int]
    entry_date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(10))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    voucher_no: Mapped[str] = mapped_column(String(60))
    payee: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str | None] = mapped_column(String(500))
    contract_date: Mapped[date | None]


class DeclaredItem(Base):
    """One row of a declared output or beneficiary list; `key` is the declared key column's value."""

    __tablename__ = "declared_item"
    __table_args__ = (UniqueConstraint("import_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("material_import.id"), index=True)
    row_number: Mapped[int]
    key: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict] = mapped_column(default=dict)


class ImportLayout(Base):
    """A county's table layout, confirmed by an evaluator: field -> header text, saved per bureau and offered
    for the next file of the kind (the units of one bureau send the same forms)."""

    __tablename__ = "material_layout"
    __table_args__ = (UniqueConstraint("bureau_id", "kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    mapping: Mapped[dict] = mapped_column(default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImportDraft(Base):
    """An uploaded table between upload and commit: its bytes (in the blob store, not yet evidence), the column
    mapping being confirmed and, for 目标表/自评表, the rows the evaluator reviews cell by cell."""

    __tablename__ = "material_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default=DraftStatus.mapping)  # a DraftStatus
    name: Mapped[str | None] = mapped_column(String(200))  # a declared list's name
    key_column: Mapped[str | None] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    blob_sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    mapping: Mapped[dict] = mapped_column(default=dict)  # field -> header text being confirmed
    layout_id: Mapped[int | None] = mapped_column(ForeignKey("material_layout.id"))
    sheet: Mapped[str | None] = mapped_column(String(100))
    table: Mapped[dict] = mapped_column(default=dict)  # extracted rows, scales and letters (review)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("material_import.id"))

    layout: Mapped[ImportLayout | None] = relationship()
    created_by: Mapped[User] = relationship()
