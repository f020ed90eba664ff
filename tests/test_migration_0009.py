"""Migration 0009 on an installation with data: links become commissions, chains are re-keyed, rows sealed."""

import hashlib
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, create_engine, text
from sqlalchemy.orm import Session

from evalplatform.audit.service import canonical_payload, chain_for
from evalplatform.engagements.models import Commission, CommissionStatus, Engagement
from evalplatform.migrate import upgrade
from evalplatform.verification import verify_installation

WHEN = datetime(2025, 11, 20, 9, 30, tzinfo=timezone.utc)


def legacy_installation(url: str, *, break_chain: bool = False):
    """At revision 0008: a firm, a bureau, an engagement linked by the firm's pick, a plain SHA-256 chain."""
    upgrade(url, "0008")
    engine = create_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    t = tables.tables
    with engine.begin() as c:
        c.execute(t["firm"].insert().values(id=1, name="华信会计师事务所"))
        c.execute(t["bureau"].insert().values(id=1, name="江州市财政局", region="江州市"))
        c.execute(
            t["user_account"]
            .insert()
            .values(
                id=1,
                username="li",
                display_name="李评价",
                password_hash="x",
                role="evaluator",
                firm_id=1,
                is_enabled=True,
                created_at=WHEN,
            )
        )
        c.execute(t["evaluated_unit"].insert().values(id=1, bureau_id=1, name="江州市交通运输局"))
        c.execute(
            t["engagement"]
            .insert()
            .values(
                id=1,
                firm_id=1,
                bureau_id=1,
                evaluated_unit_id=1,
                title="农村公路项目绩效评价",
                kind="project",
                fiscal_year=2025,
                budget_amount=1000,
                status="fieldwork",
                created_at=WHEN,
                created_by_id=1,
            )
        )
        prev = "0" * 64
        for seq in (1, 2, 3):
            row = SimpleNamespace(
                chain=chain_for(1),
                seq=seq,
                engagement_id=1,
                actor_id=1,
                action="engagement.note",
                object_type="Engagement",
                object_id="1",
                occurred_at=WHEN,
                ip=None,
                details={"name": f"第{seq}次"},
            )
            row_hash = hashlib.sha256((prev + canonical_payload(row)).encode("utf-8")).hexdigest()
            if break_chain and seq == 2:
                row.details = {"name": "改过"}
            c.execute(t["audit_event"].insert().values(**vars(row), prev_hash=prev, row_hash=row_hash))
            prev = row_hash
    engine.dispose()


def test_existing_links_become_accepted_commissions_and_the_record_verifies_under_the_key(empty_database_url):
    legacy_installation(empty_database_url)
    upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    with Session(engine) as session:
        engagement = session.get(Engagement, 1)
        commission = session.get(Commission, engagement.commission_id)
        assert commission.status is CommissionStatus.accepted and commission.bureau_id == 1 and commission.firm_id == 1
        assert commission.project_name == "农村公路项目绩效评价" and "迁移" in commission.note
        assert engagement.firm.invitation_code and engagement.bureau.invitation_code
        result = verify_installation(session)
        assert result.ok and result.chains.checked == 3, result.problems()
    engine.dispose()


def test_a_chain_already_broken_stops_the_upgrade_instead_of_being_blessed_with_the_key(empty_database_url):
    legacy_installation(empty_database_url, break_chain=True)
    with pytest.raises(RuntimeError, match="already broken at seq 2"):
        upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008"
    engine.dispose()
