"""Sixteen XLSForms written the way KoboToolbox and ODK users write them (shared by the corpus test).

Each form: `survey`, `choices`, `settings` as rows (first row the header), plus `pyxform_valid`: whether the
form as written converts with pyxform (a few are deliberately broken in ways real uploads are).
"""
from __future__ import annotations

import io

from openpyxl import Workbook

SAT5_ZH = [("sat5", "5", "非常满意"), ("sat5", "4", "满意"), ("sat5", "3", "一般"), ("sat5", "2", "不满意"),
           ("sat5", "1", "非常不满意"), ("sat5", "99", "不了解")]


def to_xlsx(form: dict) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title in ("survey", "choices", "settings"):
        rows = form.get(title)
        if not rows:
            continue
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


KOBO_ROADS = {  # Kobo's own export: $kuid/$autoname columns, metadata, cascading selects, two languages
    "survey": [
        ("type", "name", "label::Chinese (zh)", "label::English (en)", "hint::Chinese (zh)", "hint::English (en)",
         "required", "relevant", "constraint", "constraint_message::Chinese (zh)", "constraint_message::English (en)",
         "choice_filter", "appearance", "calculation", "$kuid", "$autoname"),
        ("start", "start", "", "", "", "", "", "", "", "", "", "", "", "", "k1", "start"),
        ("end", "end", "", "", "", "", "", "", "", "", "", "", "", "", "k2", "end"),
        ("deviceid", "deviceid", "", "", "", "", "", "", "", "", "", "", "", "", "k3", "deviceid"),
        ("begin_group", "location", "受访地点", "Location", "", "", "", "", "", "", "", "", "field-list", "", "k4", "location"),
        ("select_one district", "district", "所在乡镇", "Township", "", "", "true", "", "", "", "", "", "minimal", "", "k5", "district"),
        ("select_one village", "village", "所在村", "Village", "", "", "true", "", "", "", "", "district=${district}", "minimal", "", "k6", "village"),
        ("end_group", "", "", "", "", "", "", "", "", "", "", "", "", "", "k7", ""),
        ("begin_group", "household", "家庭情况", "Household", "", "", "", "", "", "", "", "", "field-list", "", "k8", "household"),
        ("integer", "hh_size", "家庭常住人口", "People in household", "单位：人", "persons", "true", "", ". > 0 and . < 30",
         "请填写1到29之间的人数", "Enter 1 to 29", "", "", "", "k9", "hh_size"),
        ("integer", "hh_adults", "其中18岁以上人数", "Adults (18+)", "", "", "true", "", ". <= ${hh_size}",
         "不能超过家庭人口", "Cannot exceed household size", "", "", "", "k10", "hh_adults"),
        ("calculate", "hh_children", "", "", "", "", "", "", "", "", "", "", "", "${hh_size} - ${hh_adults}", "k11", "hh_children"),
        ("note", "children_note", "您家有 ${hh_children} 名未成年人。", "You have ${hh_children} children.", "", "", "", "${hh_children} > 0", "", "", "", "", "", "", "k12", "children_note"),
        ("end_group", "", "", "", "", "", "", "", "", "", "", "", "", "", "k13", ""),
        ("begin_group", "road_use", "道路使用", "Road use", "", "", "", "", "", "", "", "", "field-list", "", "k14", "road_use"),
        ("select_one yes_no", "uses_road", "您是否经常使用新修道路？", "Do you use the new road?", "", "", "true", "", "", "", "", "", "horizontal", "", "k15", "uses_road"),
        ("select_one sat5", "road_sat", "您对道路质量的满意程度", "Satisfaction with the road", "", "", "true", "${uses_road} = 'yes'", "", "", "", "", "likert", "", "k16", "road_sat"),
        ("text", "why_not", "为什么不使用？", "Why not?", "", "", "", "${uses_road} = 'no'", "", "", "", "", "multiline", "", "k17", "why_not"),
        ("end_group", "", "", "", "", "", "", "", "", "", "", "", "", "", "k18", ""),
        ("calculate", "__version__", "", "", "", "", "", "", "", "", "", "", "", "'vDP8rY2'", "k19", "__version__"),
    ],
    "choices": [
        ("list_name", "name", "label::Chinese (zh)", "label::English (en)", "district", "$kuid"),
        ("district", "qs", "青石镇", "Qingshi", "", "c1"), ("district", "bs", "白沙乡", "Baisha", "", "c2"),
        ("village", "lw", "柳湾村", "Liuwan", "qs", "c3"), ("village", "dp", "大坪村", "Daping", "qs", "c4"),
        ("village", "hs", "黄沙村", "Huangsha", "bs", "c5"),
        ("yes_no", "yes", "是", "Yes", "", "c6"), ("yes_no", "no", "否", "No", "", "c7"),
        *[(l, n, zh, en, "", f"s{n}") for (l, n, zh), en in zip(SAT5_ZH, ["Very satisfied", "Satisfied", "Neutral", "Dissatisfied", "Very dissatisfied", "Don't know"])],
    ],
    "settings": [("form_title", "form_id", "version", "default_language"),
                 ("农村公路入户调查", "rural_roads_2025", "2025061201", "Chinese (zh)")],
    "pyxform_valid": True,
}

