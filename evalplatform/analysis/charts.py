"""Charts of an analysis as SVG strings (matplotlib, Agg), for the analysis page and the PDF report alike.

Chinese labels are drawn with Noto Sans CJK SC (Debian/Ubuntu package fonts-noto-cjk), found by its file
path and added to matplotlib's font manager at first use: a font cache built before the fonts were installed
cannot hide it. Text is converted to paths, so the SVG shows the same without the font installed.
"""

from __future__ import annotations

import base64
import functools
import io
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.dates import DateFormatter  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .measures import ItemDistribution, SatisfactionRow  # noqa: E402

CJK_FAMILY = "Noto Sans CJK SC"
LEVEL_COLOURS = ("#1a7f4b", "#6cbf84", "#e3c567", "#e58f65", "#c0392b")  # 非常满意 … 非常不满意


class MissingCJKFont(RuntimeError):
    """Noto Sans CJK SC is not installed: Chinese labels would be drawn as empty boxes."""


# Where Debian/Ubuntu (fonts-noto-cjk, fonts-wqy-microhei) and Fedora put them; EVALPLATFORM_CJK_FONT first.
CJK_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@functools.cache
def cjk_font() -> tuple[str, str]:
    """(family, file) of the CJK font charts use, registered by path; raises MissingCJKFont rather than
    drawing tofu."""
    for path in filter(None, (os.environ.get("EVALPLATFORM_CJK_FONT"), *CJK_FILES)):
        if Path(path).is_file():
            font_manager.fontManager.addfont(path)  # every face of a .ttc, whatever the cache says
            names = {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
            return (CJK_FAMILY if CJK_FAMILY in names else min(names)), path
    try:  # an installation elsewhere that the font manager knows of
        path = font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILY), fallback_to_default=False)
        return CJK_FAMILY, path
    except ValueError as error:
        raise MissingCJKFont("未找到中文字体 Noto Sans CJK SC，请安装 fonts-noto-cjk") from error


def cjk_font_path() -> str:
    """File of the CJK font charts use; raises MissingCJKFont rather than drawing tofu."""
    return cjk_font()[1]


@contextmanager
def _style():
    family, _path = cjk_font()
    with plt.rc_context(
        {
            "font.family": [family, "DejaVu Sans"],
            "font.size": 9,
            "svg.fonttype": "path",
            "svg.hashsalt": "evalplatform",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": False,
        }
    ):
        yield


def to_svg(figure: Figure) -> str:
    """The SVG document without the XML prologue, ready to embed or to write to a file."""
    buffer = io.StringIO()
    with _style():
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def to_png(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    with _style():
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def data_uri(svg: str) -> str:
    """For <img src>: keeps the chart's own styles out of the page's Content-Security-Policy."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _wrap(label: str, width: int = 14) -> str:
    return "\n".join(label[i : i + width] for i in range(0, len(label), width)) or " "


def rates_figure(rows: Sequence[SatisfactionRow], title: str = "满意度（“满意”及以上占比，95% 置信区间）") -> Figure:
    """Horizontal bars of top-two-box rates with Wilson interval whiskers; rows without answers are listed empty."""
    with _style():
        figure = plt.figure(figsize=(6.4, 0.42 * len(rows) + 1.2))
        axes = figure.add_subplot()
        labels = [_wrap(r.label) for r in rows][::-1]
        values = [(r.rate.estimate or 0) * 100 for r in rows][::-1]
        errors = [
            [(r.rate.estimate - r.rate.low) * 100 if r.rate.low is not None else 0 for r in rows][::-1],
            [(r.rate.high - r.rate.estimate) * 100 if r.rate.high is not None else 0 for r in rows][::-1],
        ]
        colours = ["#2e6da4" if r.scope == "item" else "#14425e" for r in rows][::-1]
        axes.barh(range(len(rows)), values, xerr=errors, color=colours, ecolor="#555", capsize=3)
        for y, row in enumerate(rows[::-1]):
            text = f"{row.rate.estimate:.1%}" if row.rate.estimate is not None else "无有效回答"
            axes.text(1, y, text, va="center", color="white" if (row.rate.estimate or 0) > 0.12 else "#333")
        axes.set_yticks(range(len(rows)), labels)
        axes.set_xlim(0, 100)
        axes.set_xlabel("%")
        axes.set_title(title, loc="left")
    return figure


def _level_colours(k: int) -> list[str]:
    """The five standard colours, spread over a scale of k levels (best first)."""
    return [LEVEL_COLOURS[round(i * (len(LEVEL_COLOURS) - 1) / max(k - 1, 1))] for i in range(k)]


def levels_figure(distributions: Sequence[ItemDistribution], title: str = "各题满意度分布（不含“不了解”）") -> Figure:
    """One 100 % stacked bar per satisfaction item, best level first (each item on its own scale)."""
    items = [d for d in distributions if d.question.type == "satisfaction5"]
    with _style():
        figure = plt.figure(figsize=(6.4, 0.42 * len(items) + 1.6))
        axes = figure.add_subplot()
        labelled: set[str] = set()
        for row, d in enumerate(reversed(items)):
            left, rated = 0.0, d.rows[:-1]  # the last row is the no-opinion count
            for (label, _count, share), colour in zip(rated, _level_colours(len(rated))):
                axes.barh(
                    row, (share or 0) * 100, left=left, color=colour, label=label if label not in labelled else None
                )
                labelled.add(label)
                left += (share or 0) * 100
        axes.set_yticks(range(len(items)), [_wrap(d.question.label) for d in items][::-1])
        axes.set_xlim(0, 100)
        axes.set_xlabel("%")
        axes.set_title(title, loc="left", pad=20)
        if items:
            axes.legend(
                ncols=5, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False, fontsize=8, borderaxespad=0.2
            )
    return figure


def timeline_figure(days: Sequence[tuple], title: str = "回收进度（按日）") -> Figure:
    """Responses per day (valid and invalid stacked) and the running total of valid ones."""
    with _style():
        figure = plt.figure(figsize=(6.4, 2.8))
        axes = figure.add_subplot()
        dates = [d[0] for d in days]
        valid = [d[2] for d in days]
        invalid = [d[1] - d[2] for d in days]
        axes.bar(dates, valid, color="#2e6da4", label="有效")
        axes.bar(dates, invalid, bottom=valid, color="#c8c8c8", label="无效")
        axes.set_ylabel("份/日")
        twin = axes.twinx()
        twin.plot(dates, [d[3] for d in days], color="#c0392b", marker=".", label="累计有效")
        twin.set_ylabel("累计有效")
        twin.spines["top"].set_visible(False)
        axes.xaxis.set_major_formatter(DateFormatter("%m-%d"))
        axes.set_title(title, loc="left", pad=20)
        handles = axes.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
        axes.legend(
            handles,
            [h.get_label() for h in handles],
            frameon=False,
            fontsize=8,
            ncols=3,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            borderaxespad=0.2,
        )
    return figure


def rates_svg(rows: Sequence[SatisfactionRow]) -> str:
    return to_svg(rates_figure(rows))


def levels_svg(distributions: Sequence[ItemDistribution]) -> str:
    return to_svg(levels_figure(distributions))


def timeline_svg(days: Sequence[tuple]) -> str:
    return to_svg(timeline_figure(days))
