"""XLSX export: every table of the analysis in one workbook, numbers as numbers, no formula injection."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from evalplatform.analysis import analyse, export
from tests.analysis.data import NOW, QUESTIONS, frame


def workbook_of(responses):
    return load_workbook(BytesIO(export.xlsx(analyse(responses, QUESTIONS, NOW))))


def test_workbook_holds_every_table():
    book = workbook_of(frame([{"q1": 5, "q2": 4, "advice": "路灯太少"}, {"q1": 3, "q2": 4, "stratum": "乙村"}]))
    assert book.sheetnames == [
        "概况",
        "满意度",
        "题目分布",
        "信度",
        "信度-题目",
        "样本量",
        "分组比较",
        "回收进度",
        "无效答卷",
        "无效答卷明细",
        "开放题关键词",
        "开放题答案",
    ]


def test_rates_are_numbers_and_match_the_analysis():
    book = workbook_of(frame([{"q1": 5}, {"q1": 4}, {"q1": 2}, {"q1": 0}]))
    sheet = book["满意度"]
    header = [c.value for c in sheet[1]]
    q1 = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[1] == "q1")
    assert q1[header.index("满意度")] == pytest.approx(round(2 / 3, 4))
    assert q1[header.index("不了解")] == 1


def test_respondent_text_cannot_become_a_formula():
    book = workbook_of(frame([{"advice": '=HYPERLINK("http://x")'}]))
    answers = [row[2] for row in book["开放题答案"].iter_rows(min_row=2, values_only=True)]
    assert answers == ['\'=HYPERLINK("http://x")']


def test_an_empty_analysis_exports_headers_only():
    book = workbook_of(frame([{"q1": 5, "valid": False, "invalid_reason": "作答过快"}]))
    assert book["无效答卷"]["A2"].value == "作答过快"
    assert [c.value for c in book["无效答卷明细"][2]] == [1, 1, "甲村", "2026-03-02 09:00", "作答过快"]
    assert book["分组比较"].max_row == 1
