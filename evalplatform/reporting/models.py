"""Reports: narrative sections, review history, render jobs and immutable issued versions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import formatting as fmt
from ..accounts.models import User
from ..db import Base, JSONDocument, utcnow
from ..engagements.models import Engagement, EngagementStatus
from ..evidence.models import Evidence
from ..i18n import N_
from ..integrity import sealed
from ..workflow import Workflow


class ReportStatus(enum.StrEnum):
    draft = "draft"  # 征求意见稿, being written
    submitted = "submitted"  # 已提交复核
    returned = "returned"  # 复核退回
    approved = "approved"  # 复核通过
    issued = "issued"  # 已出具 (immutable; reopening starts the next version)


R = ReportStatus
# Each action narrows where it starts from (reporting.service); an edit under review returns it (review.py).
REPORT_WORKFLOW = Workflow(
    "report",
    ReportStatus,
    {
        R.draft: {R.submitted},
        R.returned: {R.submitted},
        R.submitted: {R.returned, R.approved},
        R.approved: {R.issued, R.returned},
        R.issued: {R.draft},
    },
)


class RenderJobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


J = RenderJobStatus
RENDER_JOB_WORKFLOW = Workflow(
    "render job",
    RenderJobStatus,
    {
        J.queued: {J.running},
        J.running: {J.done, J.failed},
        J.done: set(),
        J.failed: set(),
    },
)

# The engagement's status while its report is in each state (engagements.service.follow_workflow).
ENGAGEMENT_STATUS_OF = {
    ReportStatus.draft: EngagementStatus.reporting,
    ReportStatus.returned: EngagementStatus.reporting,
    ReportStatus.submitted: EngagementStatus.review,
    ReportStatus.approved: EngagementStatus.review,
    ReportStatus.issued: EngagementStatus.issued,
}

# Narrative sections written by evaluators from a first draft made of the data (design.md §8, reporting.drafting);
# the tables (funds, targets, scores, annexes) are generated from data.
NARRATIVE_SECTIONS = {
    "overview": N_("一、基本情况"),
    "work_process": N_("二、绩效评价工作开展情况"),
    "conclusion": N_("三、综合评价情况及评价结论"),
    "analysis": N_("四、绩效评价指标分析"),
    "experience": N_("五（一）主要经验及做法"),
    "problems": N_("五（二）存在的问题及原因分析"),
    "suggestions": N_("六、有关建议"),
    "other": N_("七、其他需要说明的问题"),
}
# Sections whose draft is complete from the scores alone (三 conclusion, 四 analysis): the readiness checklist does
# not ask the evaluator to write them, and the report prints the draft while they are empty.
GENERATED_WHEN_EMPTY = ("conclusion", "analysis")


class Report(Base):
    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(60))  # 报告文号
    status: Mapped[ReportStatus] = mapped_column(
        Enum(ReportStatus, native_enum=False, length=20), default=ReportStatus.draft
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_versions: Mapped[int] = mapped_column(default=0)

    engagement: Mapped[Engagement] = relationship()
    author: Mapped[User] = relationship()
    sections: Mapped[list[ReportSection]] = relationship(back_populates="report", cascade="all, delete-orphan")
    events: Mapped[list[ReportEvent]] = relationship(
        back_populates="report", order_by="ReportEvent.id", cascade="all, delete-orphan"
    )
    versions: Mapped[list[ReportVersion]] = relationship(
        back_populates="report", order_by="ReportVersion.version", cascade="all, delete-orphan"
    )

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.draft, ReportStatus.returned)

    def section_text(self, key: str) -> str:
        return next((s.body for s in self.sections if s.key == key), "")


class ReportSection(Base):
    __tablename__ = "report_section"
    __table_args__ = (UniqueConstraint("report_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    report: Mapped[Report] = relationship(back_populates="sections")


class ReportEvent(Base):
    """Review history: submitted, returned (with comment), approved, issued, reopened."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    report: Mapped[Report] = relationship(back_populates="events")
    actor: Mapped[User] = relationship()


@sealed(
    "report_id",
    "version",
    "issued_at",
    "issued_by_id",
    "reason",
    "content_sha256",
    "pdf_evidence_id",
    "xlsx_evidence_id",
    "pages",
    "total_score",
    "grade",
    "findings_by_severity",
    "anchor_seq",
    "anchor_hash",
    digests={"content_sha256": "content"},
)
class ReportVersion(Base):
    """An issued version: its PDF and XLSX are evidence; content_sha256 is printed in the PDF."""

    __tablename__ = "report_version"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    version: Mapped[int]
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64))
    pdf_evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    xlsx_evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    pages: Mapped[int]
    # Frozen headline figures, so dashboards read what the issued PDF says.
    total_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str | None] = mapped_column(String(10))
    findings_by_severity: Mapped[dict | None] = mapped_column(JSONDocument)
    # What the version says, as hashed into content_sha256: what the bureau and the auditor read (scores, grade,
    # survey aggregates, findings as issued). None for versions issued before this was kept.
    content: Mapped[dict | None] = mapped_column(JSONDocument)
    # The engagement's audit chain head when the version was issued, printed in the PDF (verify-audit --expect-head).
    anchor_seq: Mapped[int | None]
    anchor_hash: Mapped[str | None] = mapped_column(String(64))
    content_mac: Mapped[str] = mapped_column(String(64))

    report: Mapped[Report] = relationship(back_populates="versions")
    issued_by: Mapped[User] = relationship()

    @property
    def as_issued(self) -> dict:
        """What this version says (title, engagement facts, scoring, surveys, findings) as issued. Versions
        issued before contents were kept show their report's title and engagement facts as they are now."""
        if self.content:
            return self.content
        e = self.report.engagement
        return {
            "title": self.report.title,
            "scoring": None,
            "surveys": [],
            "findings": [],
            "annexes": [],
            "engagement": {
                "title": e.title,
                "unit": e.evaluated_unit.name,
                "fiscal_year": e.fiscal_year,
                "category": e.category or "",
                "budget_amount": fmt.number(e.budget_amount, 2),
            },
        }


class ReportAnnex(Base):
    """An evidence original the firm attaches to an issued version (随报告提供的证据原件). While the version is
    being prepared `version` is None; issuing stamps it. Only these originals ever reach the bureau side."""

    __tablename__ = "report_annex"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"))
    version: Mapped[int | None]
    added_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    evidence: Mapped[Evidence] = relationship()


class RenderJob(Base):
    """A draft rendering the UI polls: queued → running (progress %) → done / failed."""

    __tablename__ = "render_job"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=RenderJobStatus.queued)  # a RenderJobStatus
    progress: Mapped[int] = mapped_column(default=0)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
