"""Demo portfolio of the seed bureau: key evaluations of several projects, issued over two years, with 结果应用.

Everything goes through the services (report workflow, issuance with real PDFs, 结果应用), so the
demo bureau user browses exactly what a real one would.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Callable

from sqlalchemy.orm import Session

from ..crosscheck import findings
from ..engagements import commissions
from ..engagements import service as engagements
from ..engagements.models import EngagementKind, TeamRole
from ..evidence.store import BlobStore
from ..reporting import service as reporting
from . import service

# title, unit, category, year, budget, spent, number of 评价要点 missed per element-scored indicator, background,
# experience, and one finding (title, description, cause, 整改建议)
PROJECTS = [
    (
        "2024年度城乡居民养老服务补贴项目重点绩效评价",
        "江州市民政局",
        "社会保障",
        2024,
        "12800000.00",
        "12160000.00",
        0,
        "向全市 80 岁以上城乡居民按月发放养老服务补贴，覆盖 13 个乡镇（街道）约 2.1 万人。",
        "补贴发放及时，审核流程规范。",
        (
            "个别乡镇存在重复申领",
            "抽查发现 2 个乡镇有 17 人同时在两地领取补贴，涉及金额 2.04 万元。",
            "乡镇之间、与公安户籍数据未共享比对",
            "建立与公安、卫健部门的数据比对机制，每季度核查一次并追回重复发放资金。",
        ),
    ),
    (
        "2024年度黑臭水体综合整治项目重点绩效评价",
        "江州市生态环境局",
        "生态环境",
        2024,
        "46500000.00",
        "41850000.00",
        1,
        "对城区 12 条黑臭水体实施截污纳管、清淤疏浚和生态修复。",
        "采用“厂网河”一体化运维。",
        (
            "2 处水体返黑返臭，长效管护不足",
            "复查 12 条水体，其中 2 条雨后水质返黑，透明度低于 25 厘米。",
            "运维经费未纳入年度预算，巡查频次不足",
            "落实河长制巡查，将运维经费纳入年度预算，对返黑水体限期完成整治。",
        ),
    ),
    (
        "2025年度义务教育薄弱学校改造项目重点绩效评价",
        "江州市教育局",
        "教育",
        2025,
        "28300000.00",
        "26050000.00",
        1,
        "改造 14 所农村义务教育学校的校舍、运动场和教学设备。",
        "项目实施与学位需求匹配。",
        (
            "部分设备采购晚于开学时间",
            "5 所学校的实验室设备于 2025 年 10 月才到货，晚于秋季开学约 6 周。",
            "采购计划编制较晚，招标流程耗时",
            "提前一学期编制采购计划，采用框架协议采购缩短周期。",
        ),
    ),
    (
        "2025年度高标准农田建设项目重点绩效评价",
        "江州市农业农村局",
        "农业农村",
        2025,
        "63200000.00",
        "55620000.00",
        2,
        "新建高标准农田 3.2 万亩，配套灌溉、田间道路和农田防护设施。",
        "整合涉农资金集中投入。",
        (
            "建成面积较计划少 6%，部分灌溉设施未验收",
            "实际建成 3.01 万亩，较计划少 0.19 万亩；4 座泵站尚未验收。",
            "征地协调滞后，施工单位进场延迟",
            "加快剩余面积建设和泵站竣工验收，建立管护台账，明确管护主体和经费。",
        ),
    ),
]
DEPARTMENT_FINDING = (
    "结转结余率偏高",
    "年末结转结余 1,360 万元，结转结余率 12%，高于 10% 的目标。",
    "部分项目前期准备不足，资金下达后未能及时支出",
    "加强预算执行进度管理，对执行缓慢的项目及时调整预算。",
)


def demo_portfolio(
    session: Session,
    storage_dir: str,
    *,
    bureau,
    firm_name: str,
    evaluator,
    reviewer,
    bureau_user,
    now,
    score_tree: Callable,
    department=None,
) -> None:
    """Issue reports for the seed projects (and the department engagement, if given) and record 结果应用."""
    store = BlobStore(storage_dir)
    issued = []
    for title, unit, category, year, budget, spent, missed, background, experience, finding in PROJECTS:
        commission = commissions.commission_firm(session, bureau, evaluator.firm.name, title, year, bureau_user, now)
        engagement = engagements.create_engagement(
            session,
            engagements.EngagementFields(
                title=title,
                evaluated_unit_name=unit,
                kind=EngagementKind.project,
                fiscal_year=year,
                budget_amount=Decimal(budget),
                funds_in_place=Decimal(budget),
                funds_spent=Decimal(spent),
                commission_id=commission.id,
                category=category,
                funding_source="市级财政资金",
                period_start=date(year, 1, 1),
                period_end=date(year, 12, 31),
                description=background,
            ),
            evaluator,
            now,
        )
        engagements.add_team_member(session, engagement, reviewer, TeamRole.reviewer, evaluator, now)
        score_tree(engagement, missed)
        _finding(session, engagement, evaluator, now, finding)
        issued.append(
            _issue(session, store, engagement, evaluator, reviewer, now, firm_name, {"experience": experience})
        )
    if department is not None:
        _finding(session, department, evaluator, now, DEPARTMENT_FINDING)
        issued.append(
            _issue(
                session,
                store,
                department,
                evaluator,
                reviewer,
                now,
                firm_name,
                {"experience": "预算管理制度较为健全，重点支出保障到位。"},
            )
        )
    _applications(session, issued, bureau_user, now)


BACKFILL_REASON = "历史报告补录：评价底稿为纸质归档，未逐项上传系统"


def _finding(session, engagement, evaluator, now, finding) -> None:
    title, description, cause, recommendation = finding
    findings.create_finding(
        session,
        engagement,
        evaluator,
        now,
        findings.FindingFields(title=title, description=description, cause=cause, recommendation=recommendation),
    )


def _issue(session, store, engagement, evaluator, reviewer, now, firm_name, narrative: dict):
    """The evaluator writes what the data cannot say, drafts the rest (生成初稿), and the reviewer issues it."""
    report = reporting.start_report(session, engagement, evaluator, now)
    for key, text in narrative.items():
        reporting.save_section(session, report, key, text, evaluator, now)
    reporting.generate_drafts(session, report, store, evaluator, now, firm_name=firm_name)
    # Reports of past years, entered after the fact: their working papers are on paper, so the checklist finds
    # deductions without evidence; the partner issues them with a recorded reason.
    reporting.submit(session, report, reviewer, now, override_reason=BACKFILL_REASON)
    reporting.approve(session, report, reviewer, now)
    reporting.issue(session, report, store, reviewer, now, firm_name=firm_name, override_reason=BACKFILL_REASON)
    return report


def _applications(session, reports, bureau_user, now) -> None:
    today = now.date()
    plans = [
        (
            "rectification",
            "建立补贴对象动态核查机制，清退重复领取人员",
            today - timedelta(days=20),
            "in_progress",
            "江州市民政局",
        ),
        ("budget_adjustment", "下一年度预算按评价结果调减 10%", None, "done", "江州市财政局预算科"),
        ("rectification", "对返黑返臭水体制定整改方案并报送", today + timedelta(days=45), "open", "江州市生态环境局"),
        ("policy", "修订农田建设项目管护办法", date(today.year, 12, 31), "open", "江州市农业农村局"),
    ]
    for report, (kind, text, due, status, unit) in zip(reports, plans):
        item = service.add_application(
            session,
            report,
            service.ApplicationInput(
                kind=kind,
                requirement=text,
                due_date=due,
                responsible_unit=unit,
                budget_change=Decimal("-4650000.00") if kind == "budget_adjustment" else None,
            ),
            bureau_user,
            now,
        )
        if status != "open":
            service.update_application(
                session, item, status, "已按要求推进" if status == "in_progress" else "已完成", bureau_user, now
            )