THREE_LANGUAGES = {  # an ODK form in Chinese, English and French, English by default
    "survey": [
        ("type", "name", "label::中文 (zh)", "label::English (en)", "label::Français (fr)", "hint::中文 (zh)",
         "hint::English (en)", "hint::Français (fr)", "required", "required_message::中文 (zh)",
         "required_message::English (en)", "required_message::Français (fr)", "relevant"),
        ("begin group", "intro", "说明", "Introduction", "Introduction", "", "", "", "", "", "", "", ""),
        ("note", "welcome", "欢迎参加本次调查", "Welcome to this survey", "Bienvenue", "", "", "", "", "", "", "", ""),
        ("select_one yn", "consent", "您是否同意参加？", "Do you agree to take part?", "Acceptez-vous ?", "请选择", "Choose one", "Choisissez",
         "yes", "请先回答是否同意", "Please answer", "Veuillez répondre", ""),
        ("end group", "", "", "", "", "", "", "", "", "", "", "", ""),
        ("begin group", "main", "主要问题", "Main questions", "Questions principales", "", "", "", "", "", "", "", "${consent} = 'yes'"),
        ("select_multiple services", "services", "您使用过哪些服务？", "Which services have you used?", "Quels services ?", "可多选", "Select all", "Plusieurs choix",
         "yes", "", "", "", ""),
        ("decimal", "spend", "每月花费（元）", "Monthly spending (yuan)", "Dépense mensuelle", "", "", "", "", "", "", "", "count-selected(${services}) > 0"),
        ("end group", "", "", "", "", "", "", "", "", "", "", "", ""),
    ],
    "choices": [
        ("list_name", "name", "label::中文 (zh)", "label::English (en)", "label::Français (fr)"),
        ("yn", "yes", "同意", "Yes", "Oui"), ("yn", "no", "不同意", "No", "Non"),
        ("services", "clinic", "村卫生室", "Village clinic", "Dispensaire"),
        ("services", "bus", "公交", "Bus", "Bus"), ("services", "library", "农家书屋", "Library", "Bibliothèque"),
    ],
    "settings": [("form_title", "form_id", "version", "default_language"),
                 ("公共服务使用调查", "public_services", "3", "English (en)")],
    "pyxform_valid": True,
}

