"""Demo data: a firm, a bureau, one user per role and two engagements, made through the services."""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import service as accounts
from .accounts.models import User
from .bureau.demo import demo_portfolio
from .crosscheck.demo import load_materials_demo
from .engagements import commissions
from .engagements import service as engagements
from .engagements.models import EngagementKind, TeamRole
from .evidence import service as evidence_service
from .evidence.store import BlobStore
from .indicators import service as indicators
from .inspections.demo import demo_inspection
from .instruments import service as instruments
from .questionnaires import service as questionnaires
from .questionnaires.simulate import simulate_responses
from .reporting import service as reporting
from .scoring import feeds
from .scoring import service as indicator_scoring

DEMO_PASSWORD = "demo-pass-2026"
FIRM = "华信会计师事务所（特殊普通合伙）"
BUREAU = "江州市财政局"


def load_demo(session: Session, storage_dir: str, *, portfolio: bool = True) -> bool:
    """Create the demo objects unless they exist; returns whether anything was created.

    portfolio: also issue the bureau's reports (renders several PDFs, ~20 s); tests of other parts skip it."""
    if session.scalar(select(User.id).where(User.username == "evaluator")):
        return False
    now = datetime.now(timezone.utc)
    firm = accounts.get_or_create_firm(session, FIRM)
    firm.allows_readiness_override = True  # the portfolio's back-filled reports are issued by the partner's override
    bureau = accounts.get_or_create_bureau(session, BUREAU, region="江州市")
    people = {
        "admin": ("周管理", "admin"),
        "evaluator": ("李评价", "evaluator"),
        "reviewer": ("王复核", "reviewer"),
        "bureau": ("陈绩效", "bureau"),
        "auditor": ("赵审计", "auditor"),
    }
    users = {
        name: accounts.create_user(
            session, username=name, password=DEMO_PASSWORD, role=role, display_name=display, firm=firm, bureau=bureau
        )
        for name, (display, role) in people.items()
    }
    evaluator, reviewer = users["evaluator"], users["reviewer"]
    road_title, dept_title = "2025年度农村公路提档升级项目重点绩效评价", "江州市民政局2025年度部门整体支出绩效评价"
    road = engagements.create_engagement(
        session,
        engagements.EngagementFields(
            title=road_title,
            evaluated_unit_name="江州市交通运输局",
            kind=EngagementKind.project,
            fiscal_year=2025,
            budget_amount=Decimal("38600000.00"),
            funds_in_place=Decimal("38600000.00"),
            funds_spent=Decimal("34740000.00"),
            commission_id=demo_commission(session, bureau, users["bureau"], firm, road_title, 2025, now),
            funding_source="中央车购税补助资金、市级财政资金",
            category="基础设施",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
            description="改造提升农村公路 126 公里，涉及 9 个乡镇 48 个行政村。",
        ),
        evaluator,
        now,
    )
    engagements.add_team_member(session, road, reviewer, TeamRole.reviewer, evaluator, now)
    for name, address, lat, lon in [
        ("青石镇—柳湾村段", "青石镇柳湾村", "28.682100", "115.857900"),
        ("白沙乡环线", "白沙乡", "28.701300", "115.902400"),
    ]:
        engagements.save_site(
            session, road, evaluator, now, name=name, address=address, latitude=Decimal(lat), longitude=Decimal(lon)
        )
    photos = _demo_photos(session, BlobStore(storage_dir), road, evaluator, now)
    _demo_survey(session, road, evaluator, now)
    _demo_scores(session, road, "project_common_2020", ROAD_SCORES, evaluator, now)
    demo_inspection(session, storage_dir, road, evaluator, now)
    load_materials_demo(session, BlobStore(storage_dir), road, evaluator, now, photos[0] if photos else None)
    _demo_citations(session, road, evaluator, now)
    _demo_report(session, road, evaluator, now)
    dept = engagements.create_engagement(
        session,
        engagements.EngagementFields(
            title=dept_title,
            evaluated_unit_name="江州市民政局",
            kind=EngagementKind.department,
            fiscal_year=2025,
            budget_amount=Decimal("215400000.00"),
            funds_in_place=Decimal("215400000.00"),
            funds_spent=Decimal("201800000.00"),
            commission_id=demo_commission(session, bureau, users["bureau"], firm, dept_title, 2025, now),
            funding_source="一般公共预算",
            category="民生",
            period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31),
            description="江州市民政局内设 9 个科室，下属 4 个事业单位，编制 186 人；主要职责为社会救助、养老服务、"
            "社会事务和基层政权建设。",
        ),
        evaluator,
        now,
    )
    engagements.add_team_member(session, dept, reviewer, TeamRole.reviewer, evaluator, now)
    _demo_scores(session, dept, "department_overall", DEPARTMENT_SCORES, evaluator, now)
    session.flush()
    if portfolio:
        demo_portfolio(
            session,
            storage_dir,
            bureau=bureau,
            firm_name=FIRM,
            evaluator=evaluator,
            reviewer=reviewer,
            bureau_user=users["bureau"],
            now=now,
            department=dept,
            score_tree=lambda e, missed: _demo_scores(
                session, e, "project_common_2020", ROAD_SCORES, evaluator, now, missed=missed
            ),
        )
    return True


