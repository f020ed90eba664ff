import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from evalplatform.audit import record, verify_chains
from evalplatform.audit.models import AuditEvent, AuditLogIsAppendOnly
from evalplatform.cli import verify_audit_command
from tests import factories


def test_a_fresh_chain_verifies(session):
    factories.World(session)
    checked, broken, _heads = verify_chains(session)
    assert broken is None
    assert checked > 5


def test_the_verifier_pinpoints_a_row_edited_in_the_database(session, app):
    world = factories.World(session)
    for n in range(3):
        record(
            session,
            actor=world.evaluator,
            action="engagement.note",
            obj=world.engagement,
            engagement_id=world.engagement.id,
            details={"name": f"第{n}次"},
        )
    session.commit()
    target = session.scalars(
        select(AuditEvent).where(AuditEvent.engagement_id == world.engagement.id).order_by(AuditEvent.seq)
    ).all()[2]
    session.execute(text("UPDATE audit_event SET action = 'engagement.tampered' WHERE id = :id"), {"id": target.id})
    session.commit()
    session.expire_all()

    _checked, broken, _heads = verify_chains(session)
    assert broken is not None
    assert (broken.event_id, broken.seq) == (target.id, 3)
    assert "hash" in broken.reason

    result = CliRunner().invoke(verify_audit_command, obj=_script_info(app))
    assert result.exit_code == 1
    assert f"id={target.id}" in result.output


def test_a_deleted_row_breaks_the_next_link(session):
    world = factories.World(session)
    for _ in range(3):
        record(
            session,
            actor=world.evaluator,
            action="engagement.note",
            obj=world.engagement,
            engagement_id=world.engagement.id,
        )
    session.commit()
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.engagement_id == world.engagement.id).order_by(AuditEvent.seq)
    ).all()
    session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": rows[1].id})
    session.commit()
    _checked, broken, _heads = verify_chains(session)
    assert broken.event_id == rows[2].id


def test_the_orm_refuses_to_change_an_audit_row(session):
    world = factories.World(session)
    event = session.scalars(select(AuditEvent)).first()
    event.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        session.flush()
    session.rollback()
    del world


def test_details_keep_only_allow_listed_keys(session):
    world = factories.World(session)
    event = record(
        session, actor=world.admin, action="user.test", details={"username": "x", "password": "secret", "token": "t"}
    )
    assert event.details == {"username": "x"}


def test_the_cli_reports_ok_for_an_intact_log(session, app):
    factories.World(session)
    result = CliRunner().invoke(verify_audit_command, obj=_script_info(app))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK:")


def test_parallel_writers_on_one_engagement_never_fork_the_chain(app, session):
    """Eight threads, each in its own transaction, append to the same chain at once."""
    world = factories.World(session)
    engagement_id, actor_id = world.engagement.id, world.evaluator.id
    from evalplatform.db import db

    errors, committed = [], []
    barrier = threading.Barrier(8)

    def writer(n):
        with app.app_context():
            s = db.new_session()
            try:
                barrier.wait()
                for _ in range(5):
                    record(
                        s,
                        actor=s.get(type(world.evaluator), actor_id),
                        action="parallel.write",
                        engagement_id=engagement_id,
                        object_type="Engagement",
                        details={"count": n},
                    )
                    s.commit()
                    committed.append(n)
            except Exception as error:  # noqa: BLE001
                errors.append(error)
                s.rollback()
            finally:
                s.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []  # writers are serialised per chain: nobody fails, nobody forks
    written = session.scalar(
        select(text("count(*)")).select_from(AuditEvent).where(AuditEvent.action == "parallel.write")
    )
    assert written == len(committed)
    seqs = session.scalars(
        select(AuditEvent.seq).where(AuditEvent.engagement_id == engagement_id).order_by(AuditEvent.seq)
    ).all()
    assert seqs == list(range(1, len(seqs) + 1))
    assert verify_chains(session)[1] is None


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
