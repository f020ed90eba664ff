"""What a bureau does with an issued report: 结果应用 items and read-only shares with the audit office."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db import Base, utcnow
from ..engagements.models import Engagement
from ..workflow import Workflow


class ApplicationKind(str, enum.Enum):
    budget_adjustment = "budget_adjustment"  # 预算调整（调减/调增/取消）
    rectification = "rectification"  # 整改要求
    policy = "policy"  # 完善政策/制度
    other = "other"


class ApplicationStatus(enum.StrEnum):
    open = "open"  # 待整改
    in_progress = "in_progress"  # 整改中
    done = "done"  # 已完成


A = ApplicationStatus
# 整改 progress is the bureau's own account of it: any status may follow any other (a 整改 found incomplete
# after all is opened again), only "no change" is no move (bureau.service.update_application).
APPLICATION_WORKFLOW = Workflow(
    "result application",
    ApplicationStatus,
    {
        A.open: {A.in_progress, A.done},
        A.in_progress: {A.open, A.done},
        A.done: {A.open, A.in_progress},
    },
)


class ResultApplication(Base):
    """结果应用: one decision the bureau took on the basis of an evaluation, tracked to completion."""

    __tablename__ = "result_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    kind: Mapped[ApplicationKind] = mapped_column(Enum(ApplicationKind, native_enum=False, length=30))
    requirement: Mapped[str] = mapped_column(Text)
    responsible_unit: Mapped[str | None] = mapped_column(String(200))  # 责任单位 that carries it out
    budget_change: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # 元; negative = 调减
    due_date: Mapped[date | None]
    status: Mapped[ApplicationStatus] = mapped_column(
        Enum(ApplicationStatus, native_enum=False, length=20), default=ApplicationStatus.open
    )
    progress_note: Mapped[str] = mapped_column(Text, default="")  # 整改情况
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_on: Mapped[date | None]

    engagement: Mapped[Engagement] = relationship()
    created_by: Mapped[User] = relationship()

    def is_overdue(self, today: date) -> bool:
        return self.status is not ApplicationStatus.done and self.due_date is not None and self.due_date < today


class ReportShare(Base):
    """An issued report the bureau made readable to one audit-office (审计部门) user."""

    __tablename__ = "report_share"
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    shared_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(String(200))
