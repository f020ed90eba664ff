"""Realistic unit workbooks built with openpyxl: a 绩效自评表, a fund ledger and a beneficiary list."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

# (date, voucher, kind, purpose, payee, amount, contract date) — amounts in 元.
LEDGER_ROWS = [
    (date(2025, 1, 20), "记-001", "资金到位", "市级财政下达第一批资金", "江州市财政局", 20_000_000, None),
    (date(2025, 3, 5), "记-014", "拨付", "拨付青石镇工程款", "青石镇人民政府", 6_400_000, None),
    (
        date(2025, 4, 2),
        "记-021",
        "支出",
        "柳湾村段路面工程进度款",
        "江州路桥建设有限公司",
        3_215_478.36,
        date(2025, 3, 18),
    ),
    (
        date(2025, 5, 16),
        "记-035",
        "支出",
        "白沙乡环线监理费",
        "江州工程监理咨询有限公司",
        186_420.50,
        date(2025, 3, 20),
    ),
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
    (date(2025, 9, 12), "记-081", "支出", "检测费", "江州公路检测中心", 96_350.00, date(2025, 8, 1)),
    (
        date(2025, 11, 28),
        "记-102",
        "支出",
        "青石镇段竣工结算款",
        "江州路桥建设有限公司",
        12_557_003.27,
        date(2025, 3, 18),
    ),
]


def ledger_workbook(rows=LEDGER_ROWS, *, title="2025年农村公路提档升级项目资金台账"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "资金台账"
    sheet["A1"] = title
    sheet.merge_cells("A1:H1")
    sheet["A2"] = "单位：元"
    sheet.append(["序号", "记账日期", "凭证字号", "业务类型", "摘要", "收款单位", "金额（元）", "合同签订日期"])
    for number, (day, voucher, kind, purpose, payee, amount, contract) in enumerate(rows, start=1):
        sheet.append([number, day, voucher, kind, purpose, payee, amount, contract])
    return workbook


def ledger_with_text_formats():
    """The same ledger as a unit really types it: dates as text, separators, full-width digits."""
    workbook = ledger_workbook()
    sheet = workbook.active
    sheet["B5"] = "2025/03/05"  # row 2 of the data
    sheet["B6"] = "2025年4月2日"
    sheet["G6"] = "3,215,478.36"
    sheet["G7"] = "１８６４２０.５０"  # full-width digits
    sheet["C8"] = "记－０５２"  # full-width dash and digits in the voucher
    return workbook


def ledger_with_five_defects():
    workbook = ledger_workbook()
    sheet = workbook.active
    sheet["G5"] = "64万零"  # row 5: not a number
    sheet["B6"] = "2025-02-30"  # row 6: no such day
    sheet["G7"] = "=G6*0.05"  # row 7: formula without a cached value
    sheet["C9"] = None  # row 9: voucher missing
    sheet["D10"] = "借款"  # row 10: not a ledger kind
    return workbook


def self_assessment_workbook(*, executed="3,512.60", rate=0.91, actual_length="１２６.４公里"):
    """项目支出绩效自评表 (财预〔2020〕10号 附件1 layout), amounts in 万元."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "绩效自评表"
    sheet["A1"] = "项目支出绩效自评表"
    sheet.merge_cells("A1:I1")
    sheet["A2"] = "（2025年度）"
    sheet.append(["项目名称", "农村公路提档升级项目"])
    sheet.append(["主管部门", "江州市交通运输局", None, None, "实施单位", "江州市交通运输局"])
    sheet.append(["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    sheet.merge_cells("A5:B5")
    sheet.append(["年度资金总额", None, 3860, 3860, executed, 10, rate, 9.1])
    sheet.append(["其中：当年财政拨款", None, 3860, 3860, executed, None, rate, None])
    sheet.append(["上年结转资金", None, 0, 0, 0, None, None, None])
    sheet.append(["其他资金", None, 0, 0, 0, None, None, None])
    for r in range(6, 10):
        sheet.merge_cells(f"A{r}:B{r}")
    sheet.append(["年度总体目标", "预期目标", None, None, "实际完成情况"])
    sheet.append([None, "改造提升农村公路126公里", None, None, "完成改造126.4公里"])
    sheet.append(
        [
            "绩效指标",
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
        ]
    )
    sheet.append([None] * 9)  # the two-row header's empty lower half
    for top in "BCDEFGHI":
        sheet.merge_cells(f"{top}12:{top}13")
    indicators = [
        ("产出指标", "数量指标", "改造公路里程", "≥126公里", actual_length, 10, 10, None),
        (None, None, "覆盖行政村数", "48个", "48个", 10, 10, None),
        (None, "质量指标", "工程验收合格率", "100%", "100%", 10, 10, None),
        (None, "时效指标", "按期完工率", "≥95%", "92%", 10, 8, "部分路段雨季停工，已调整工期"),
        ("效益指标", "社会效益指标", "群众出行时间缩短", "≥15分钟", "18分钟", 20, 20, None),
        (None, "可持续影响指标", "管护机制建立", "建立", "已建立", 10, 9, "管护经费未全部落实"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "96%", 10, 10, None),
    ]
    for row in indicators:
        sheet.append([None, *row])
    sheet.merge_cells("B14:B17")
    sheet.merge_cells("C14:C15")
    sheet.merge_cells("B18:B19")
    sheet.append([None, "总分", None, None, None, None, 100, 86.1])
    return workbook


def beneficiary_workbook(rows=None):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "受益农户清单"
    sheet.append(["序号", "乡镇", "行政村", "户主姓名", "身份证号", "补助金额（元）"])
    rows = rows or [
        (i, "青石镇" if i % 3 else "白沙乡", f"村{i % 7}", f"农户{i}", f"3601{i:014d}", 1200) for i in range(1, 201)
    ]
    for row in rows:
        sheet.append(list(row))
    return workbook


def xlsx(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
