"""Workbooks in the layouts county units really send (written for the tests, shaped after published forms from
Hunan, Guangdong, Zhejiang, Anhui and Hebei): title and project rows, budget blocks above the indicators,
two- and three-row headers with merged cells, merged 一级/二级 names, notes under the table, 合计 rows, repeated
page headers, column-number rows, English headers, percent-formatted numbers and typed "=100%" formulas."""

from __future__ import annotations

from datetime import date

from openpyxl import Workbook


def _sheet(title: str):
    book = Workbook()
    sheet = book.active
    sheet.title = title
    return book, sheet


def _put(sheet, row: int, values, start: int = 1) -> None:
    for offset, value in enumerate(values):
        if value is not None:
            sheet.cell(row=row, column=start + offset, value=value)


def hunan_target_sheet():
    """湖南 county 项目支出绩效目标申报表: title, project facts, a 项目资金 block above the indicators, a two-row
    header (绩效指标 over 一级/二级/三级, 指标值 merged down), 一级/二级 merged down, notes and signatures below.
    Targets as typed: ≥95%, "=100%" (a formula), 不低于3.5公里, "≤ 30天", a 1 formatted as 100%, 95%以上…"""
    book, sheet = _sheet("目标表")
    _put(sheet, 1, ["2025年度项目支出绩效目标申报表"])
    sheet.merge_cells("A1:F1")
    _put(sheet, 2, ["填报单位（盖章）：青石县交通运输局", None, None, None, "单位：万元"])
    _put(sheet, 3, ["项目名称", "农村公路提质改造", None, "主管部门", "青石县交通运输局"])
    _put(sheet, 4, ["项目资金", "年度资金总额", None, 3860])
    _put(sheet, 5, [None, "其中：财政拨款", None, 3500])
    _put(sheet, 6, [None, "其他资金", None, 360])
    sheet.merge_cells("A4:A6")
    _put(sheet, 7, ["年度总体目标", "完成农村公路提质改造126公里，群众出行条件明显改善"])
    sheet.merge_cells("B7:F7")
    _put(sheet, 8, ["绩效指标", None, None, "指标值", "度量单位", "分值"])
    _put(sheet, 9, ["一级指标", "二级指标", "三级指标"])
    sheet.merge_cells("A8:C8")
    for column in "DEF":
        sheet.merge_cells(f"{column}8:{column}9")
    rows = [
        ("产出指标", "数量指标", "提质改造公路里程", "不低于3.5公里", "", 10),
        (None, None, "新建错车道", "≥ 50个", "", 5),
        (None, "质量指标", "交工验收合格率", "=100%", "", 10),
        (None, None, "路面平整度达标率", 1, "", 5),  # 1 shown as 100%
        (None, "时效指标", "项目完工时限", "≤ 30天", "", 10),
        (None, "成本指标", "每公里改造成本", "不超过90万元", "", 10),
        ("效益指标", "社会效益指标", "沿线受益群众", "不少于1,200户", "", 10),
        (None, None, "群众出行时间缩短", "＞15分钟", "", 10),
        (None, "生态效益指标", "施工扬尘投诉率", "＜5%", "", 5),
        (None, "可持续影响指标", "管护机制", "建立长效管护机制", "", 5),
        ("满意度指标", "服务对象满意度指标", "沿线群众满意度", "95%以上", "", 10),
        (None, None, "通行安全事故率", "不高于2‰", "", 10),
    ]
    for offset, row in enumerate(rows):
        _put(sheet, 10 + offset, row)
    sheet["D13"].number_format = "0%"
    sheet.merge_cells("A10:A15")
    sheet.merge_cells("B10:B11")
    sheet.merge_cells("B12:B13")
    sheet.merge_cells("A16:A19")
    sheet.merge_cells("B16:B17")
    sheet.merge_cells("A20:A21")
    sheet.merge_cells("B20:B21")
    _put(sheet, 23, ["注：1.指标值应当细化、量化；2.定性指标用文字描述。"])
    sheet.merge_cells("A23:F23")
    _put(sheet, 24, ["填报人：李明", None, "联系电话：0731-12345678", None, "填报日期：2025年1月10日"])
    return book