def demo_commission(session: Session, bureau, bureau_user, firm, title: str, year: int, now) -> int:
    """The bureau commissions the demo firm (by its registered name) before the firm opens the engagement."""
    return commissions.commission_firm(session, bureau, firm.name, title, year, bureau_user, now).id


# 三级指标 → (actual value, inputs, 扣分原因). The road project is fully scored; the department partly.
ROAD_SCORES = {
    "立项依据充分性": (None, {"met": "all"}, ""),
    "立项程序规范性": (None, {"met": "all"}, ""),
    "绩效目标合理性": (None, {"met": "all"}, ""),
    "绩效指标明确性": (None, {"met": 2}, "效益指标“群众出行便利度提升”未量化"),
    "预算编制科学性": (None, {"met": 3}, "部分路段按估算而非施工图预算编制"),
    "资金分配合理性": (None, {"met": "all"}, ""),
    "资金到位率": (None, {"funds_in_place": "3860", "budget": "3860"}, ""),
    "预算执行率": (None, {"actual_spent": "3474", "funds_in_place": "3860"}, "年末尚有 386 万元工程尾款未支付"),
    "资金使用合规性": (None, {"deductions": [{"points": "0.5"}]}, "1 笔 12.6 万元支出缺少验收单"),
    "管理制度健全性": (None, {"met": "all"}, ""),
    "制度执行有效性": (None, {"met": 3}, "竣工资料归档不及时"),
    "实际完成率": (None, {"actual_output": "120", "planned_output": "126"}, "青石镇 6 公里路段未完工"),
    "质量达标率": (None, {"qualified_output": "118", "actual_output": "120"}, "白沙乡环线 2 公里路面平整度不达标"),
    "完成及时性": ("7", {"band": "partly"}, "2 个标段延期 3 个月完工"),
    "成本节约率": (None, {"planned_cost": "3860", "actual_cost": "3474"}, ""),
    "社会效益": ("9", {"band": "achieved"}, "通行条件明显改善，仍有 3 个村组存在断头路"),
    "可持续影响": ("8", {"band": "achieved"}, "长效管护资金尚未全部落实"),
}
DEPARTMENT_SCORES = {
    "绩效目标合理性": (None, {"met": "all"}, ""),
    "绩效指标明确性": (None, {"met": 2}, "部分绩效指标未细化量化"),
    "在职人员控制率": ("96", {}, ""),
    "“三公经费”控制率": ("92", {}, ""),
    "预算执行率": (None, {"annual_executed": "20180", "annual_budget": "21540"}, "年末结转 1360 万元"),
    "结转结余率": ("12", {}, "结转结余率 12%，高于 10% 的目标"),
    "政府采购执行率": ("100", {}, ""),
    "管理制度健全性": (None, {"met": "all"}, ""),
    "资产管理规范性": (None, {"deductions": [{"points": "1"}]}, "2 台车辆未及时入账"),
    "重点工作完成率": ("95", {}, "2 项重点工作未完成"),
    "实际完成率": (None, {"actual_output": "19", "planned_output": "20"}, "1 个养老服务中心未建成"),
    "社会效益": ("8", {"band": "achieved"}, "兜底保障水平提高，城乡差距仍较大"),
}