CONSENT_WRAPPER = {  # the whole survey inside a consent group that has modules (field-list pages) within it
    "survey": [
        ("type", "name", "label", "required", "relevant", "appearance", "constraint"),
        ("select_one yn", "consent", "您是否愿意接受访问？", "yes", "", "", ""),
        ("begin group", "survey_body", "问卷正文", "", "${consent} = 'yes'", "", ""),
        ("text", "respondent", "受访者姓名（可不填）", "", "", "", ""),
        ("begin group", "module_a", "A 部分：基本信息", "", "", "field-list", ""),
        ("select_one gender", "gender", "性别", "yes", "", "", ""),
        ("integer", "age", "年龄", "yes", "", "", ". >= 18 and . <= 100"),
        ("end group", "", "", "", "", "", ""),
        ("begin group", "module_b", "B 部分：补贴领取", "", "${age} >= 60", "field-list", ""),
        ("select_one yn", "subsidy", "是否领取高龄补贴", "yes", "", "", ""),
        ("begin group", "subsidy_detail", "补贴明细", "", "${subsidy} = 'yes'", "", ""),
        ("decimal", "amount", "每月金额（元）", "yes", "", "", ". > 0"),
        ("date", "since", "开始领取日期", "", "", "", ""),
        ("end group", "", "", "", "", "", ""),
        ("end group", "", "", "", "", "", ""),
        ("text", "remarks", "其他意见", "", "", "multiline", ""),
        ("end group", "", "", "", "", "", ""),
        ("note", "bye", "访问结束，谢谢！", "", "", "", ""),
    ],
    "choices": [("list_name", "name", "label"), ("yn", "yes", "是"), ("yn", "no", "否"),
                ("gender", "1", "男"), ("gender", "2", "女")],
    "settings": [("form_title", "form_id"), ("高龄补贴回访", "elderly_subsidy")],
    "pyxform_valid": True,
}

REPEAT_MEMBERS = {  # a household roster in a repeat, and a count() over it
    "survey": [
        ("type", "name", "label", "required", "repeat_count", "calculation", "relevant"),
        ("integer", "n_members", "家庭成员数", "yes", "", "", ""),
        ("begin repeat", "member", "家庭成员", "", "${n_members}", "", ""),
        ("text", "member_name", "姓名", "yes", "", "", ""),
        ("integer", "member_age", "年龄", "yes", "", "", ""),
        ("select_one yn", "member_school", "是否在校", "", "", "", "${member_age} < 18"),
        ("end repeat", "", "", "", "", "", ""),
        ("calculate", "n_children", "", "", "", "count(${member_school})", ""),
        ("select_one yn", "help", "是否需要帮扶", "yes", "", "", ""),
    ],
    "choices": [("list_name", "name", "label"), ("yn", "1", "是"), ("yn", "0", "否")],
    "settings": [("form_title",), ("家庭成员登记",)],
    "pyxform_valid": True,
}

SATISFACTION_DK = {  # the common Chinese satisfaction questionnaire, with 不了解, in a table-list group
    "survey": [
        ("type", "name", "label", "required", "appearance", "relevant"),
        ("select_one aware", "aware", "您是否了解本项目？", "yes", "", ""),
        ("begin group", "sat", "满意度评价", "", "table-list", "${aware} = '1'"),
        ("select_one sat5", "sat_quality", "工程质量", "yes", "", ""),
        ("select_one sat5", "sat_service", "服务态度", "yes", "", ""),
        ("select_one sat5", "sat_overall", "总体评价", "yes", "", ""),
        ("end group", "", "", "", "", ""),
        ("text", "advice", "您的意见和建议", "", "multiline", ""),
    ],
    "choices": [("list_name", "name", "label"), ("aware", "1", "了解"), ("aware", "2", "不了解"), *SAT5_ZH],
    "settings": [("form_title", "version"), ("人居环境整治满意度调查", "202506")],
    "pyxform_valid": True,
}

ENGLISH_FOUR_POINT = {  # an English four-point scale with "Don't know", plain label column, no settings sheet
    "survey": [
        ("type", "name", "label", "hint", "required"),
        ("select_one sat4", "water_supply", "How satisfied are you with the water supply?", "", "yes"),
        ("select_one sat4", "waste", "How satisfied are you with waste collection?", "", "yes"),
        ("text", "comment", "Any comment?", "Optional", ""),
    ],
    "choices": [("list name", "name", "label"), ("sat4", "vs", "Very satisfied"), ("sat4", "s", "Satisfied"),
                ("sat4", "d", "Dissatisfied"), ("sat4", "vd", "Very dissatisfied"), ("sat4", "dk", "Don't know")],
    "pyxform_valid": True,
}

