"""Demo materials for the road engagement: a 自评表, a ledger with planted irregularities, a beneficiary
list with a completed verification sample, the cross-checks and the findings they lead to."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from sqlalchemy.orm import Session

from ..accounts.models import User
from ..engagements.models import Engagement
from ..evidence.models import Evidence
from ..evidence.store import BlobStore
from ..materials import service as materials
from . import findings, sampling, service

DEMO_SEED = 20250918
LEDGER = [  # date, voucher, kind, purpose, payee, amount (元), contract date
    (date(2025, 1, 20), "记-001", "资金到位", "市级财政资金下达", "江州市财政局", 20_000_000, None),
    (date(2025, 3, 5), "记-014", "拨付", "拨付青石镇工程款", "青石镇人民政府", 6_400_000, None),
    (date(2025, 3, 10), "记-019", "支出", "白沙乡环线预付款", "江州交通工程有限公司", 420_315.20, date(2025, 3, 28)),
    (
        date(2025, 4, 2),
        "记-021",
        "支出",
        "柳湾村段路面工程进度款",
        "江州路桥建设有限公司",
        3_215_478.36,
        date(2025, 3, 18),
    ),
    (date(2025, 5, 16), "记-035", "支出", "监理费", "江州工程监理咨询有限公司", 186_420.50, date(2025, 3, 20)),
    (date(2025, 6, 30), "记-052", "资金到位", "中央车购税补助资金到位", "江州市财政局", 18_600_000, None),
    (
        date(2025, 7, 8),
        "记-060",
        "支出",
        "白沙乡环线路基工程款",
        "江州路桥建设有限公司",
        7_842_113.08,
        date(2025, 3, 18),
    ),
    (
        date(2025, 8, 3),
        "记-060",
        "支出",
        "白沙乡环线路基工程款",
        "江州路桥建设有限公司",
        7_842_113.08,
        date(2025, 3, 18),
    ),
    (date(2025, 9, 12), "记-081", "支出", "检测费", "江州公路检测中心", 96_350.00, date(2025, 8, 1)),
    (date(2025, 10, 9), "记-090", "支出", "劳务费", "江州某劳务服务部", 50_000, None),
    (date(2025, 10, 21), "记-093", "支出", "劳务费", "江州某劳务服务部", 80_000, None),
    (date(2025, 11, 4), "记-097", "支出", "劳务费", "江州某劳务服务部", 100_000, None),
    (
        date(2025, 11, 28),
        "记-102",
        "支出",
        "青石镇段竣工结算款",
        "江州路桥建设有限公司",
        4_557_003.27,
        date(2025, 3, 18),
    ),
    (date(2026, 1, 15), "记-201", "支出", "跨年支付监理尾款", "江州工程监理咨询有限公司", 23_580.75, date(2025, 3, 20)),
]


def _xlsx(workbook: Workbook) -> io.BytesIO:
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def _ledger() -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "资金台账"
    sheet.append(["2025年农村公路提档升级项目资金台账（单位：元）"])
    sheet.append(["序号", "记账日期", "凭证字号", "业务类型", "摘要", "收款单位", "金额（元）", "合同签订日期"])
    for n, row in enumerate(LEDGER, start=1):
        sheet.append([n, *row[:-1], row[-1]])
    return _xlsx(workbook)


def _self_assessment() -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "绩效自评表"
    sheet.append(["项目支出绩效自评表（2025年度）"])
    sheet.append(["项目名称", "农村公路提档升级项目", None, None, "实施单位", "江州市交通运输局"])
    sheet.append(["项目资金（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    sheet.append(["年度资金总额", 3860, 3860, 3512.6, 10, 0.91, 9.1])
    sheet.append(["年度总体目标", "改造提升农村公路126公里，涉及9个乡镇48个行政村"])
    sheet.append(
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    )
    for row in [
        ("产出指标", "数量指标", "改造公路里程", "≥126公里", "126.4公里", 10, 10, None),
        (None, "质量指标", "工程验收合格率", "100%", "100%", 10, 10, None),
        (None, "时效指标", "按期完工率", "≥95%", "92%", 10, 8, "部分路段雨季停工"),
        ("效益指标", "社会效益指标", "受益农户数", "≥240户", "240户", 20, 20, None),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "96%", 10, 10, None),
    ]:
        sheet.append(list(row))
    sheet.merge_cells("A7:A9")
    sheet.append(["总分", None, None, None, None, 100, 88])
    return _xlsx(workbook)


def _beneficiaries() -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "受益农户"
    sheet.append(["序号", "乡镇", "行政村", "户主姓名", "农户编号", "受益路段"])
    towns = [("青石镇", "柳湾村", "青石镇—柳湾村段"), ("白沙乡", "白沙村", "白沙乡环线")]
    for n in range(1, 241):
        town, village, road = towns[n % 2]
        sheet.append([n, town, village, f"户主{n:03d}", f"JZ-{n:04d}", road])
    return _xlsx(workbook)


ROAD_SECTIONS = [  # 路段名称, 乡镇, 改造里程（公里）: the inspected 青石镇—柳湾村段 measured 3.18 km
    ("青石镇—柳湾村段", "青石镇", "3.2"),
    ("白沙乡环线", "白沙乡", "5.6"),
    ("石门—龙口段", "石门镇", "4.15"),
]


def _road_sections() -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "改造路段"
    sheet.append(["序号", "路段名称", "乡镇", "改造里程（公里）"])
    for n, row in enumerate(ROAD_SECTIONS, start=1):
        sheet.append([n, *row])
    return _xlsx(workbook)


def load_materials_demo(
    session: Session, store: BlobStore, engagement: Engagement, evaluator: User, now: datetime, photo: Evidence | None
) -> None:
    for kind, name, data, extra in [
        ("self_assessment", "2025年度项目支出绩效自评表.xlsx", _self_assessment(), {}),
        ("ledger", "农村公路项目资金台账2025.xlsx", _ledger(), {}),
        ("declared_list", "受益农户清单.xlsx", _beneficiaries(), {"name": "受益农户清单", "key_column": "农户编号"}),
    ]:
        material = materials.import_material(
            session,
            store,
            engagement,
            evaluator,
            now,
            kind=kind,
            stream=data,
            filename=name,
            max_bytes=10 * 2**20,
            **extra,
        )
    sample = sampling.draw_sample(
        session, engagement, material, evaluator, now, seed=DEMO_SEED, size=40, stratum_column="乡镇"
    )
    for item in sample.items:
        missing = item.position in (7, 23)
        sampling.record_result(
            session,
            engagement,
            item,
            evaluator,
            now,
            result="not_found" if missing else "verified",
            note="村委会核实无此户，系重复登记" if missing else None,
        )
    materials.import_material(
        session,
        store,
        engagement,
        evaluator,
        now,
        kind="declared_list",
        stream=_road_sections(),
        filename="改造路段清单.xlsx",
        max_bytes=10 * 2**20,
        name="改造路段清单",
        key_column="路段名称",
    )
    checks = {c.rule: c for c in service.run_rules(session, engagement, evaluator, now)}
    if photo is not None:
        length = service.record_verified(
            session,
            engagement,
            evaluator,
            now,
            subject="改造公路里程",
            unit="公里",
            declared=Decimal("126.4"),
            declared_source="绩效自评表 实际完成值",
            verified=Decimal("124.8"),
            evidence=photo,
            tolerance_rel=Decimal("0.01"),
            indicator_ref="改造公路里程",
            note="现场测距：两段合计 124.8 公里",
        )
        findings.finding_from_cross_check(session, engagement, length, evaluator, now)
    findings.finding_from_cross_check(session, engagement, checks["execution_rate"], evaluator, now, severity="high")
    for rule, points in (("duplicate_voucher", "1"), ("before_contract", "0.5")):
        finding = findings.finding_from_ledger_flags(session, engagement, rule, evaluator, now)
        # linked to the 扣分法 indicator: shown in the scoring workspace, applied there by the evaluator
        findings.update_finding(
            session,
            engagement,
            finding,
            evaluator,
            now,
            findings.FindingFields.of(
                finding,
                indicator_refs=["资金使用合规性"],
                cause="报销审核环节未核对凭证号和合同签订日期",
                suggested_deduction=Decimal(points),
            ),
        )
    _recommend(session, engagement, evaluator, now)


# A finding without a rectification suggestion is not one a bureau can act on (the report's readiness check).
RECOMMENDATIONS = (
    ("里程", "建议交通运输局组织复测，按实际完成里程调整自评结果和资金结算。"),
    ("执行", "建议加快工程尾款结算支付，按工程进度编报下年度预算。"),
    ("重复", "建议全面清查重复入账凭证，追回多付资金并完善报账审核。"),
    ("合同", "建议严格执行先签合同后付款的规定，对合同签订前付款的责任人予以问责。"),
)


def _recommend(session: Session, engagement: Engagement, evaluator: User, now: datetime) -> None:
    for finding in findings.findings(session, engagement):
        text = next(
            (t for word, t in RECOMMENDATIONS if word in finding.title + finding.description),
            "建议被评价单位对照问题逐项整改，并于 30 日内报送整改情况。",
        )
        findings.update_finding(
            session,
            engagement,
            finding,
            evaluator,
            now,
            findings.FindingFields.of(finding, recommendation=text),
        )