def _demo_scores(
    session: Session, engagement, framework_code: str, scores: dict, evaluator, now, missed: int = 0
) -> None:
    """Score the demo tree; `missed` more 评价要点 per fully met element-scored indicator lowers the grade."""
    tree = indicators.create_tree_from_framework(session, engagement, framework_code, evaluator, now)
    for indicator in tree.indicators:
        if indicator.name not in scores:
            continue
        actual, inputs, rationale = scores[indicator.name]
        if "met" in inputs:  # 要素法: the first n 评价要点 are met
            names = [e["name"] for e in indicator.params["elements"]]
            if inputs["met"] == "all" and missed:
                inputs, rationale = {"met": names[: max(0, len(names) - missed)]}, "部分评价要点未满足"
            else:
                inputs = {"met": names if inputs["met"] == "all" else names[: inputs["met"]]}
        indicator_scoring.record_score(
            session, indicator, evaluator, now, actual_value=actual, inputs=inputs, rationale=rationale
        )
    quality = next((i for i in tree.indicators if i.name == "质量达标率"), None)
    for photo in evidence_service.evidence_index(session, engagement) if quality is not None else []:
        indicator_scoring.attach_evidence(session, quality, photo, evaluator, now)
    satisfaction = next((i for i in tree.indicators if i.name == "服务对象满意度"), None)
    if satisfaction is not None:
        _demo_satisfaction(session, engagement, satisfaction, evaluator, now)


# Each deducted indicator cites the file its deduction rests on (readiness: no deduction without evidence).
CITATIONS = (
    ("资金", "台账"),
    ("预算", "台账"),
    ("质量", "jpg"),
    ("完成", "jpg"),
    ("制度", "自评表"),
    ("指标", "自评表"),
    ("效益", "受益农户"),
    ("影响", "jpg"),
    ("满意", "受益农户"),
)


def _demo_citations(session: Session, engagement, evaluator, now) -> None:
    tree = indicators.tree_for(session, engagement)
    cited = indicator_scoring.evidence_by_indicator(session, tree)
    files = evidence_service.evidence_index(session, engagement)
    for indicator in tree.indicators:
        if indicator.level != 3 or indicator.score is None or not indicator.below_full or cited.get(indicator.id):
            continue
        wanted = next((f for word, f in CITATIONS if word in indicator.name), "自评表")
        evidence = next((e for e in files if wanted in e.original_filename), files[0])
        indicator_scoring.attach_evidence(session, indicator, evidence, evaluator, now)


# The road report as drafted by the evaluator (附件3 sections an evaluator writes; the rest comes from data).
ROAD_NARRATIVE = {
    "overview": "项目由江州市交通运输局组织实施，2025年计划改造提升农村公路 126 公里，覆盖 9 个乡镇 48 个行政村，"
    "资金来源为中央车购税补助资金和市级财政资金。",
    "work_process": "评价组于2025年9月进场，查阅项目立项、资金拨付和验收资料，对两个典型路段开展现场勘查，"
    "在柳湾村和白沙乡发放满意度问卷 390 份，并对资金台账进行全量比对和抽样核查。",
    "experience": "建立了“县道县管、乡道乡管、村道村管”的分级管护机制；项目实施前逐村公示改造计划，群众参与度高。",
    "problems": "一是部分路段未按期完工；二是年末尚有工程尾款未支付，预算执行率偏低；三是个别支出凭证重复入账、"
    "合同签订前付款；四是长效管护资金尚未全部落实。",
    "suggestions": "一是加快未完工路段建设和竣工验收；二是按工程进度编制和执行预算；三是完善报账审核，杜绝重复入账；"
    "四是将管护经费纳入年度预算，建立长效管护机制。",
    "other": "本报告所用数据截至2025年12月31日；满意度调查白沙乡分层样本量未达到要求，相关结论仅作参考。",
}


