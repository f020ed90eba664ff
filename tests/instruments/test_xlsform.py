"""XLSForm import of three real-world style forms (groups, relevance, constraints, choice filters), and export.
The larger corpus is tests/questionnaires/test_xlsform_corpus.py."""

import io

import pytest
from openpyxl import Workbook, load_workbook
from pyxform import xls2xform

from evalplatform.instruments import xlsform, xlsform_export
from evalplatform.instruments.answers import validate_answers
from evalplatform.instruments.schema import AnswerErrors
from tests.questionnaires.xlsform_corpus import to_xlsx


def workbook(survey, choices=(), settings=None) -> bytes:
    return to_xlsx(
        {
            "survey": survey,
            "choices": list(choices),
            "settings": [list(settings), list(settings.values())] if settings else [],
        }
    )


def household_survey() -> bytes:
    """A Kobo-style household survey: metadata, groups, relevance, constraints, a choice filter."""
    survey = [
        (
            "type",
            "name",
            "label::Chinese (zh)",
            "label::English (en)",
            "required",
            "relevant",
            "constraint",
            "constraint_message",
            "choice_filter",
        ),
        ("start", "start", "", "", "", "", "", "", ""),
        ("deviceid", "deviceid", "", "", "", "", "", "", ""),
        ("begin group", "hh", "家庭基本情况", "Household", "", "", "", "", ""),
        ("select_one township", "township", "所在乡镇", "Township", "yes", "", "", "", ""),
        ("select_one village", "village", "所在村", "Village", "yes", "", "", "", "township=${township}"),
        (
            "integer",
            "hh_size",
            "家庭人口数",
            "Household size",
            "yes",
            "",
            ". >= 1 and . <= 20",
            "人口数应在1到20之间",
            "",
        ),
        ("select_multiple income", "income_src", "主要收入来源", "Income", "", "", "", "", ""),
        ("text", "income_other", "其他收入来源", "Other", "", "selected(${income_src}, 'other')", "", "", ""),
        ("end group", "", "", "", "", "", "", "", ""),
        ("begin group", "road", "道路使用", "Road use", "", "${hh_size} > 0", "", "", ""),
        ("select_one yn", "uses_road", "是否经常使用新修道路", "Uses the road", "yes", "", "", "", ""),
        ("decimal", "trip_minutes", "到镇上的单程时间（分钟）", "Minutes", "", "${uses_road} = 'yes'", ". > 0", "", ""),
        ("date", "first_use", "首次使用日期", "First use", "", "${uses_road} = 'yes'", "", "", ""),
        ("note", "thanks_note", "感谢您的配合", "Thanks", "", "", "", "", ""),
        ("end group", "", "", "", "", "", "", "", ""),
        ("geopoint", "location", "位置", "Location", "", "", "", "", ""),
    ]
    choices = [
        ("list_name", "name", "label::Chinese (zh)", "township"),
        ("township", "qs", "青石镇", ""),
        ("township", "bs", "白沙乡", ""),
        ("village", "lw", "柳湾村", "qs"),
        ("village", "dp", "大坪村", "bs"),
        ("income", "farm", "务农", ""),
        ("income", "work", "务工", ""),
        ("income", "other", "其他", ""),
        ("yn", "yes", "是", ""),
        ("yn", "no", "否", ""),
    ]
    return workbook(survey, choices, {"form_title": "农户调查", "form_id": "hh2025"})


def elderly_care_form() -> bytes:
    """An ODK-style form with a repeat (unsupported), calculate and an expression using if()."""
    survey = [
        ("type", "name", "label", "hint", "required", "relevant", "constraint", "calculation"),
        ("select_one yesno", "receives", "是否领取养老服务补贴", "", "true()", "", "", ""),
        ("integer", "age", "年龄", "周岁", "yes", "", ". >= 60 and . <= 120", ""),
        ("calculate", "age_band", "", "", "", "", "", "if(${age} >= 80, 'old', 'young')"),
        ("begin repeat", "members", "家庭成员", "", "", "", "", ""),
        ("text", "member_name", "姓名", "", "", "", "", ""),
        ("end repeat", "", "", "", "", "", "", ""),
        ("select_one sat", "service_sat", "对上门服务的满意程度", "", "yes", "${receives} = 'y'", "", ""),
        ("text", "phone", "联系电话（可不填）", "", "", "", "regex(., '1[3-9][0-9]{9}')", ""),
        ("text", "why", "原因", "", "", "if(${age} > 80, true(), false())", "", ""),
        ("image", "photo", "照片", "", "", "", "", ""),
    ]
    choices = [
        ("list_name", "name", "label"),
        ("yesno", "y", "是"),
        ("yesno", "n", "否"),
        ("sat", "5", "非常满意"),
        ("sat", "4", "满意"),
        ("sat", "3", "一般"),
        ("sat", "2", "不满意"),
        ("sat", "1", "非常不满意"),
    ]
    return workbook(survey, choices, {"form_title": "养老服务补贴回访"})


def river_form() -> bytes:
    """An environmental form with nested groups, select_one_from_file and a bad choice code."""
    survey = [
        ("type", "name", "label", "required", "relevant"),
        ("begin_group", "env", "环境感受", "", ""),
        ("select_one level", "water", "河道水质", "yes", ""),
        ("begin_group", "smell", "异味", "", "${water} != '5'"),
        ("select_one level", "odor", "异味情况", "", ""),
        ("end_group", "", "", "", ""),
        ("select_one_from_file villages.csv", "vill", "村", "", ""),
        ("select_one bad", "badq", "编码不合法的题", "", ""),
        ("text", "advice", "<b>建议</b>", "", ""),
        ("end_group", "", "", "", ""),
    ]
    choices = [
        ("list_name", "name", "label"),
        ("level", "5", "很好"),
        ("level", "3", "一般"),
        ("level", "1", "很差"),
        ("bad", "中文编码", "中文"),
    ]
    return workbook(survey, choices, {"form_title": "河道整治满意度"})