HUNAN_TARGETS = {  # 三级指标: (operator, value, unit, original text)
    "提质改造公路里程": ("≥", "3.5", "公里", "不低于3.5公里"),
    "新建错车道": ("≥", "50", "个", "≥ 50个"),
    "交工验收合格率": ("=", "100", "%", "=100%"),
    "路面平整度达标率": ("=", "100", "%", "100%"),
    "项目完工时限": ("≤", "30", "天", "≤ 30天"),
    "每公里改造成本": ("≤", "90", "万元", "不超过90万元"),
    "沿线受益群众": ("≥", "1200", "户", "不少于1,200户"),
    "群众出行时间缩短": (">", "15", "分钟", "＞15分钟"),
    "施工扬尘投诉率": ("<", "5", "%", "＜5%"),
    "管护机制": (None, None, "", "建立长效管护机制"),
    "沿线群众满意度": ("≥", "95", "%", "95%以上"),
    "通行安全事故率": ("≤", "2", "‰", "不高于2‰"),
}


def guangdong_target_sheet():
    """广东 预算管理一体化 export: operator, value and unit in separate columns (指标性质 / 指标值 / 度量单位),
    权重 instead of 分值, 一级 and 二级 merged down, a 评(扣)分标准 column the import ignores, no title."""
    book, sheet = _sheet("绩效指标")
    _put(
        sheet, 1, ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重（%）", "评（扣）分标准"]
    )
    rows = [
        ("产出指标", "数量指标", "培训基层人员", "≥", 300, "人次", 20, "按完成比例计分"),
        (None, None, "发放宣传资料", "≥", 5000, "份", 10, "按完成比例计分"),
        (None, "质量指标", "培训合格率", "≥", 90, "%", 20, ""),
        (None, "时效指标", "资金支付及时率", "=", 100, "%", 10, ""),
        ("效益指标", "社会效益指标", "群众健康知识知晓率", "≥", 85, "%", 20, ""),
        ("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥", 90, "%", 20, ""),
    ]
    for offset, row in enumerate(rows):
        _put(sheet, 2 + offset, row)
    sheet.merge_cells("A2:A5")
    sheet.merge_cells("B2:B3")
    return book


GUANGDONG_TARGETS = {
    "培训基层人员": ("≥", "300", "人次", "300"),
    "发放宣传资料": ("≥", "5000", "份", "5000"),
    "培训合格率": ("≥", "90", "%", "90"),
    "资金支付及时率": ("=", "100", "%", "100"),
    "群众健康知识知晓率": ("≥", "85", "%", "85"),
    "参训人员满意度": ("≥", "90", "%", "90"),
}


def zhejiang_self_assessment():
    """浙江 county 自评表: 项目资金（万元） merged down column A with the budget lines named in column B, 执行率
    formatted as percent, the indicator header over two rows (绩效指标 merged across), 年度指标值 mixing text and
    percent-formatted numbers, a 总分 row and signatures."""
    book, sheet = _sheet("自评表")
    _put(sheet, 1, ["项目支出绩效自评表"])
    sheet.merge_cells("A1:I1")
    _put(sheet, 2, ["（2025年度）"])
    _put(sheet, 3, ["项目名称", "城乡供水一体化工程", None, None, "实施单位", "青田县水利局"])
    _put(sheet, 4, ["项目资金（万元）", None, "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"])
    _put(sheet, 5, [None, "年度资金总额", 1200, 1180, 1062, 10, 0.9, 9])
    _put(sheet, 6, [None, "其中：当年财政拨款", 1000, 980, 900, None, 0.918, None])
    _put(sheet, 7, [None, "上年结转资金", 200, 200, 162, None, 0.81, None])
    _put(sheet, 8, [None, "其他资金", 0, 0, 0, None, None, None])
    sheet.merge_cells("A4:A8")
    for cell in ("G5", "G6", "G7"):
        sheet[cell].number_format = "0.0%"
    _put(sheet, 9, ["年度总体目标", "预期目标", None, None, "实际完成情况"])
    _put(sheet, 10, [None, "新建供水管网45公里，受益人口2.3万人", None, None, "新建管网46.2公里，受益2.35万人"])
    _put(sheet, 11, ["绩效指标", None, None, None, None, None, None, None, None])
    _put(
        sheet,
        12,
        ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"],
    )
    sheet.merge_cells("A11:H11")
    rows = [
        ("产出指标", "数量指标", "新建供水管网长度", "≥45公里", "46.2公里", 15, 15, None),
        (None, None, "受益人口", "≥2.3万人", "2.35万人", 10, 10, None),
        (None, "质量指标", "水质达标率", 1, 1, 10, 10, None),
        (None, "时效指标", "完工及时率", "≥95%", "92%", 10, 9, "雨季影响工期"),
        (None, "成本指标", "管网单位造价", "≤26万元/公里", "25.8万元/公里", 5, 5, None),
        ("效益指标", "社会效益指标", "自来水普及率", "≥98%", "98.6%", 15, 15, None),
        (None, "可持续影响指标", "长效运维机制", "建立", "已建立", 15, 14, "运维经费尚未完全落实"),
        ("满意度指标", "服务对象满意度指标", "受益群众满意度", "≥90%", "94%", 10, 10, None),
    ]
    for offset, row in enumerate(rows):
        _put(sheet, 13 + offset, row)
    sheet["D15"].number_format = sheet["E15"].number_format = "0%"
    sheet.merge_cells("A13:A17")
    sheet.merge_cells("B13:B14")
    sheet.merge_cells("A18:A19")
    _put(sheet, 21, ["总分", None, None, None, None, 100, 97])
    _put(sheet, 22, ["项目负责人：王芳", None, None, "财务负责人：陈立", None, "填报日期：2026年1月15日"])
    return book