SCALE_COLUMN = {  # the choices sheet marks its own scale: scores, and 不适用 as no opinion
    "survey": [
        ("type", "name", "label", "required"),
        ("select_one grade", "teaching", "教学质量评价", "yes"),
        ("select_one grade", "canteen", "食堂伙食评价", "yes"),
        ("select_one grade3", "dorm", "宿舍条件评价", "yes"),
    ],
    "choices": [("list_name", "name", "label", "scale"),
                ("grade", "a", "优", "10"), ("grade", "b", "良", "8"), ("grade", "c", "中", "6"), ("grade", "d", "差", "2"),
                ("grade", "na", "不适用", "no_opinion"),
                ("grade3", "g", "好", "none"), ("grade3", "m", "一般", "none"), ("grade3", "p", "不好", "none")],
    "settings": [("form_title",), ("营养改善计划学生评价",)],
    "pyxform_valid": True,
}

CALCULATIONS = {  # calculations reused in later relevance, constraints and labels
    "survey": [
        ("type", "name", "label", "required", "relevant", "constraint", "constraint_message", "calculation"),
        ("decimal", "budget", "年度预算（万元）", "yes", "", ". > 0", "预算必须大于0", ""),
        ("decimal", "spent", "实际支出（万元）", "yes", "", ". >= 0", "", ""),
        ("calculate", "rate", "", "", "", "", "", "round(${spent} div ${budget} * 100, 1)"),
        ("note", "rate_note", "预算执行率为 ${rate}%", "", "", "", "", ""),
        ("text", "low_reason", "执行率低于 90% 的原因", "yes", "${rate} < 90", "", "", ""),
        ("integer", "delay_days", "延误天数", "", "${rate} < 90", ". <= 365", "延误不超过一年", ""),
        ("calculate", "flag", "", "", "", "", "", "if(${rate} > 100, 'over', if(${rate} < 90, 'low', 'ok'))"),
        ("text", "over_reason", "超支原因", "yes", "${flag} = 'over'", "string-length(.) >= 5", "请至少写5个字", ""),
        ("calculate", "stamp", "", "", "", "", "", "format-date(today(), '%Y年%n月%e日')"),
    ],
    "settings": [("form_title", "form_id"), ("项目执行情况自评", "self_eval")],
    "pyxform_valid": True,
}

OR_OTHER = {  # select_multiple with or_other, count-selected constraint, selected() relevance
    "survey": [
        ("type", "name", "label", "required", "relevant", "constraint", "constraint_message"),
        ("select_multiple problems or_other", "problems", "道路存在哪些问题？", "yes", "", "count-selected(.) <= 3", "最多选3项"),
        ("text", "pothole_where", "坑洼位置", "", "selected(${problems}, 'pothole')", "", ""),
        ("select_one yn or_other", "repaired", "是否已修复", "", "", "", ""),
    ],
    "choices": [("list_name", "name", "label"), ("problems", "pothole", "坑洼"), ("problems", "drain", "排水不畅"),
                ("problems", "light", "缺少路灯"), ("problems", "sign", "标志不清"), ("yn", "y", "是"), ("yn", "n", "否")],
    "settings": [("form_title",), ("道路问题反馈",)],
    "pyxform_valid": True,
}

DEFAULTS_READONLY = {  # defaults (literal and today()), read_only, date constraints
    "survey": [
        ("type", "name", "label", "default", "read_only", "constraint", "calculation", "required"),
        ("date", "visit_date", "走访日期", "today()", "", ". <= today()", "", "yes"),
        ("integer", "visits", "本年度走访次数", "0", "", ". >= 0", "", ""),
        ("text", "surveyor", "调查员单位", "雨湖区财政局", "yes", "", "", ""),
        ("text", "code", "问卷编号", "", "yes", "", "concat('YH-', ${visits})", ""),
        ("select_one yn", "first", "是否首次走访", "y", "", "", "", ""),
    ],
    "choices": [("list_name", "name", "label"), ("yn", "y", "是"), ("yn", "n", "否")],
    "settings": [("form_title",), ("走访记录",)],
    "pyxform_valid": True,
}

