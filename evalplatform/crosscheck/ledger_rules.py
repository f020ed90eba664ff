"""Ledger rules on plain records: duplicate vouchers, payments before the contract or outside the fiscal year,
round-amount clustering; and the ledger's own totals (到位, 拨付, 支出, 预算执行率)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

RULE_LABELS = {
    "duplicate_voucher": "凭证号重复",
    "before_contract": "付款早于合同签订日期",
    "outside_fiscal_year": "付款不在评价年度内",
    "round_amount_cluster": "整数金额集中支付",
}
PAYMENT_KINDS = ("拨付", "支出")
ROUND_UNIT = 10_000  # 元: a "round" payment is a whole multiple of 1 万元
ROUND_CLUSTER_MIN = 3  # … and three or more of them to one payee form a cluster


@dataclass(frozen=True)
class Record:
    id: int
    row_number: int
    entry_date: date
    kind: str
    amount: Decimal
    voucher_no: str
    payee: str | None = None
    contract_date: date | None = None


@dataclass(frozen=True)
class Flag:
    record_id: int
    rule: str
    detail: str


@dataclass(frozen=True)
class LedgerTotals:
    in_place: Decimal  # 资金到位
    transferred: Decimal  # 拨付
    spent: Decimal  # 支出
    count: int

    @property
    def executed(self) -> Decimal:
        """Money that left the unit: transfers onwards and its own spending."""
        return self.transferred + self.spent

    @property
    def execution_rate(self) -> Decimal | None:
        # 财预〔2020〕10号 附件2: 预算执行率 = 实际支出资金 / 实际到位资金
        return (self.executed / self.in_place) if self.in_place else None


def totals(records: list[Record]) -> LedgerTotals:
    sums = {"到位": [], "拨付": [], "支出": []}
    for record in records:
        sums[record.kind].append(record.amount)
    return LedgerTotals(
        sum(sums["到位"], Decimal(0)), sum(sums["拨付"], Decimal(0)), sum(sums["支出"], Decimal(0)), len(records)
    )


def _frame(records: list[Record]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [r.id for r in records],
            "row": [r.row_number for r in records],
            "date": pd.to_datetime([r.entry_date for r in records]),
            "kind": [r.kind for r in records],
            "amount": [float(r.amount) for r in records],
            "voucher": [unicodedata.normalize("NFKC", r.voucher_no).replace(" ", "").upper() for r in records],
            "payee": [(r.payee or "").strip() for r in records],
            "contract": pd.to_datetime([r.contract_date for r in records]),
        }
    )


def run_ledger_rules(records: list[Record], fiscal_year: int) -> list[Flag]:
    """Every flag the rules raise, ordered by row; each rule is independent of the others."""
    if not records:
        return []
    frame = _frame(records)
    flags = [
        *_duplicate_vouchers(frame),
        *_before_contract(frame),
        *_outside_year(frame, fiscal_year),
        *_round_clusters(frame),
    ]
    rows = dict(zip(frame["id"], frame["row"]))
    return sorted(flags, key=lambda f: (rows[f.record_id], f.rule))


def _duplicate_vouchers(frame: pd.DataFrame) -> list[Flag]:
    dup = frame[frame.duplicated("voucher", keep=False)]
    flags = []
    for voucher, group in dup.groupby("voucher", sort=False):
        rows = "、".join(str(r) for r in group["row"])
        flags += [
            Flag(int(i), "duplicate_voucher", f"凭证号 {voucher} 出现 {len(group)} 次（第 {rows} 行）")
            for i in group["id"]
        ]
    return flags


def _before_contract(frame: pd.DataFrame) -> list[Flag]:
    hit = frame[(frame["kind"] == "支出") & frame["contract"].notna() & (frame["date"] < frame["contract"])]
    return [
        Flag(int(i), "before_contract", f"付款日期 {d:%Y-%m-%d} 早于合同签订日期 {c:%Y-%m-%d}")
        for i, d, c in zip(hit["id"], hit["date"], hit["contract"])
    ]


def _outside_year(frame: pd.DataFrame, fiscal_year: int) -> list[Flag]:
    hit = frame[frame["kind"].isin(PAYMENT_KINDS) & (frame["date"].dt.year != fiscal_year)]
    return [
        Flag(int(i), "outside_fiscal_year", f"付款日期 {d:%Y-%m-%d} 不在 {fiscal_year} 年度内")
        for i, d in zip(hit["id"], hit["date"])
    ]


def _round_clusters(frame: pd.DataFrame) -> list[Flag]:
    cents = (frame["amount"] * 100).round().astype("int64")
    round_ = frame[
        frame["kind"].isin(PAYMENT_KINDS) & (cents > 0) & (cents % (ROUND_UNIT * 100) == 0) & (frame["payee"] != "")
    ]
    flags = []
    for payee, group in round_.groupby("payee", sort=False):
        if len(group) >= ROUND_CLUSTER_MIN:
            flags += [
                Flag(
                    int(i),
                    "round_amount_cluster",
                    f"向 {payee} 的 {len(group)} 笔付款均为整万元（合计 {group['amount'].sum():,.2f} 元）",
                )
                for i in group["id"]
            ]
    return flags