ZHEJIANG_TARGETS = {
    "新建供水管网长度": ("≥", "45", "公里", "≥45公里"),
    "受益人口": ("≥", "2.3", "万人", "≥2.3万人"),
    "水质达标率": ("=", "100", "%", "100%"),
    "完工及时率": ("≥", "95", "%", "≥95%"),
    "管网单位造价": ("≤", "26", "万元/公里", "≤26万元/公里"),
    "自来水普及率": ("≥", "98", "%", "≥98%"),
    "长效运维机制": (None, None, "", "建立"),
    "受益群众满意度": ("≥", "90", "%", "≥90%"),
}


def english_self_assessment():
    """A self-assessment exported by a vendor system with English headers (and amounts in yuan)."""
    book, sheet = _sheet("Self assessment")
    _put(sheet, 1, ["Item", "Initial budget", "Annual budget", "Executed", "Weight", "Execution rate", "Score"])
    _put(sheet, 2, ["Total funds", 500000, 500000, 480000, 10, "96%", 9.6])
    _put(sheet, 4, ["Level 1", "Level 2", "Indicator", "Target", "Actual", "Weight", "Score", "Remarks"])
    _put(sheet, 5, ["产出指标", "数量指标", "培训场次", ">=12 场", "12场", 30, 30, None])
    _put(sheet, 6, [None, "质量指标", "考核通过率", "≥ 90 %", "93%", 30, 30, None])
    _put(sheet, 7, ["效益指标", "社会效益指标", "就业率", "不低于80%", "76%", 20, 16, "Job market weaker than planned"])
    _put(sheet, 8, ["满意度指标", "服务对象满意度指标", "学员满意度", "≧90%", "95%", 10, 10, None])
    return book


ENGLISH_TARGETS = {
    "培训场次": ("≥", "12", "场", ">=12 场"),
    "考核通过率": ("≥", "90", "%", "≥ 90 %"),
    "就业率": ("≥", "80", "%", "不低于80%"),
    "学员满意度": ("≥", "90", "%", "≧90%"),
}


def hebei_ledger_with_totals():
    """河北 county fund ledger: title, 单位：元, a header over two rows (金额 merged over nothing, dates typed
    as text), a column-number row, the header repeated after a page break, 小计/合计 rows and notes."""
    book, sheet = _sheet("专项资金台账")
    _put(sheet, 1, ["2025年度乡村振兴衔接资金使用台账"])
    sheet.merge_cells("A1:H1")
    _put(sheet, 2, ["编制单位：青山县农业农村局", None, None, None, None, None, "单位：元"])
    header = ["序号", "日期", "凭证号", "资金类型", "摘要", "收款单位", "金额", "合同签订日期"]
    _put(sheet, 3, header)
    _put(sheet, 4, ["甲", "乙", "丙", "丁", "1", "2", "3", "4"])
    rows = [
        (1, "2025-01-15", "记-001", "资金到位", "省级衔接资金下达", "青山县财政局", 5_000_000, None),
        (2, "2025/02/20", "记-008", "拨付", "拨付东岭镇产业项目资金", "东岭镇人民政府", 1_200_000, None),
        (3, date(2025, 3, 18), "记-015", "支出", "冷库建设进度款", "青山建工有限公司", 856_300.5, date(2025, 2, 28)),
        ("小计", None, None, None, None, None, 7_056_300.5, None),
    ]
    rows2 = [
        (4, "2025年6月5日", "记-044", "支出", "农产品加工设备采购", "青山农机公司", 432_000, "2025-05-20"),
        (5, "20250912", "记-071", "支出", "技术培训费", "青山县农广校", 36_800, None),
    ]
    for offset, row in enumerate(rows):
        _put(sheet, 5 + offset, row)
    _put(sheet, 9, header)  # printed again at the top of page 2
    for offset, row in enumerate(rows2):
        _put(sheet, 10 + offset, row)
    _put(sheet, 12, ["合计", None, None, None, None, None, 7_525_100.5, None])
    _put(sheet, 14, ["说明：本台账按收付实现制登记。"])
    _put(sheet, 15, ["制表人：赵强", None, None, "审核人：孙丽"])
    return book


