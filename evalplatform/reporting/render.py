"""Turn assembled report content into the PDF (WeasyPrint) and the Excel annex."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font

from .. import formatting as fmt
from ..scoring.export import SCORE_FORMATS, SCORE_HEADER
from ..spreadsheets import add_sheet, workbook_bytes
from .assembly import SURVEY_HEADER, part, photo_uri
from .pdf import TEMPLATES_DIR, render_pdf

SECTION_HEADINGS = [
    ("s1", "一、基本情况"),
    ("s2", "二、绩效评价工作开展情况"),
    ("s3", "三、综合评价情况及评价结论"),
    ("s4", "四、绩效评价指标分析"),
    ("s5", "五、主要经验及做法、存在的问题及原因分析"),
    ("s6", "六、有关建议"),
    ("s7", "七、其他需要说明的问题"),
    ("a1", "附件1：评分表"),
    ("a2", "附件2：满意度调查分析"),
    ("a3", "附件3：现场勘查记录及照片"),
    ("a4", "附件4：问题清单"),
    ("a5", "附件5：证据索引"),
    ("a6", "报告完整性信息"),
]

_environment = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(["html"]))


def report_html(content: dict, *, draft: bool, version: int | None, content_sha256: str) -> str:
    photos = [{**p, "uri": photo_uri(p["path"])} for p in content["photos"]]
    rows = (content.get("scoring") or {}).get("rows") or []
    return _environment.get_template("report.html").render(
        c={**content, "photos": photos},
        draft=draft,
        version=version,
        content_sha256=content_sha256,
        sections=SECTION_HEADINGS,
        score_rows=merged_levels(rows),
        satisfaction=satisfaction_sources(rows),
    )


def merged_levels(rows: list[dict]) -> list[dict]:
    """The score table's rows with rowspans: a 一级/二级 name is printed once over the rows it covers
    (span1/span2 = rows covered, 0 where the cell is merged into the one above)."""
    merged = [dict(r, span1=0, span2=0) for r in rows]
    for level, span in (("level1", "span1"), ("level2", "span2")):
        start = 0
        for n in range(1, len(merged) + 1):
            if (
                n == len(merged)
                or merged[n][level] != merged[start][level]
                or (level == "level2" and merged[n]["level1"] != merged[start]["level1"])
            ):
                merged[start][span] = n - start
                start = n
    return merged


def satisfaction_sources(rows: list[dict]) -> list[dict]:
    """Satisfaction indicators scored from a survey outside the platform: 附件2 says where the figure came from
    rather than "no survey" next to a scored 满意度 (the contradiction issue 21 found)."""
    return [r for r in rows if "满意度" in r["level3"] and r.get("actual") and r.get("source")]


def report_pdf(
    content: dict, storage_dir: str, *, draft: bool, version: int | None, content_sha256: str
) -> tuple[bytes, int]:
    with part("正文排版（HTML 模板）"):
        html = report_html(content, draft=draft, version=version, content_sha256=content_sha256)
    with part("PDF 排版（WeasyPrint）"):
        pdf, pages, _refused = render_pdf(
            html, allowed_roots=[Path(storage_dir) / "blobs", Path(storage_dir) / "previews-1200"]
        )
    return pdf, pages


def report_xlsx(content: dict) -> bytes:
    """The Excel annex: numbers are numbers (a reviewer can sum them), 合计 per 一级指标, the total and grade."""
    with part("Excel 附表"):
        return _annex(content)


def _annex(content: dict) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _score_sheet(workbook, content.get("scoring") or {})
    surveys = content.get("surveys") or []
    add_sheet(
        workbook,
        "满意度调查",
        ["问卷", *SURVEY_HEADER],
        [[survey["title"], *_survey_cells(row)] for survey in surveys for row in survey["table"]["rows"]],
        {3: "0.0%", 6: "0.0"},
    )
    add_sheet(
        workbook,
        "对照查证",
        ["核查事项", "申报值", "申报来源", "核实值", "核实来源", "差异", "结论"],
        [
            [
                c["subject"],
                c["declared"],
                c["declared_source"],
                c["verified"],
                c["verified_source"],
                c["difference"],
                c["outcome"],
            ]
            for c in content.get("crosschecks", [])
        ],
    )
    add_sheet(
        workbook,
        "问题清单",
        ["编号", "问题", "问题描述", "严重程度", "相关指标", "原因分析", "整改建议", "证据"],
        [
            [
                f["code"],
                f["title"],
                f["description"],
                f["severity"],
                f["indicators"],
                f["cause"],
                f["recommendation"],
                f["evidence"],
            ]
            for f in content.get("findings", [])
        ],
    )
    add_sheet(
        workbook,
        "证据索引",
        ["编号", "文件名", "类型", "大小（字节）", "拍摄时间", "位置", "SHA-256"],
        [
            [e["code"], e["name"], e["mime"], e["size"], e["captured_at"], e["location"], e["sha256"]]
            for e in content["evidence"]
        ],
        {3: "#,##0"},
    )
    return workbook_bytes(workbook)


def _score_sheet(workbook, scoring: dict) -> None:
    """附件1 as a worksheet: each 一级指标's 三级指标 (with their 一级/二级 names), its 合计, then 总分."""
    rows, leaves = [], iter(scoring.get("rows", []))
    for dimension in scoring.get("dimensions", []):
        rows += [_score_cells(next(leaves)) for _ in dimension["indicators"]]
        values = dimension["values"]
        rows.append(
            [
                f"合计：{dimension['name']}",
                "",
                "",
                "",
                "",
                "",
                *map(_number, (values["points"], values["score"])),
                None,
                "",
            ]
        )
    if rows:
        grade = f"评价等级：{scoring.get('grade') or '待定'}"
        note = "；".join(x for x in (grade, scoring.get("note")) if x)
        total = _number(scoring.get("total"))
        rows.append(["总分", "", "", "", "", "", _number(scoring.get("points_total")), total, None, note])
    sheet = add_sheet(workbook, "评分表", SCORE_HEADER, rows, SCORE_FORMATS)
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value).startswith(("合计", "总分")):
            for cell in row:
                cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJ", (10, 14, 18, 12, 12, 36, 8, 8, 10, 40)):
        sheet.column_dimensions[letter].width = width


def _score_cells(r: dict) -> list:
    values = r["values"]
    score = _number(values["score"]) if values["score"] is not None else r["score"]  # 未评分 / 不适用 as text
    return [
        r["level1"],
        r["level2"],
        r["level3"],
        r["target"],
        r["actual"],
        r["computed"],
        _number(values["points"]),
        score,
        _number(values["rate"]),
        r["rationale"],
    ]


def _number(value) -> Decimal | None:
    """A number cell from a Decimal (or its canonical text, as an issued version keeps it)."""
    return fmt.decimal(value)


def _survey_cells(row: list) -> list:
    """The survey table's text cells as numbers: answers as integers, rates as fractions formatted 0.0%."""
    label, answers, unknown, rate, interval, score = row
    share = fmt.decimal(str(rate).rstrip("%"))
    return [label, answers, unknown, None if share is None else share / 100, interval, fmt.decimal(score)]