def _demo_report(session: Session, engagement, evaluator, now) -> None:
    report = reporting.start_report(session, engagement, evaluator, now)
    for key, text in ROAD_NARRATIVE.items():
        reporting.save_section(session, report, key, text, evaluator, now)


def _demo_satisfaction(session: Session, engagement, indicator, evaluator, now) -> None:
    """From the engagement's own questionnaire where it has one (从问卷结果取值), so the score, the report's
    survey annex and the analysis page agree. Without one the indicator is not applicable: a score there would
    contradict the annex's 未开展满意度调查 (reporting.contradictions)."""
    status = feeds.survey_status(session, engagement)
    if status is None:
        indicator_scoring.record_score(
            session,
            indicator,
            evaluator,
            now,
            not_applicable=True,
            rationale="本次评价未开展满意度调查，该指标不适用，其分值按比例分摊",
        )
        return
    rate = feeds.apply_survey(session, engagement, indicator, evaluator, now).rate
    target = indicator.target_value or Decimal(90)
    rationale = f"满意度 {rate}%，{'低于' if rate < target else '达到'} {target.normalize():f}% 的目标"
    indicator_scoring.record_score(session, indicator, evaluator, now, rationale=rationale)


def _demo_photos(session: Session, store: BlobStore, engagement, evaluator, now) -> list:
    """A few geotagged site photos (drawn here, so the demo needs no files) as evidence."""
    photos = []
    for site, (label, color) in zip(
        engagement.sites, [("路面宽度测量", (96, 110, 120)), ("排水沟现状", (70, 120, 80))]
    ):
        image = Image.new("RGB", (960, 720), color)
        draw = ImageDraw.Draw(image)
        draw.rectangle((80, 300, 880, 420), fill=(40, 40, 40))
        draw.line((80, 360, 880, 360), fill=(240, 240, 240), width=6)
        exif = Image.Exif()
        exif[0x0132] = "2025:09:18 10:20:00"
        exif[0x8825] = {1: "N", 2: _dms(site.latitude), 3: "E", 4: _dms(site.longitude)}
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85, exif=exif)
        buffer.seek(0)
        photos.append(
            evidence_service.store_upload(
                session,
                store,
                engagement,
                evaluator,
                now,
                stream=buffer,
                filename=f"{site.name}-{label}.jpg",
                max_bytes=10 * 2**20,
                description=label,
                tags=["现场照片"],
                site=site,
            ).evidence
        )
    return photos


def _demo_survey(session: Session, engagement, evaluator, now) -> None:
    """The rural-road satisfaction questionnaire, distributed in two villages, with 390 simulated responses (enough for ±5 % at 95 %)."""
    instrument = instruments.create_instrument(
        session,
        engagement,
        evaluator,
        now,
        instruments.load_template("satisfaction-rural-road"),
        "satisfaction-rural-road",
    )
    rng = random.Random(2025)
    start = now - timedelta(days=12)
    # 柳湾村's 210 answers cover its 420 households (201 needed); 白沙乡's 180 fall short of the 316 its
    # 1,800 need, while the 390 together meet the 328 the whole 2,220 need: the analysis page shows both.
    for name, population, quota, count, mood in [("柳湾村", 420, 240, 210, 0.92), ("白沙乡", 1800, 200, 180, 0.84)]:
        distribution = questionnaires.create_distribution(
            session,
            instrument,
            evaluator,
            start,
            questionnaires.DistributionFields(
                name=f"{name}村民满意度调查",
                stratum=name,
                quota=quota,
                population=population,
                closes_at=now + timedelta(days=20),
            ),
        )
        simulate_responses(session, distribution, count, start, rng, mood)


def _dms(value: Decimal) -> tuple[float, float, float]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    return float(degrees), float(minutes), float(round((minutes_full - minutes) * 60, 4))