def guangxi_cash_journal():
    """A 明细账 printed from the accounting system: 收入/支出 in separate columns under a merged 金额（元）,
    期初余额, 本月合计 and 本年累计 lines, a 余额 column, and no 类型 column at all."""
    book, sheet = _sheet("明细账")
    _put(sheet, 1, ["项目资金明细账"])
    _put(sheet, 2, ["日期", "凭证字号", "摘要", "金额（元）", None, "余额"])
    _put(sheet, 3, [None, None, None, "收入", "支出"])
    sheet.merge_cells("D2:E2")
    for column in "ABCF":
        sheet.merge_cells(f"{column}2:{column}3")
    _put(sheet, 4, [None, None, "期初余额", None, None, 0])
    _put(sheet, 5, [date(2025, 1, 8), "银收-01", "收到县财政拨入项目资金", 2_000_000, None, 2_000_000])
    _put(sheet, 6, [date(2025, 1, 20), "银付-03", "支付设计费", None, 120_000, 1_880_000])
    _put(sheet, 7, [None, None, "本月合计", 2_000_000, 120_000, 1_880_000])
    _put(sheet, 8, [date(2025, 2, 11), "银付-09", "支付施工进度款", None, "650,000.00", 1_230_000])
    _put(sheet, 9, [None, None, "本年累计", 2_000_000, 770_000, 1_230_000])
    return book


def anhui_beneficiary_list():
    """安徽 county 受益对象清单: a title, a two-row header (户主信息 merged over 姓名/身份证号), a 合计 row."""
    book, sheet = _sheet("受益户清单")
    _put(sheet, 1, ["2025年度到户产业奖补受益户花名册"])
    _put(sheet, 2, ["序号", "乡镇", "户主信息", None, "奖补金额（元）"])
    _put(sheet, 3, [None, None, "姓名", "身份证号"])
    sheet.merge_cells("C2:D2")
    for column in "ABE":
        sheet.merge_cells(f"{column}2:{column}3")
    for n in range(1, 6):
        _put(sheet, 3 + n, [n, "东岭镇" if n % 2 else "西河乡", f"户主{n}", f"34012219800101{n:04d}", 3000])
    _put(sheet, 9, ["合计", None, None, None, 15000])
    _put(sheet, 10, ["注：身份证号已核对公安系统。"])
    return book


def ambiguous_ledger():
    """A ledger whose headers no synonym fits (单据 / 发生数 / 款项): the evaluator maps them by hand."""
    book, sheet = _sheet("台账")
    _put(sheet, 1, ["记录日期", "单据", "款项", "发生数", "对象"])
    _put(sheet, 2, [date(2025, 4, 1), "付-12", "支出", 88_000, "青山建工有限公司"])
    _put(sheet, 3, [date(2025, 4, 9), "收-02", "到位", 300_000, "青山县财政局"])
    return book


def sichuan_self_assessment():
    """四川 county 自评表 typed by hand: headers with line breaks and units inside (年度\\n指标值, 全年预算数\\n（万元）),
    分值 written "10分", amounts with ¥, a 满意度 line whose 二级 and 三级 cells are merged across, blank rows
    between blocks, and a 备注 column the import does not need."""
    book, sheet = _sheet("Sheet1")
    _put(sheet, 1, ["（2025年度）项目支出绩效自评表"])
    _put(
        sheet,
        3,
        ["资金情况", "年初预算数\n（万元）", "全年预算数\n（万元）", "全年执行数\n（万元）", "分值", "执行率", "得分"],
    )
    _put(sheet, 4, ["年度资金总额", "¥560.00", "¥560.00", "¥504.00", "10分", "90%", "9分"])
    _put(
        sheet,
        6,
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度\n指标值",
            "实际\n完成值",
            "分值",
            "得分",
            "偏差原因分析\n及改进措施",
            "备注",
        ],
    )
    _put(sheet, 7, ["产出指标", "数量指标", "改造危房户数", "≥ 120 户", "126户", "20分", "20分"])
    _put(sheet, 8, [None, "时效指标", "竣工验收时间", "2025年11月底前", "2025年11月20日", "10分", "10分"])
    _put(sheet, 9, [None, "成本指标", "户均补助标准", "≤3.5万元/户", "3.4万元/户", "10分", "10分"])
    _put(sheet, 11, ["效益指标", "社会效益指标", "群众住房安全保障率", "100%", "100%", "30分", "30分"])
    _put(sheet, 12, ["满意度指标", "受益群众满意度", None, "≥95%", "97%", "10分", "10分"])
    sheet.merge_cells("A7:A9")
    sheet.merge_cells("B12:C12")
    return book


