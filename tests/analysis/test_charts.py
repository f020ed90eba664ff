"""Charts draw Chinese with the CJK font (no tofu boxes) and come out as self-contained SVG."""

import warnings
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib import pyplot as plt

from evalplatform.analysis import analyse, charts
from evalplatform.analysis.contract import empty_frame
from tests.analysis.data import NOW, QUESTIONS, frame, generated


@pytest.fixture(scope="module")
def analysis():
    responses, questions = generated(600, items=6)
    return analyse(responses, questions, NOW)


def cjk_texts(figure):
    return [
        t
        for t in figure.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "get_fontproperties"))
        if any("\u4e00" <= ch <= "\u9fff" for ch in t.get_text())
    ]


def test_the_cjk_font_is_noto_sans_cjk_from_the_system():
    assert Path(charts.cjk_font_path()).name.startswith("NotoSansCJK")


@pytest.mark.parametrize("build", ["rates", "levels", "timeline"])
def test_chart_renders_to_png_with_chinese_drawn_by_the_cjk_font(analysis, build, tmp_path):
    figure = {
        "rates": lambda: charts.rates_figure(analysis.satisfaction),
        "levels": lambda: charts.levels_figure(analysis.distributions),
        "timeline": lambda: charts.timeline_figure(analysis.timeline),
    }[build]()
    texts = cjk_texts(figure)
    assert texts, "the chart has Chinese labels"
    for text in texts:
        assert font_manager.findfont(text.get_fontproperties()) == charts.cjk_font_path(), text.get_text()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = charts.to_png(figure)
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    (tmp_path / f"{build}.png").write_bytes(png)


def test_without_the_cjk_font_the_same_label_would_be_tofu():
    """The check above can fail: DejaVu Sans alone reports the Chinese glyphs as missing."""
    figure = plt.figure()
    figure.text(0.1, 0.5, "满意度", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.to_png(figure)
    assert any("missing from font" in str(w.message) for w in caught)


def test_svg_is_self_contained_and_the_same_for_the_same_data(analysis):
    svg = charts.rates_svg(analysis.satisfaction)
    assert svg.startswith("<svg") and "<text" not in svg  # glyphs as paths: no font needed to view
    assert charts.rates_svg(analysis.satisfaction) == svg
    assert charts.data_uri(svg).startswith("data:image/svg+xml;base64,")


def test_charts_of_an_empty_or_tiny_analysis_still_render():
    for responses in (empty_frame(QUESTIONS), frame([{"q1": 5}])):
        result = analyse(responses, QUESTIONS, NOW)
        for svg in (
            charts.rates_svg(result.satisfaction),
            charts.levels_svg(result.distributions),
            charts.timeline_svg(result.timeline),
        ):
            assert svg.startswith("<svg")


def test_a_font_cache_built_before_the_cjk_fonts_were_installed_does_not_matter(analysis, monkeypatch):
    """The font is registered by its file path: a stale cache (no CJK font in it) still draws Chinese."""
    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if "CJK" not in f.name])
    manager._findfont_cached.cache_clear()
    charts.cjk_font.cache_clear()
    try:
        with pytest.raises(ValueError):  # as the stale cache knows it: no such font
            manager.findfont(font_manager.FontProperties(family=charts.CJK_FAMILY), fallback_to_default=False)
        family, path = charts.cjk_font()
        assert family == charts.CJK_FAMILY and Path(path).name.startswith("NotoSansCJK")
        figure = charts.rates_figure(analysis.satisfaction)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            charts.to_png(figure)
        assert not [w for w in caught if "missing from font" in str(w.message)]
    finally:
        manager._findfont_cached.cache_clear()
        charts.cjk_font.cache_clear()