REQUIRED_EXPRESSIONS = {  # required as an expression, messages in two languages
    "survey": [
        ("type", "name", "label::中文 (zh)", "label::English (en)", "required", "required_message::中文 (zh)",
         "required_message::English (en)"),
        ("select_one yn", "has_kids", "家中是否有在校学生", "Any pupils at home?", "yes", "", ""),
        ("integer", "n_kids", "在校学生人数", "Number of pupils", "${has_kids} = 'yes'", "有在校学生时必须填写人数", "Required when there are pupils"),
        ("text", "school", "就读学校", "School", "${n_kids} > 0", "", ""),
    ],
    "choices": [("list_name", "name", "label::中文 (zh)", "label::English (en)"),
                ("yn", "yes", "是", "Yes"), ("yn", "no", "否", "No")],
    "settings": [("form_title", "default_language"), ("教育补助核查", "中文 (zh)")],
    "pyxform_valid": True,
}

QUIRKY_HEADERS = {  # headers in other cases and aliases, numbers as numbers, blank rows, old type spellings
    "survey": [
        ("Type", "Name", "Label", "Relevance", "Required", "Constraint Message", "Constraint", "Calculate"),
        ("select one q", "q1", "您住在本村多少年？", None, "TRUE", None, None, None),
        (None, None, None, None, None, None, None, None),
        ("begin_group", "g1", "居住情况", None, None, None, None, None),
        ("integer", "years", "具体年数", "${q1} = 3", "Yes", "请填写合理年数", ". < 100", None),
        ("calculate", "decades", None, None, None, None, None, "int(${years} div 10)"),
        ("end_group", "g1", None, None, None, None, None, None),
        ("select all that apply q", "q2", "您家有哪些交通工具？", None, "no", None, None, None),
    ],
    "choices": [("List_Name", "Name", "Label"), ("q", 1, "不到1年"), ("q", 2, "1-10年"), ("q", 3, "10年以上")],
    "settings": [("Form_Title",), ("居住年限",)],
    "pyxform_valid": True,
}

UNSUPPORTED_MIX = {  # geo, media, external lists and XPath we do not have: each named, the rest imported
    "survey": [
        ("type", "name", "label", "relevant", "media::image", "trigger", "parameters"),
        ("geopoint", "gps", "定位", "", "", "", ""),
        ("image", "photo", "现场照片", "", "", "", "max-pixels=1024"),
        ("audio", "voice", "录音", "", "", "", ""),
        ("barcode", "qr", "扫描二维码", "", "", "", ""),
        ("range", "score", "打分", "", "", "", "start=0 end=10 step=1"),
        ("select_one_from_file villages.csv", "vill", "村", "", "", "", ""),
        ("time", "t", "时间", "", "", "", ""),
        ("dateTime", "dt", "日期时间", "", "", "", ""),
        ("acknowledge", "ack", "我已阅读说明", "", "", "", ""),
        ("text", "comment", "意见", "", "sign.png", "", ""),
        ("integer", "n", "数量", "instance('lists')/root/item[name=${vill}]/max > 0", "", "", ""),
        ("calculate", "pos", "", "", "", "", ""),
        ("text", "later", "补充", "", "", "${comment}", ""),
    ],
    "settings": [("form_title", "public_key"), ("现场核查（含定位）", "MIIB")],
    "pyxform_valid": False,  # `pos` has no calculation, as in half-finished uploads
}

