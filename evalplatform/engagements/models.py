"""评价项目: commissions (委托), engagements, their evaluated units, teams and inspection sites."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Bureau, Firm, User
from ..db import Base, utcnow
from ..workflow import Workflow


class CommissionStatus(enum.StrEnum):
    requested = "requested"  # 待财政局确认: a firm asked; the bureau has not answered
    accepted = "accepted"  # 已委托: the bureau commissioned the firm (or accepted its request)
    declined = "declined"  # 已拒绝: the bureau said no to the request
    withdrawn = "withdrawn"  # 已撤回: the bureau withdrew it (or the firm withdrew its own request)


C = CommissionStatus
# Declared once; the service refuses anything else.
COMMISSION_WORKFLOW = Workflow(
    "commission",
    CommissionStatus,
    {
        C.requested: {C.accepted, C.declined, C.withdrawn},
        C.accepted: {C.withdrawn},
        C.declined: set(),
        C.withdrawn: set(),
    },
)
COMMISSION_TRANSITIONS = COMMISSION_WORKFLOW.transitions


class Commission(Base):
    __tablename__ = "commission"
    __table_args__ = (CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="fiscal_year_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    project_name: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int]
    status: Mapped[CommissionStatus] = mapped_column(Enum(CommissionStatus, native_enum=False, length=20))
    requested_by_firm: Mapped[bool] = mapped_column(default=False)  # the firm asked, rather than the bureau offering
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)  # why it was declined or withdrawn
    # Re-assignment: the commission this one replaces (withdrawn from another firm).
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("commission.id"))

    bureau: Mapped[Bureau] = relationship()
    firm: Mapped[Firm] = relationship()

    @property
    def is_accepted(self) -> bool:
        return self.status is CommissionStatus.accepted

    def can_move_to(self, status: CommissionStatus) -> bool:
        return COMMISSION_WORKFLOW.can_move(self.status, status)


class EngagementKind(str, enum.Enum):
    project = "project"  # 项目支出
    department = "department"  # 部门整体支出


class EngagementStatus(enum.StrEnum):
    """Stored values; the report workflow's names (立项 → 实施 → 报告 → 复核 → 已签发) are setup, fieldwork and
    analysis, reporting, review, issued."""

    setup = "setup"  # 立项
    fieldwork = "fieldwork"  # 现场
    analysis = "analysis"  # 分析
    reporting = "reporting"  # 报告
    review = "review"  # 复核
    issued = "issued"  # 已出具
    archived = "archived"  # 已归档


S = EngagementStatus
# The moves a person makes on the engagement page: forward one step, or back one step to redo work, and
# 归档 once issued (final). 复核 and 已出具 are not among them: the report's own workflow (提交复核, 退回, 签发)
# carries the engagement into and out of them (ENGAGEMENT_FOLLOWS_REPORT below), so the page can never say
# 已出具 beside an unissued report or 报告 beside a report under review.
ENGAGEMENT_WORKFLOW = Workflow(
    "engagement",
    EngagementStatus,
    {
        S.setup: {S.fieldwork},
        S.fieldwork: {S.analysis, S.setup},
        S.analysis: {S.reporting, S.fieldwork},
        S.reporting: {S.analysis},
        S.review: set(),
        S.issued: {S.archived},
        S.archived: set(),
    },
)
ALLOWED_TRANSITIONS = ENGAGEMENT_WORKFLOW.transitions
# The moves its report's workflow makes on an engagement (engagements.service.follow_workflow): the first field
# work moves 立项 on to 实施, the report's states carry it to 报告, 复核 and 已出具 (back to 报告 when returned or
# reopened); an archived engagement stays archived.
ENGAGEMENT_FOLLOWS_REPORT = Workflow(
    "engagement following its report",
    EngagementStatus,
    {
        S.setup: {S.fieldwork, S.reporting},
        S.fieldwork: {S.reporting},
        S.analysis: {S.reporting},
        S.reporting: {S.review},
        S.review: {S.reporting, S.issued},
        S.issued: {S.reporting},
        S.archived: set(),
    },
)


class TeamRole(str, enum.Enum):
    lead = "lead"  # 项目负责人
    member = "member"  # 评价人员
    reviewer = "reviewer"  # 复核合伙人
    expert = "expert"  # 行业专家


class EvaluatedUnit(Base):
    """被评价单位 / 预算单位, per bureau, so the bureau can compare a unit across years."""

    __tablename__ = "evaluated_unit"
    __table_args__ = (UniqueConstraint("bureau_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"))
    name: Mapped[str] = mapped_column(String(200))


class Engagement(Base):
    __tablename__ = "engagement"
    __table_args__ = (
        CheckConstraint("fiscal_year BETWEEN 2000 AND 2100", name="fiscal_year_range"),
        CheckConstraint("budget_amount >= 0", name="budget_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id"), index=True)
    # The bureau of the commission (kept here for the evaluated unit and the grade scale); whether the bureau
    # may read anything is the commission's status and the policy's business (evalplatform.policy).
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), index=True)
    commission_id: Mapped[int] = mapped_column(ForeignKey("commission.id"), unique=True)
    evaluated_unit_id: Mapped[int] = mapped_column(ForeignKey("evaluated_unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[EngagementKind] = mapped_column(Enum(EngagementKind, native_enum=False, length=20))
    fiscal_year: Mapped[int]
    budget_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # 元
    # 财预〔2020〕10号 附件2: 实际到位资金 and 实际支出资金 (元), quoted in the report's 一、基本情况.
    funds_in_place: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    funds_spent: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    funding_source: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(60))
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[EngagementStatus] = mapped_column(
        Enum(EngagementStatus, native_enum=False, length=20), default=EngagementStatus.setup
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    first_issued_at: Mapped[datetime | None]  # set by reporting when its first version is issued

    firm: Mapped[Firm] = relationship()
    bureau: Mapped[Bureau] = relationship()
    commission: Mapped[Commission] = relationship()
    evaluated_unit: Mapped[EvaluatedUnit] = relationship()
    team: Mapped[list[TeamMember]] = relationship(back_populates="engagement", cascade="all, delete-orphan")
    sites: Mapped[list[Site]] = relationship(
        back_populates="engagement", cascade="all, delete-orphan", order_by="Site.id"
    )

    @property
    def is_locked(self) -> bool:
        return self.status is EngagementStatus.archived

    def can_move_to(self, status: EngagementStatus) -> bool:
        return ENGAGEMENT_WORKFLOW.can_move(self.status, status)


class TeamMember(Base):
    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("engagement_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    team_role: Mapped[TeamRole] = mapped_column(Enum(TeamRole, native_enum=False, length=20))

    engagement: Mapped[Engagement] = relationship(back_populates="team")
    user: Mapped[User] = relationship()


class Site(Base):
    """勘查点: a place the team inspects."""

    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    engagement: Mapped[Engagement] = relationship(back_populates="sites")
