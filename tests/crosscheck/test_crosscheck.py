"""Cross-checks: declared vs verified within tolerance, built-in rules, evaluator-verified figures, findings."""

from decimal import Decimal
from io import BytesIO

import pytest
from sqlalchemy import select

from evalplatform.crosscheck import checks, findings, service
from evalplatform.crosscheck.models import CrossCheck, LedgerFlag
from evalplatform.evidence.models import EvidenceLink
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.materials import service as materials
from tests import factories
from tests.evidence import files
from tests.materials import workbooks
from tests.materials.setting import Team


@pytest.fixture
def world(session, app):
    world = Team(session)
    store = BlobStore(app.config["STORAGE_DIR"])
    for kind, workbook in (
        ("self_assessment", workbooks.self_assessment_workbook()),
        ("ledger", workbooks.ledger_with_text_formats()),
    ):
        materials.import_material(
            session,
            store,
            world.engagement,
            world.evaluator,
            factories.NOW,
            kind=kind,
            stream=BytesIO(workbooks.xlsx(workbook)),
            filename=f"{kind}.xlsx",
            max_bytes=10**7,
        )
    world.photo = store_upload(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=BytesIO(files.jpeg()),
        filename="实测.jpg",
        max_bytes=10**7,
    ).evidence
    session.commit()
    return world


@pytest.mark.parametrize(
    "declared, verified, abs_, rel, outcome, difference",
    [
        ("100", "100.4", "0.5", None, "consistent", "0.4"),
        ("100", "100.6", "0.5", None, "discrepancy", "0.6"),
        ("1000", "990", None, "0.01", "consistent", "-10"),
        ("1000", "989", None, "0.01", "discrepancy", "-11"),
        ("1000", "989", "20", "0.01", "consistent", "-11"),
        (None, "5", "1", None, "unverifiable", None),
        ("5", None, "1", None, "unverifiable", None),
    ],
)
def test_compare_uses_the_larger_of_absolute_and_relative_tolerance(declared, verified, abs_, rel, outcome, difference):
    d = lambda v: None if v is None else Decimal(v)  # noqa: E731
    result = checks.compare(d(declared), d(verified), tolerance_abs=d(abs_), tolerance_rel=d(rel))
    assert (result.outcome, result.difference) == (outcome, d(difference))


def test_built_in_rules_match_hand_computations(session, world):
    service.run_rules(session, world.engagement, world.evaluator, factories.NOW)
    session.commit()
    checks = {c.rule: c for c in session.scalars(select(CrossCheck))}
    # Ledger: 到位 20,000,000 + 18,600,000; 拨付 6,400,000; 支出 3,215,478.36 + 186,420.50 + 7,842,113.08
    #         + 96,350.00 + 12,557,003.27 = 23,897,365.21 → executed 30,297,365.21, rate 0.7849
    assert checks["execution_rate"].declared_value == Decimal("0.9100")
    assert checks["execution_rate"].verified_value == Decimal("0.7849")
    assert checks["execution_rate"].outcome == "discrepancy" and checks["execution_rate"].difference == Decimal(
        "-0.1251"
    )
    # 自评表 全年执行数 3,512.60 万元 = 35,126,000 元 vs ledger 30,297,365.21 元
    assert checks["executed_amount"].difference == Decimal("-4828634.79")
    assert checks["executed_amount"].outcome == "discrepancy"
    # 全年预算数 3,860 万元 = 38,600,000 元 = ledger 到位
    assert (checks["funds_in_place"].outcome, checks["funds_in_place"].difference) == ("consistent", Decimal("0"))
    assert session.scalar(select(LedgerFlag)) is None


def test_rules_without_a_ledger_are_unverifiable(session, app):
    world = Team(session)
    service.run_rules(session, world.engagement, world.evaluator, factories.NOW)
    assert {c.outcome for c in session.scalars(select(CrossCheck))} == {"unverifiable"}


def test_an_evaluator_verified_figure_needs_evidence_and_feeds_verified_values(session, world):
    indicator = materials.self_assessed_indicators(session, world.engagement)[0]
    with pytest.raises(service.CrossCheckError, match="证据"):
        service.record_verified(
            session,
            world.engagement,
            world.evaluator,
            factories.NOW,
            subject="改造公路里程",
            declared=indicator.actual_number,
            declared_source="自评表 实际完成值",
            verified=Decimal("118.2"),
            evidence=None,
        )
    check = service.record_verified(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        subject="改造公路里程",
        unit="公里",
        declared=indicator.actual_number,
        declared_source="自评表 实际完成值",
        verified=Decimal("118.2"),
        evidence=world.photo,
        tolerance_rel=Decimal("0.02"),
        indicator_ref=indicator.level3,
    )
    session.commit()
    assert (check.outcome, check.difference) == ("discrepancy", Decimal("-8.2000"))
    value = service.verified_values(session, world.engagement)["改造公路里程"]
    assert value.verified == Decimal("118.2") and value.evidence_id == world.photo.id
    assert value.indicator_ref == "改造公路里程" and value.outcome == "discrepancy"


def test_a_discrepancy_becomes_a_finding_linked_to_its_evidence(session, world):
    service.run_rules(session, world.engagement, world.evaluator, factories.NOW)
    check = session.scalar(select(CrossCheck).filter_by(rule="execution_rate"))
    finding = findings.finding_from_cross_check(session, world.engagement, check, world.evaluator, factories.NOW)
    session.commit()
    assert finding.code == "F-001" and finding.title == "预算执行率申报数与核实数不一致"
    assert "91.00%" in finding.description and "78.49%" in finding.description
    links = session.scalars(select(EvidenceLink).filter_by(target_type="finding", target_id=finding.id)).all()
    assert len(links) == 2  # the 自评表 and the ledger files
    consistent = session.scalar(select(CrossCheck).filter_by(rule="funds_in_place"))
    with pytest.raises(findings.FindingError):
        findings.finding_from_cross_check(session, world.engagement, consistent, world.evaluator, factories.NOW)
    table = findings.findings_table(session, world.engagement)
    assert table[0][0] == "F-001" and table[0][-1] == "E-0001、E-0002"


def test_ledger_flags_become_one_finding_per_rule(session, app):
    world = Team(session)
    rows = workbooks.LEDGER_ROWS + [workbooks.LEDGER_ROWS[5]]  # the same voucher entered twice
    materials.import_material(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="ledger",
        stream=BytesIO(workbooks.xlsx(workbooks.ledger_workbook(rows))),
        filename="台账.xlsx",
        max_bytes=10**7,
    )
    service.run_rules(session, world.engagement, world.evaluator, factories.NOW)
    finding = findings.finding_from_ledger_flags(
        session, world.engagement, "duplicate_voucher", world.evaluator, factories.NOW
    )
    assert finding.title == "资金台账：凭证号重复（2 笔）" and "第 9 行" in finding.description