SICHUAN_TARGETS = {
    "改造危房户数": ("≥", "120", "户", "≥ 120 户"),
    "竣工验收时间": (None, None, None, "2025年11月底前"),  # a date, not a number: kept as text and flagged
    "户均补助标准": ("≤", "3.5", "万元/户", "≤3.5万元/户"),
    "群众住房安全保障率": ("=", "100", "%", "100%"),
    "受益群众满意度": ("≥", "95", "%", "≥95%"),
}


def indicators_only_self_assessment():
    """A 自评表 whose funds are reported on another form: a cover sheet first, then only the indicator table,
    with 实际完成值 headed 完成情况 and 目标值 for the target."""
    book, cover = _sheet("封面")
    _put(cover, 2, ["2025年度部门项目支出绩效自评报告"])
    _put(cover, 4, ["填报单位：某县民政局"])
    sheet = book.create_sheet("指标")
    _put(sheet, 1, ["一级指标", "二级指标", "三级指标", "目标值", "完成情况", "分值", "得分"])
    _put(sheet, 2, ["产出指标", "数量指标", "发放高龄津贴人数", "≥3,200人", "3,260人", 40, 40])
    _put(sheet, 3, ["效益指标", "社会效益指标", "津贴按月足额发放率", "100%", "100%", 40, 40])
    _put(sheet, 4, ["满意度指标", "服务对象满意度指标", "老年人满意度", "≥90%", "95%", 20, 20])
    return book


def handkept_journal_by_month_and_day():
    """A 手工账 kept in a paper-style 明细账 template: 2025年 merged over 月 and 日, 凭证 种类/号数 under a merged
    凭证, 借方/贷方 the evaluator must assign (which is money in depends on the account), 承前页 and 过次页."""
    book, sheet = _sheet("明细账")
    _put(sheet, 1, ["专项资金明细账（科目：项目支出）"])
    _put(sheet, 2, ["2025年", None, "凭证号", "摘要", "借方", "贷方", "余额"])
    _put(sheet, 3, ["月", "日"])
    sheet.merge_cells("A2:B2")
    for column in "CDEFG":
        sheet.merge_cells(f"{column}2:{column}3")
    _put(sheet, 4, [None, None, None, "承前页", 0, 0, 0])
    _put(sheet, 5, [3, 12, "记-07", "付道路硬化工程款", 380_000, None, 380_000])
    _put(sheet, 6, [4, 2, "记-15", "付监理费", 12_500, None, 392_500])
    _put(sheet, 7, [4, 30, "记-22", "收回多付工程款", None, 5_000, 387_500])
    _put(sheet, 8, [None, None, None, "过次页", 392_500, 5_000, 387_500])
    return book


def jiangxi_target_sheet_with_section_rows():
    """江西 county 目标表 where each 一级指标 is a heading row merged across the table (一、产出指标), the 二级 column
    holds 数量/质量 and the rows are numbered; the budget line above has no header at all."""
    book, sheet = _sheet("绩效目标")
    _put(sheet, 1, ["项目绩效目标表"])
    sheet.merge_cells("A1:E1")
    _put(sheet, 2, ["项目资金总额：120万元"])
    _put(sheet, 3, ["序号", "二级指标", "三级指标", "指标值", "分值"])
    _put(sheet, 4, ["一、产出指标"])
    sheet.merge_cells("A4:E4")
    _put(sheet, 5, [1, "数量指标", "新增养老床位", "≥60张", 30])
    _put(sheet, 6, [2, "质量指标", "消防验收合格率", "达到100%", 20])
    _put(sheet, 7, ["二、效益指标"])
    sheet.merge_cells("A7:E7")
    _put(sheet, 8, [3, "社会效益指标", "入住率", "≥ 80 %", 30])
    _put(sheet, 9, ["三、满意度指标"])
    sheet.merge_cells("A9:E9")
    _put(sheet, 10, [4, "服务对象满意度指标", "入住老人满意度", "≥90%", 20])
    return book


JIANGXI_TARGETS = {
    "新增养老床位": ("≥", "60", "张", "≥60张"),
    "消防验收合格率": ("≥", "100", "%", "达到100%"),
    "入住率": ("≥", "80", "%", "≥ 80 %"),
    "入住老人满意度": ("≥", "90", "%", "≥90%"),
}
