"""The one way figures are written: pages, PDF and Excel agree because they all call these."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from evalplatform import create_app
from evalplatform import formatting as fmt


@pytest.mark.parametrize(
    "value, places, text",
    [
        (Decimal("85.50"), None, "85.5"),
        (Decimal("100.00"), None, "100"),
        (Decimal("1E+2"), None, "100"),
        (Decimal("1234567.891"), 2, "1,234,567.89"),
        (2.675, 2, "2.68"),
        (Decimal("0.125"), 2, "0.13"),
        (Decimal("-0.001"), 2, "0.00"),
        (None, 2, "—"),
        (float("nan"), 1, "—"),
        ("abc", 1, "—"),
        (7, 1, "7.0"),
    ],
)
def test_number_rounds_half_up_and_never_prints_none_or_nan(value, places, text):
    assert fmt.number(value, places) == text


def test_score_has_its_unit_and_unscored_is_not_zero():
    assert fmt.score(Decimal("8.50")) == "8.5分"
    assert fmt.score(Decimal("0")) == "0分"
    assert fmt.score(None) == "未评分"
    assert fmt.score(Decimal("86.456"), 2) == "86.46分"


def test_percent_from_percent_or_from_a_share_and_differences_in_points():
    assert fmt.percent(Decimal("95.25")) == "95.3%"
    assert fmt.percent(0.8123, fraction=True) == "81.2%"
    assert fmt.percent(None) == "—"
    assert fmt.percent_range(0.81, 0.89, fraction=True) == "81.0%–89.0%"
    assert fmt.percent_range(None, 0.5) == "—"
    assert fmt.points_difference(Decimal("2.5")) == "+2.5个百分点"
    assert fmt.points_difference(Decimal("-3")) == "-3.0个百分点"
    assert fmt.points_difference(Decimal("0.01")) == "0.0个百分点"
    assert fmt.points_difference(-0.025, fraction=True) == "-2.5个百分点"


def test_money_in_yuan_and_ten_thousands_with_separators():
    assert fmt.money(Decimal("1234567.8")) == "1,234,567.80元"
    assert fmt.money(Decimal("1234567.8"), "万元") == "123.4568万元"
    assert fmt.money(Decimal("1234567.8"), "万元", 2) == "123.46万元"
    assert fmt.money(None) == "—"
    with pytest.raises(ValueError):
        fmt.money(1, "美元")


def test_counts_are_integers_and_sizes_are_kb_or_mb():
    assert fmt.count(1200, "份") == "1,200份"
    assert fmt.count(Decimal("12.0")) == "12"
    assert fmt.count(None, "份") == "—"
    assert fmt.file_size(2048) == "2 KB"
    assert fmt.file_size(3 * 1024 * 1024 + 512 * 1024) == "3.5 MB"


def test_dates_in_chinese_long_form_in_the_bureaus_zone():
    late = datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc)
    assert fmt.long_date(late) == "2026年12月5日"
    assert fmt.short_date(late) == "2026-12-05"
    assert fmt.long_date(date(2026, 1, 9)) == "2026年1月9日"
    assert fmt.long_date(None) == "—"
    assert fmt.date_time(late) == "2026-12-05 07:30"
    assert fmt.date_time(datetime(2026, 12, 4, 23, 30)) == "2026-12-05 07:30"  # naive = stored UTC
    assert fmt.local_now(late).date() == date(2026, 12, 5)


def test_time_zone_comes_from_the_configuration(monkeypatch):
    monkeypatch.setenv("EVALPLATFORM_TIMEZONE", "Europe/London")
    late = datetime(2026, 12, 4, 23, 30, tzinfo=timezone.utc)
    assert fmt.long_date(late) == "2026年12月4日"
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x", "EVALPLATFORM_TIMEZONE": "Asia/Shanghai"})
    with app.app_context():
        assert fmt.long_date(late) == "2026年12月5日"
    monkeypatch.delenv("EVALPLATFORM_TIMEZONE")
    assert fmt.timezone_name() == "Asia/Shanghai"


def test_formatters_are_jinja_filters():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
    with app.app_context():
        template = app.jinja_env.from_string(
            "{{ s|score }} {{ n|score }} {{ m|money('万元', 2) }} {{ d|long_date }} {{ p|percent }}"
        )
        assert (
            template.render(s=Decimal("9.5"), n=None, m=Decimal("150000"), d=date(2026, 12, 5), p=Decimal("80"))
            == "9.5分 未评分 15.00万元 2026年12月5日 80.0%"
        )
