"""Legacy .xls workbooks (Excel 97–2003), as many county finance systems still export them, written with xlwt:
a 绩效自评表 with merged headers and merged 一级/二级指标, and a fund ledger with a 合计 row."""

from __future__ import annotations

import io
from datetime import date

import xlwt


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def self_assessment_xls() -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("自评表")
    sheet.write_merge(0, 0, 0, 7, "项目支出绩效自评表（2025年度）")
    sheet.write(1, 0, "项目名称")
    sheet.write_merge(1, 1, 1, 7, "乡镇卫生院设备购置")
    sheet.write_merge(2, 2, 0, 1, "项目资金（万元）")
    for c, text in enumerate(["年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"], start=2):
        sheet.write(2, c, text)
    for r, (name, a, b, e, w, rate, p) in enumerate(
        [("年度资金总额", 800, 760, 722, 10, "95%", 9.5), ("其中：财政拨款", 800, 760, 722, None, "95%", None)], start=3
    ):
        sheet.write_merge(r, r, 0, 1, name)
        for c, value in enumerate([a, b, e, w, rate, p], start=2):
            if value is not None:
                sheet.write(r, c, value)
    sheet.write_merge(5, 5, 0, 7, "年度总体目标：为12家乡镇卫生院配备DR设备")
    headers = ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    for c, text in enumerate(headers):
        sheet.write(6, c, text)
    rows = [
        ("产出指标", "数量指标", "配备DR设备的卫生院", "12家", "12家", 25, 25, ""),
        (None, "质量指标", "设备验收合格率", "＝100%", "100%", 25, 25, ""),
        ("效益指标", "社会效益指标", "基层影像检查人次", "不少于3000人次", "3240人次", 30, 30, ""),
        ("满意度指标", "服务对象满意度指标", "患者满意度", "90%以上", "93%", 10, 10, ""),
    ]
    sheet.write_merge(7, 8, 0, 0, "产出指标")
    for r, row in enumerate(rows, start=7):
        for c, value in enumerate(row):
            if value not in (None, "") and not (c == 0 and r in (7, 8)):
                sheet.write(r, c, value)
    sheet.write(11, 0, "总分")
    sheet.write(11, 5, 100)
    return _save(book)


XLS_TARGETS = {
    "配备DR设备的卫生院": ("=", "12", "家", "12家"),
    "设备验收合格率": ("=", "100", "%", "＝100%"),
    "基层影像检查人次": ("≥", "3000", "人次", "不少于3000人次"),
    "患者满意度": ("≥", "90", "%", "90%以上"),
}


def ledger_xls() -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("台账")
    date_style = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    sheet.write_merge(0, 0, 0, 5, "卫生院设备购置资金台账")
    for c, text in enumerate(["日期", "凭证号", "类型", "摘要", "收款单位", "金额（元）"]):
        sheet.write(1, c, text)
    rows = [
        (date(2025, 2, 1), "记-03", "到位", "县级资金下达", "县财政局", 7_600_000),
        (date(2025, 5, 9), "记-21", "支出", "DR设备采购款", "某医疗器械公司", 7_220_000),
    ]
    for r, row in enumerate(rows, start=2):
        sheet.write(r, 0, row[0], date_style)
        for c, value in enumerate(row[1:], start=1):
            sheet.write(r, c, value)
    sheet.write(4, 0, "合计")
    sheet.write(4, 5, 14_820_000)
    return _save(book)
