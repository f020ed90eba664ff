"""The audit log in words (issue 21): field: before → after, labels for actions, objects and stored codes."""

from types import SimpleNamespace

from evalplatform.audit.describe import describe


def _event(action, object_type, details):
    return SimpleNamespace(action=action, object_type=object_type, object_id="7", details=details)


def test_a_change_reads_as_field_before_and_after(app):
    with app.test_request_context():
        shown = describe(
            _event(
                "indicators.scored",
                "Indicator",
                {
                    "name": "预算执行率",
                    "before": {"rationale": "", "score": "4.00"},
                    "after": {"rationale": "年末尚有工程尾款未支付", "score": "3.60"},
                },
            )
        )
    assert (shown.action, shown.target) == ("评分", "指标 7")
    assert ("评分依据", "年末尚有工程尾款未支付") in shown.lines and ("得分", "4.00 → 3.60") in shown.lines
    assert ("名称", "预算执行率") in shown.lines


def test_stored_codes_become_words_and_long_values_are_cut(app):
    with app.test_request_context():
        status = describe(_event("engagement.status", "Engagement", {"status_from": "setup", "status_to": "issued"}))
        entry = describe(
            _event("inspection.entry", "InspectionEntry", {"name": "road_length", "after": "x" * 300}),
            {"road_length": "实际建成路段长度与批复规模一致"},
        )
        size = describe(_event("evidence.upload", "Evidence", {"size": 2 * 1024 * 1024, "sha256": "ab" * 32}))
    assert ("原状态", "立项") in status.lines and ("新状态", "已出具") in status.lines
    assert ("名称", "实际建成路段长度与批复规模一致") in entry.lines
    assert entry.lines[0][1].endswith("…") and len(entry.lines[0][1]) == 121
    assert ("大小", "2.0 MB") in size.lines and ("文件指纹", "abababababab…") in size.lines
