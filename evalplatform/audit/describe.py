"""The audit log in words: each event's action, object and details as a person reads them (字段：原值 → 新值).

The stored event keeps its codes (they are hashed into the chain); only the page translates them. Codes with no
label here are shown as they are, so a new action is never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .. import formatting

ACTIONS = {
    "engagement.create": _l("新建项目"),
    "engagement.update": _l("修改项目信息"),
    "engagement.status": _l("变更项目状态"),
    "team.add": _l("添加项目组成员"),
    "team.remove": _l("移除项目组成员"),
    "site.save": _l("保存勘查点"),
    "commission.request": _l("申请委托"),
    "commission.accept": _l("接受委托"),
    "commission.decline": _l("拒绝委托"),
    "commission.withdraw": _l("撤回委托"),
    "commission.commission": _l("委托事务所"),
    "indicators.tree_created": _l("建立指标体系"),
    "indicators.targets_imported": _l("导入绩效目标"),
    "indicators.balance_override": _l("说明分值不平衡"),
    "indicators.scored": _l("评分"),
    "indicators.added": _l("新增指标"),
    "indicators.removed": _l("删除指标"),
    "indicators.edited": _l("修改指标"),
    "indicators.verified": _l("录入核实值"),
    "indicators.evidence_linked": _l("关联证据"),
    "indicators.survey_fed": _l("引用满意度调查结果"),
    "indicators.findings_fed": _l("引用问题清单"),
    "instrument.create": _l("新建问卷"),
    "instrument.edit": _l("修改问卷"),
    "distribution.create": _l("新建发放渠道"),
    "distribution.close": _l("关闭发放渠道"),
    "response.invalidate": _l("标记答卷无效"),
    "response.revalidate": _l("恢复答卷有效"),
    "inspection.start": _l("开始现场勘查"),
    "inspection.entry": _l("记录检查项"),
    "inspection.photo": _l("上传勘查照片"),
    "inspection.finish": _l("完成现场勘查"),
    "evidence.upload": _l("上传证据"),
    "evidence.delete": _l("删除证据"),
    "material.import": _l("导入申报材料"),
    "material.draft": _l("上传申报材料草稿"),
    "material.draft_mapped": _l("确认列对应"),
    "material.draft_edit": _l("修改草稿单元格"),
    "material.draft_discard": _l("放弃草稿"),
    "material.draft_commit": _l("导入草稿"),
    "material.layout_saved": _l("保存表格格式"),
    "crosscheck.run": _l("运行对照规则"),
    "crosscheck.verify": _l("录入核实数"),
    "crosscheck.quantity_target": _l("设置实测项对照对象"),
    "sample.draw": _l("抽取核查样本"),
    "sample.record": _l("记录核查结果"),
    "finding.create": _l("新建问题"),
    "finding.update": _l("修改问题"),
    "report.create": _l("开始撰写报告"),
    "report.section": _l("修改报告正文"),
    "report.header": _l("修改报告标题"),
    "report.annex": _l("修改报告附件"),
    "report.submit": _l("提交复核"),
    "report.return": _l("退回修改"),
    "report.approve": _l("复核通过"),
    "report.issue": _l("出具报告"),
    "report.reopen": _l("重新出具"),
    "report.version": _l("生成出具版本"),
    "report.share": _l("共享报告"),
    "result_application.create": _l("登记结果应用"),
    "result_application.update": _l("更新结果应用"),
    "bureau.grade_scale": _l("修改等级标准"),
    "user.login": _l("登录"),
    "user.logout": _l("退出"),
    "user.create": _l("新建用户"),
    "user.password": _l("修改密码"),
    "user.enable": _l("启用或停用用户"),
}
OBJECTS = {
    "Engagement": _l("项目"),
    "TeamMember": _l("项目组成员"),
    "Site": _l("勘查点"),
    "Commission": _l("委托"),
    "IndicatorTree": _l("指标体系"),
    "Indicator": _l("指标"),
    "Instrument": _l("问卷"),
    "Distribution": _l("发放渠道"),
    "Response": _l("答卷"),
    "Inspection": _l("现场勘查"),
    "InspectionEntry": _l("检查项记录"),
    "InspectionPhoto": _l("勘查照片"),
    "Evidence": _l("证据"),
    "Material": _l("申报材料"),
    "ImportDraft": _l("导入草稿"),
    "CrossCheck": _l("对照查证"),
    "ColumnMapping": _l("列对应"),
    "VerificationSample": _l("核查样本"),
    "SampleItem": _l("样本项"),
    "Finding": _l("问题"),
    "Report": _l("评价报告"),
    "ReportVersion": _l("报告版本"),
    "ResultApplication": _l("结果应用"),
    "GradeScale": _l("等级标准"),
    "User": _l("用户"),
    "system": _l("系统"),
}
DETAILS = {
    "title": _l("标题"),
    "status_from": _l("原状态"),
    "status_to": _l("新状态"),
    "fields": _l("修改的字段"),
    "username": _l("用户名"),
    "role": _l("角色"),
    "reason": _l("原因"),
    "name": _l("名称"),
    "count": _l("数量"),
    "sha256": _l("文件指纹"),
    "filename": _l("文件名"),
    "version": _l("版本"),
    "member": _l("成员"),
    "site": _l("勘查点"),
    "result": _l("结果"),
    "size": _l("大小"),
}
FIELDS = {
    "title": _l("标题"),
    "evaluated_unit_name": _l("被评价单位"),
    "kind": _l("类型"),
    "fiscal_year": _l("预算年度"),
    "budget_amount": _l("预算金额"),
    "funding_source": _l("资金来源"),
    "category": _l("项目类别"),
    "period_start": _l("评价期间起"),
    "period_end": _l("评价期间止"),
    "description": _l("项目概况"),
    "severity": _l("严重程度"),
    "indicator_refs": _l("涉及指标"),
    "cause": _l("原因"),
    "recommendation": _l("整改建议"),
    "unit_response": _l("被评价单位意见"),
    "suggested_deduction": _l("建议扣分"),
    "due_date": _l("完成期限"),
    "budget_change": _l("预算调整"),
    "requirement": _l("要求"),
    "status": _l("状态"),
    "excellent": _l("优"),
    "good": _l("良"),
    "fair": _l("中"),
    "row": _l("行"),
    "field": _l("字段"),
    "value": _l("值"),
    "declared_value": _l("申报值"),
    "actual_value": _l("实际值"),
    "inputs": _l("评分输入"),
    "rationale": _l("评分依据"),
    "not_applicable": _l("不适用"),
    "score": _l("得分"),
    "verified_value": _l("核实值"),
    "verified_source": _l("核实来源"),
    "evidence": _l("证据"),
    "name": _l("名称"),
    "points": _l("分值"),
    "explanation": _l("指标解释"),
    "key_points": _l("评价要点"),
    "target_value": _l("目标值"),
    "target_text": _l("目标描述"),
    "unit": _l("单位"),
    "operator": _l("指标性质"),
    "method": _l("评分方法"),
    "params": _l("评分参数"),
    "standard": _l("评价标准"),
    "count": _l("数量"),
    "met": _l("达到的要点"),
}
# Stored status and role codes, in words (engagement, report, result application, team and user roles).
VALUES = {
    "setup": _l("立项"),
    "fieldwork": _l("现场"),
    "analysis": _l("分析"),
    "reporting": _l("报告"),
    "review": _l("复核"),
    "issued": _l("已出具"),
    "archived": _l("已归档"),
    "draft": _l("撰写中"),
    "submitted": _l("待复核"),
    "returned": _l("已退回"),
    "approved": _l("复核通过"),
    "open": _l("待整改"),
    "in_progress": _l("整改中"),
    "done": _l("已完成"),
    "lead": _l("项目负责人"),
    "member": _l("评价人员"),
    "reviewer": _l("复核合伙人"),
    "expert": _l("行业专家"),
    "evaluator": _l("评价人员"),
    "bureau": _l("财政局"),
    "auditor": _l("审计"),
    "admin": _l("管理员"),
    "high": _l("重大"),
    "medium": _l("一般"),
    "low": _l("轻微"),
    "consistent": _l("一致"),
    "discrepancy": _l("不一致"),
    "unverifiable": _l("无法核实"),
    "pending": _l("待核查"),
    "verified": _l("核实无误"),
    "not_found": _l("未找到"),
    "differs": _l("与申报不符"),
    "auto": _l("自动匹配"),
    "none": _l("不对照"),
    "rectification": _l("整改要求"),
    "budget_adjustment": _l("预算调整"),
    "policy": _l("完善政策制度"),
    "photo": _l("勘查照片"),
    "team_signature": _l("勘查人员签名"),
    "unit_signature": _l("被勘查单位签名"),
}
MAX_SHOWN = 120


@dataclass
class Described:
    action: str
    target: str
    lines: list[tuple[str, str]]  # (what, text): one line each, the page wraps them


def describe(event, names: dict | None = None) -> Described:
    """names: codes of this engagement's questions, checklist items and measures → their labels."""
    names = names or {}
    details = dict(event.details or {})
    lines = _changes(details.pop("before", None), details.pop("after", None), names)
    for key, value in details.items():
        if value in (None, "", [], {}):
            continue
        if key == "sha256":
            shown = _short_hash(value)
        elif key == "size":
            shown = formatting.file_size(value)
        else:
            shown = _value(value, names, fields=key == "fields")
        lines.append((str(DETAILS.get(key, key)), shown))
    target = f"{OBJECTS.get(event.object_type, event.object_type)} {event.object_id or ''}".strip()
    return Described(str(ACTIONS.get(event.action, event.action)), target, lines)