HINTS_APPEARANCES = {  # hints, guidance hints, appearances and randomised choices
    "survey": [
        ("type", "name", "label", "hint", "guidance_hint", "appearance", "parameters", "required"),
        ("select_one channel", "channel", "您从哪里得知本项目？", "单选", "访员不要念选项", "minimal", "randomize=true", "yes"),
        ("text", "detail", "具体说明", "不超过200字", "", "multiline", "", ""),
        ("select_multiple channel", "channels", "还通过哪些渠道？", "", "", "horizontal-compact", "randomize=true, seed=${channel}", ""),
    ],
    "choices": [("list_name", "name", "label"), ("channel", "tv", "电视"), ("channel", "wechat", "微信公众号"),
                ("channel", "board", "村务公开栏"), ("channel", "cadre", "村干部告知")],
    "settings": [("form_title", "style"), ("项目知晓度调查", "pages")],
    "pyxform_valid": True,
}

SETTINGS_FULL = {  # every setting we keep, a plain label column plus an English translation
    "survey": [
        ("type", "name", "label", "label::English (en)", "required"),
        ("text", "school_name", "学校名称", "School name", "yes"),
        ("integer", "pupils", "在校学生数", "Number of pupils", "yes"),
        ("select_one yn", "kitchen", "是否有标准化食堂", "Standard kitchen?", "yes"),
    ],
    "choices": [("list_name", "name", "label", "label::English (en)"), ("yn", "1", "是", "Yes"), ("yn", "0", "否", "No")],
    "settings": [("form_title", "form_id", "version", "style", "instance_name"),
                 ("学生营养餐学校核查表", "school_meals", "2025070101", "pages", "concat(${school_name}, '-', ${pupils})")],
    "pyxform_valid": True,
}

FORWARD_AND_BROKEN = {  # a calculation placed after the question that uses it; a syntax error; a cycle
    "survey": [
        ("type", "name", "label", "relevant", "calculation", "constraint"),
        ("integer", "income", "家庭年收入（元）", "", "", ""),
        ("text", "poor_note", "低收入家庭请说明原因", "${is_poor} = 'true'", "", ""),
        ("calculate", "is_poor", "", "", "${income} < 12000", ""),
        ("text", "broken", "表达式写错的题", "${income} > = 3", "", ""),
        ("calculate", "a", "", "", "${b} + 1", ""),
        ("calculate", "b", "", "", "${a} + 1", ""),
        ("integer", "missing_ref", "引用不存在的题", "${nonexistent} = 1", "", ". > 0"),
    ],
    "settings": [("form_title",), ("低收入家庭核查",)],
    "pyxform_valid": False,
}

NOTES_AND_EMPTY_GROUP = {  # a page of notes only, an empty group, a group never closed
    "survey": [
        ("type", "name", "label", "appearance"),
        ("begin group", "info", "填写说明", "field-list"),
        ("note", "n1", "本问卷匿名填写。", ""),
        ("note", "n2", "约需5分钟。", ""),
        ("end group", "", "", ""),
        ("begin group", "empty", "空分组", ""),
        ("end group", "", "", ""),
        ("begin group", "q", "问题", "field-list"),
        ("select_one ok", "ok", "是否继续？", ""),
    ],
    "choices": [("list_name", "name", "label"), ("ok", "y", "继续")],
    "pyxform_valid": False,  # unclosed group
}

CORPUS = {
    "kobo_roads": KOBO_ROADS, "three_languages": THREE_LANGUAGES, "consent_wrapper": CONSENT_WRAPPER,
    "repeat_members": REPEAT_MEMBERS, "satisfaction_dk": SATISFACTION_DK, "english_four_point": ENGLISH_FOUR_POINT,
    "scale_column": SCALE_COLUMN, "calculations": CALCULATIONS, "or_other": OR_OTHER,
    "defaults_readonly": DEFAULTS_READONLY, "required_expressions": REQUIRED_EXPRESSIONS,
    "quirky_headers": QUIRKY_HEADERS, "unsupported_mix": UNSUPPORTED_MIX, "hints_appearances": HINTS_APPEARANCES,
    "settings_full": SETTINGS_FULL, "forward_and_broken": FORWARD_AND_BROKEN, "notes_and_empty_group": NOTES_AND_EMPTY_GROUP,
}
