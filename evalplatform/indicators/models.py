"""An engagement's indicator tree (指标体系): three levels of indicators with targets, rules and scores."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, utcnow


class IndicatorTree(Base):
    __tablename__ = "indicator_tree"

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagement.id"), unique=True)
    framework_code: Mapped[str] = mapped_column(String(60))
    framework_name: Mapped[str] = mapped_column(String(200))
    # 产出+效益 < 60 is allowed for a key evaluation only with a written reason.
    balance_override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="tree", cascade="all, delete-orphan", order_by="(Indicator.level, Indicator.position)"
    )


class Indicator(Base):
    __tablename__ = "indicator"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
        CheckConstraint("points >= 0", name="points_not_negative"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= points)", name="score_within_points"),
        CheckConstraint("operator IN ('ge', 'le', 'eq', 'qualitative')", name="operator_known"),
        CheckConstraint("standard IN ('plan', 'industry', 'history', 'other')", name="standard_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tree_id: Mapped[int] = mapped_column(ForeignKey("indicator_tree.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))  # 分值
    explanation: Mapped[str] = mapped_column(Text, default="")  # 指标解释
    key_points: Mapped[list] = mapped_column(default=list)  # 评价要点
    is_custom: Mapped[bool] = mapped_column(Boolean, default=False)  # 个性指标
    # 绩效目标: 指标值 / 度量单位 / 指标性质; target_text holds a qualitative target.
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    target_text: Mapped[str | None] = mapped_column(String(300))
    target_original: Mapped[str | None] = mapped_column(String(300))  # 指标值 as the 目标表 wrote it: ≥ 95%
    unit: Mapped[str] = mapped_column(String(30), default="")
    operator: Mapped[str] = mapped_column(String(12), default="qualitative")
    method: Mapped[str] = mapped_column(String(30), default="manual")
    params: Mapped[dict] = mapped_column(default=dict)
    standard: Mapped[str] = mapped_column(String(12), default="plan")  # 计划/行业/历史/其他标准
    # Values: declared by the unit (申报/自评), verified by later modules, and the one scored.
    declared_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    verified_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    verified_source: Mapped[str | None] = mapped_column(String(200))
    actual_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    inputs: Mapped[dict] = mapped_column(default=dict)  # formula inputs, elements met, deductions, band
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # 得分
    rationale: Mapped[str] = mapped_column(Text, default="")  # 扣分原因 / 评分依据
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    scored_at: Mapped[datetime | None]
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tree: Mapped[IndicatorTree] = relationship(back_populates="indicators")

    @property
    def engagement_id(self) -> int:
        """The engagement whose tree holds it: what web.get_or_404 and the disclosure policy ask."""
        return self.tree.engagement_id

    @property
    def below_full(self) -> bool:
        return self.score is not None and self.score < self.points


class BureauGradeScale(Base):
    """A bureau's own grade bands (default 优 ≥90, 良 ≥80, 中 ≥60, otherwise 差)."""

    __tablename__ = "bureau_grade_scale"
    __table_args__ = (CheckConstraint("excellent > good AND good > fair AND fair >= 0", name="bands_ordered"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("bureau.id"), unique=True)
    excellent: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    good: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    fair: Mapped[Decimal] = mapped_column(Numeric(5, 1))
