"""Demo portfolio of the seed bureau: key evaluations of several projects, issued over two years, with 结果应用.

Everything goes through the services (report workflow, issuance with real PDFs, 结果应用), so the
demo bureau user browses exactly what a real one would.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Callable

from sqlalchemy.orm import Session

from ..engagements import commissions
from ..engagements import service as engagements
from ..engagements.models import EngagementKind, TeamRole
from ..evidence.store import BlobStore
from ..reporting import service as reporting
from . import service

# title, unit, category, year, budget, number of 评价要点 missed per element-scored indicator, narrative
PROJECTS = [
    ("2024年度城乡居民养老服务补贴项目重点绩效评价", "江州市民政局", "社会保障", 2024, "12800000.00", 0,
     "补贴发放及时，审核流程规范。", "个别乡镇存在重复申领。", "建立跨部门数据比对机制。"),
    ("2024年度黑臭水体综合整治项目重点绩效评价", "江州市生态环境局", "生态环境", 2024, "46500000.00", 1,
     "采用“厂网河”一体化运维。", "2 处水体返黑返臭，长效管护不足。", "落实河长制巡查与运维经费。"),
    ("2025年度义务教育薄弱学校改造项目重点绩效评价", "江州市教育局", "教育", 2025, "28300000.00", 1,
     "项目实施与学位需求匹配。", "部分设备采购晚于开学时间。", "提前编制采购计划。"),
    ("2025年度高标准农田建设项目重点绩效评价", "江州市农业农村局", "农业农村", 2025, "63200000.00", 2,
     "整合涉农资金集中投入。", "建成面积较计划少 6%，部分灌溉设施未验收。", "加快竣工验收，建立管护台账。"),
]


def demo_portfolio(session: Session, storage_dir: str, *, bureau, firm_name: str, evaluator, reviewer, bureau_user,
                   now, score_tree: Callable, department=None) -> None:
    """Issue reports for the seed projects (and the department engagement, if given) and record 结果应用."""
    store = BlobStore(storage_dir)
    issued = []
    for title, unit, category, year, budget, missed, experience, problems, suggestions in PROJECTS:
        commission = commissions.commission_firm(session, bureau, evaluator.firm.name, title, year, bureau_user, now)
        engagement = engagements.create_engagement(session, engagements.EngagementFields(
            title=title, evaluated_unit_name=unit, kind=EngagementKind.project, fiscal_year=year,
            budget_amount=Decimal(budget), commission_id=commission.id, category=category,
            funding_source="市级财政资金"), evaluator, now)
        engagements.add_team_member(session, engagement, reviewer, TeamRole.reviewer, evaluator, now)
        score_tree(engagement, missed)
        issued.append(_issue(session, store, engagement, evaluator, reviewer, now, firm_name,
                             {"experience": experience, "problems": problems, "suggestions": suggestions}))
    if department is not None:
        issued.append(_issue(session, store, department, evaluator, reviewer, now, firm_name,
                             {"experience": "预算管理制度较为健全。", "problems": "结转结余率偏高。",
                              "suggestions": "加强预算执行进度管理。"}))
    _applications(session, issued, bureau_user, now)


BACKFILL_REASON = "历史报告补录：评价底稿为纸质归档，未逐项上传系统"


def _issue(session, store, engagement, evaluator, reviewer, now, firm_name, narrative: dict):
    report = reporting.start_report(session, engagement, evaluator, now)
    for key, text in narrative.items():
        reporting.save_section(session, report, key, text, evaluator, now)
    # Reports of past years, entered after the fact: their working papers are on paper, so the checklist finds
    # deductions without evidence (and unwritten sections); the partner issues them with a recorded reason.
    reporting.submit(session, report, reviewer, now, override_reason=BACKFILL_REASON)
    reporting.approve(session, report, reviewer, now)
    reporting.issue(session, report, store, reviewer, now, firm_name=firm_name, override_reason=BACKFILL_REASON)
    return report


def _applications(session, reports, bureau_user, now) -> None:
    today = now.date()
    plans = [
        ("rectification", "建立补贴对象动态核查机制，清退重复领取人员", today - timedelta(days=20), "in_progress"),
        ("budget_adjustment", "下一年度预算按评价结果调减 10%", None, "done"),
        ("rectification", "对返黑返臭水体制定整改方案并报送", today + timedelta(days=45), "open"),
        ("policy", "修订农田建设项目管护办法", date(today.year, 12, 31), "open"),
    ]
    for report, (kind, text, due, status) in zip(reports, plans):
        item = service.add_application(session, report, service.ApplicationInput(
            kind=kind, requirement=text, due_date=due,
            budget_change=Decimal("-1280000.00") if kind == "budget_adjustment" else None), bureau_user, now)
        if status != "open":
            service.update_application(session, item, status, "已按要求推进" if status == "in_progress" else "已完成",
                                       bureau_user, now)