def test_household_survey_imports_groups_relevance_constraints_and_lists_the_rest():
    result = xlsform.import_xlsform(household_survey())
    sections = result.definition["sections"]
    assert [s["title"] for s in sections] == ["家庭基本情况", "道路使用"]
    assert result.definition["groups"][1]["relevant"] == "${hh_size} > 0" and sections[1]["group"] == "road"
    by_code = {q["code"]: q for s in sections for q in s["questions"]}
    assert by_code["township"]["label"] == "所在乡镇" and by_code["township"]["required"]
    assert by_code["hh_size"]["constraint"] == ". >= 1 and . <= 20"
    assert by_code["income_other"]["relevant"] == "selected(${income_src}, 'other')"
    assert by_code["thanks_note"]["type"] == "note"
    assert by_code["village"]["choice_filter"] == "township=${township}"
    assert by_code["township"]["translations"] == {"English (en)": {"label": "Township"}}
    listed = "\n".join(result.unsupported)
    for expected in ("start", "deviceid", "geopoint"):
        assert expected in listed
    with pytest.raises(AnswerErrors) as error:
        validate_answers(result.definition, {"township": "qs", "village": "lw", "hh_size": 30})
    assert error.value.errors["hh_size"] == "人口数应在1到20之间"


def test_elderly_care_form_skips_repeats_but_keeps_calculations():
    result = xlsform.import_xlsform(elderly_care_form())
    codes = [q["code"] for s in result.definition["sections"] for q in s["questions"]]
    assert codes == ["receives", "age", "age_band", "service_sat", "phone", "why"]
    assert result.definition["title"] == "养老服务补贴回访"
    listed = "\n".join(result.unsupported)
    assert "member_name" in listed and "重复组" in listed and "image" in listed and "age_band" not in listed
    clean = validate_answers(
        result.definition, {"receives": "y", "age": 85, "service_sat": "4", "phone": "13800138000"}
    )
    assert clean["age_band"] == "old"
    with pytest.raises(AnswerErrors):
        validate_answers(result.definition, {"receives": "y", "age": 85, "service_sat": "4", "phone": "12345"})


def test_nested_groups_keep_their_own_relevance_and_bad_parts_are_listed():
    result = xlsform.import_xlsform(river_form())
    questions = {q["code"]: q for s in result.definition["sections"] for q in s["questions"]}
    assert questions["odor"]["group"] == "smell" and "relevant" not in questions["odor"]
    assert result.definition["groups"][1] == {
        "code": "smell",
        "label": "异味",
        "relevant": "${water} != '5'",
        "parent": "env",
    }
    assert validate_answers(result.definition, {"water": "5", "odor": "1"}) == {"water": "5"}
    assert questions["advice"]["label"] == "<b>建议</b>"  # kept as text; every page escapes it
    assert questions["badq"]["choices"] == [{"code": "中文编码", "label": "中文"}]  # XLSForm allows any script
    assert "vill" not in questions
    assert "select_one_from_file" in "\n".join(result.unsupported)


def test_not_an_xlsform_is_a_clear_error():
    with pytest.raises(xlsform.XLSFormError, match="无法读取"):
        xlsform.import_xlsform(b"not a spreadsheet")
    with pytest.raises(xlsform.XLSFormError, match="survey"):
        book, buffer = Workbook(), io.BytesIO()
        book.save(buffer)
        xlsform.import_xlsform(buffer.getvalue())


def test_export_round_trips_through_import():
    from evalplatform.instruments.service import load_template

    definition = load_template("satisfaction-elderly-care-subsidy")
    data = xlsform_export.export_xlsform(definition)
    sheets = load_workbook(io.BytesIO(data)).sheetnames
    assert sheets == ["survey", "choices", "settings"]
    xls2xform.convert(data)
    again = xlsform.import_xlsform(data).definition
    original = [(q["code"], q["label"]) for s in definition["sections"] for q in s["questions"]]
    imported = [(q["code"], q["label"]) for s in again["sections"] for q in s["questions"]]
    assert imported == original


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused_before_parsing():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<row/>" * 20_000_000)
    with pytest.raises(xlsform.XLSFormError, match="压缩炸弹"):
        xlsform.import_xlsform(buffer.getvalue())


def test_an_ods_workbook_is_read_like_an_xlsx():
    survey = [("type", "name", "label"), ("text", "a", "甲"), ("integer", "b", "乙")]
    ods = _ods({"survey": survey, "settings": [("form_title",), ("开放格式",)]})
    definition = xlsform.import_xlsform(ods).definition
    assert definition["title"] == "开放格式"
    assert [q["code"] for s in definition["sections"] for q in s["questions"]] == ["a", "b"]


def _ods(sheets: dict) -> bytes:
    """A minimal OpenDocument spreadsheet (what LibreOffice users upload)."""
    import zipfile
    from xml.sax.saxutils import escape

    tables = "".join(
        f'<table:table table:name="{name}">'
        + "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'
                for v in row
            )
            + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in sheets.items()
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
    return buffer.getvalue()
