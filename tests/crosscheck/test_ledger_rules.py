"""Ledger rules: every planted irregularity is found, and nothing else is flagged."""

from datetime import date
from decimal import Decimal

from evalplatform.crosscheck.ledger_rules import Record, run_ledger_rules, totals
from tests.materials.workbooks import LEDGER_ROWS


def records(rows):
    return [
        Record(i, i + 3, day, {"资金到位": "到位"}.get(kind, kind), Decimal(str(amount)), voucher, payee, contract)
        for i, (day, voucher, kind, _purpose, payee, amount, contract) in enumerate(rows, start=1)
    ]


PLANTED = [
    (date(2025, 8, 3), "记-060", "支出", "重复入账", "江州路桥建设有限公司", 7_842_113.08, date(2025, 3, 18)),  # 9
    (date(2025, 3, 10), "记-019", "支出", "预付工程款", "江州交通工程有限公司", 420_315.20, date(2025, 3, 28)),  # 10
    (
        date(2026, 1, 15),
        "记-201",
        "支出",
        "跨年支付尾款",
        "江州工程监理咨询有限公司",
        23_580.75,
        date(2025, 3, 20),
    ),  # 11
    (date(2025, 10, 9), "记-090", "支出", "劳务费", "江州某劳务服务部", 50_000, None),  # 12
    (date(2025, 10, 21), "记-093", "支出", "劳务费", "江州某劳务服务部", 80_000, None),  # 13
    (date(2025, 11, 4), "记-097", "支出", "劳务费", "江州某劳务服务部", 100_000, None),  # 14
    (
        date(2024, 12, 28),
        "记-000",
        "资金到位",
        "上年末预拨资金",
        "江州市财政局",
        1_000_000,
        None,
    ),  # 15: 到位, not a payment
]


def test_a_clean_ledger_raises_no_flag():
    assert run_ledger_rules(records(LEDGER_ROWS), 2025) == []


def test_planted_irregularities_are_all_found_and_nothing_else():
    flags = run_ledger_rules(records(LEDGER_ROWS + PLANTED), 2025)
    assert sorted((f.record_id, f.rule) for f in flags) == [
        (6, "duplicate_voucher"),
        (9, "duplicate_voucher"),
        (10, "before_contract"),
        (11, "outside_fiscal_year"),
        (12, "round_amount_cluster"),
        (13, "round_amount_cluster"),
        (14, "round_amount_cluster"),
    ]
    detail = {f.rule: f.detail for f in flags}
    assert detail["duplicate_voucher"] == "凭证号 记-060 出现 2 次（第 9、12 行）"
    assert detail["before_contract"] == "付款日期 2025-03-10 早于合同签订日期 2025-03-28"


def test_two_round_payments_to_one_payee_are_not_a_cluster():
    flags = run_ledger_rules(records(LEDGER_ROWS + PLANTED[3:5]), 2025)
    assert flags == []


def test_voucher_numbers_match_across_full_width_and_case():
    rows = LEDGER_ROWS + [(date(2025, 9, 1), "记－０８１", "支出", "检测费", "江州公路检测中心", 1.5, None)]
    assert {f.record_id for f in run_ledger_rules(records(rows), 2025)} == {7, 9}


def test_execution_rate_is_payments_over_funds_in_place():
    result = totals(records(LEDGER_ROWS))
    assert result.in_place == Decimal("38600000")
    assert result.executed == Decimal("6400000") + Decimal("23897365.21")
    assert result.execution_rate == Decimal("30297365.21") / Decimal("38600000")