def _changes(before, after, names) -> list[tuple[str, str]]:
    if before is None and after is None:
        return []
    if isinstance(before, dict) or isinstance(after, dict):
        before, after = before or {}, after or {}
        return [
            (str(FIELDS.get(k, names.get(k, k))), _arrow(before.get(k), after.get(k), names))
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)
        ]
    return [(str(_l("变更")), _arrow(before, after, names))]


def _arrow(before, after, names) -> str:
    if before in (None, "", [], {}):
        return _value(after, names)
    return f"{_value(before, names)} → {_value(after, names)}"


def _value(value, names, fields: bool = False) -> str:
    if isinstance(value, list):
        return "、".join(_value(v, names, fields) for v in value) or "—"
    if isinstance(value, dict):
        if {"row", "field"} <= set(value):  # a corrected spreadsheet cell
            return f"{_l('第 %(n)s 行', n=value['row'])} {_value(value['field'], names, True)}：{_value(value.get('value'), names)}"
        return "；".join(f"{FIELDS.get(k, names.get(k, k))}：{_value(v, names)}" for k, v in value.items())
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("是") if value else _l("否"))
    text = str(value)
    text = str(FIELDS.get(text, names.get(text, text))) if fields else str(VALUES.get(text, names.get(text, text)))
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def _short_hash(value) -> str:
    return f"{str(value)[:12]}…"
