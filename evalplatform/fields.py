"""Form fields that parse what Chinese users type (全角数字, 千分位) and say what is wrong in Chinese."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField


def normalise_number(text: str) -> str:
    """NFKC turns full-width digits and signs into ASCII; thousands separators are dropped."""
    text = unicodedata.normalize("NFKC", text).strip()
    return text.replace(",", "").replace("，", "").replace(" ", "")


class MoneyField(DecimalField):
    """An amount in 元: Decimal with at most two decimals, never a float."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=2, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            value = Decimal(normalise_number(valuelist[0]))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.data = None
            raise ValueError(_l("请输入数字金额（元），例如 1,250,000.00"))
        if value.as_tuple().exponent < -2:
            self.data = None
            raise ValueError(_l("金额最多保留两位小数"))
        self.data = value


class ChineseIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(normalise_number(valuelist[0]))
        except ValueError:
            self.data = None
            raise ValueError(_l("请输入整数")) from None


class CoordinateField(DecimalField):
    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = Decimal(normalise_number(valuelist[0])).quantize(Decimal("0.000001"))
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("请输入十进制度数，例如 30.123456")) from None
