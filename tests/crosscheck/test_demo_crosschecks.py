"""The demo engagement's cross-checks match the hand computations below."""

from decimal import Decimal

from sqlalchemy import select

from evalplatform.crosscheck import findings, service
from evalplatform.crosscheck.models import CrossCheck, LedgerFlag
from evalplatform.demo import load_demo
from evalplatform.engagements.models import Engagement


def test_demo_cross_checks_match_hand_computations(session, app):
    load_demo(session, app.config["STORAGE_DIR"], portfolio=False)
    session.commit()
    road = session.scalar(select(Engagement).where(Engagement.title.like("%农村公路%")))
    checks = {c.rule if c.rule != "manual" else c.subject: c for c in session.scalars(select(CrossCheck))}
    # 到位 20,000,000 + 18,600,000 = 38,600,000; 拨付 6,400,000; 支出 11 records = 24,413,374.24
    ledger = service.ledger_summary(session, road)
    assert (ledger.in_place, ledger.transferred, ledger.spent) == (38_600_000, 6_400_000, Decimal("24413374.24"))
    # 预算执行率 = 30,813,374.24 / 38,600,000 = 0.79827 vs declared 91 %
    assert checks["execution_rate"].verified_value == Decimal("0.7983")
    assert checks["execution_rate"].difference == Decimal("-0.1117")
    assert checks["executed_amount"].difference == Decimal("-4312625.76")
    assert checks["funds_in_place"].outcome == "consistent"
    # 240 households, 2 of 40 sampled not found → 12 projected → 228, beyond 2 % of 240
    assert (checks["list_size"].declared_value, checks["list_size"].verified_value) == (240, 228)
    assert checks["改造公路里程"].difference == Decimal("-1.6000")
    flags = sorted((f.entry.voucher_no, f.rule) for f in session.scalars(select(LedgerFlag)))
    assert flags == [
        ("记-019", "before_contract"),
        ("记-060", "duplicate_voucher"),
        ("记-060", "duplicate_voucher"),
        ("记-090", "round_amount_cluster"),
        ("记-093", "round_amount_cluster"),
        ("记-097", "round_amount_cluster"),
        ("记-201", "outside_fiscal_year"),
    ]
    assert [f.code for f in findings.findings(session, road)] == ["F-001", "F-002", "F-003", "F-004"]
