"""A record that cannot be forged quietly: someone with write access to the database (but not the key) edits,
deletes or re-hashes rows; `verify-audit` says so and names what it found (docs/security.md)."""

import hashlib
import io
import os
import stat
import uuid
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select, text

from evalplatform import create_app, integrity
from evalplatform.audit import record
from evalplatform.audit.models import AuditEvent
from evalplatform.audit.service import canonical_payload, chain_for
from evalplatform.cli import verify_audit_command
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from evalplatform.instruments import service as instruments
from evalplatform.questionnaires import service as questionnaires
from evalplatform.reporting import service as reporting
from evalplatform.verification import verify_installation
from tests import factories
from tests.evidence.files import jpeg

pytestmark = pytest.mark.usefixtures("readiness_waived")  # these test the workflow, not completeness

DEFINITION = {
    "title": "满意度问卷",
    "sections": [
        {
            "code": "s",
            "questions": [
                {"code": "q1", "type": "satisfaction", "label": "您对道路质量是否满意？"},
                {"code": "q2", "type": "text", "label": "建议"},
            ],
        }
    ],
}


@pytest.fixture
def sealed(app, session):
    """An engagement with responses, an evidence photo and an issued report version."""
    world = factories.World(session)
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, DEFINITION)
    distribution = questionnaires.create_distribution(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        questionnaires.DistributionFields(name="柳湾村", stratum="柳湾村"),
    )
    responses = [
        questionnaires.submit_response(
            session, distribution, uuid.uuid4(), {"q1": level, "q2": "路灯太少"}, factories.NOW
        )[0]
        for level in ("5", "4", "2")
    ]
    store = BlobStore(app.config["STORAGE_DIR"])
    photo = store_upload(
        session,
        store,
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=io.BytesIO(jpeg()),
        filename="路面.jpg",
        max_bytes=10**7,
    ).evidence
    report = reporting.start_report(session, world.engagement, world.evaluator, factories.NOW)
    reporting.save_section(session, report, "problems", "部分路段排水不畅。", world.evaluator, factories.NOW)
    reporting.submit(session, report, world.evaluator, factories.NOW)
    reporting.approve(session, report, world.reviewer, factories.NOW)
    version = reporting.issue(session, report, store, world.reviewer, factories.NOW, firm_name=world.firm.name)
    session.commit()
    world.responses, world.photo, world.version = responses, photo, version
    return world


def verify(session, *anchors, key=None):
    session.expire_all()
    from evalplatform.audit import Anchor

    return verify_installation(session, tuple(Anchor.parse(a) for a in anchors), key)


def cli(app, *args):
    return CliRunner().invoke(verify_audit_command, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_an_intact_installation_verifies_and_the_issued_version_carries_the_chain_head(app, session, sealed):
    result = verify(session)
    assert result.ok and result.sealed_rows >= 6, result.problems()
    version = sealed.version
    anchored = session.execute(
        select(AuditEvent.row_hash).where(
            AuditEvent.chain == chain_for(sealed.engagement.id), AuditEvent.seq == version.anchor_seq
        )
    ).scalar()
    assert version.anchor_hash == anchored and version.content["audit_anchor"]["hash"] == anchored
    out = cli(app, "--expect-head", f"{version.anchor_seq}:{version.anchor_hash}", "--heads")
    assert out.exit_code == 0 and "OK:" in out.output and f"HEAD {chain_for(sealed.engagement.id)}:" in out.output


def test_a_response_rewritten_by_sql_is_named(app, session, sealed):
    target = sealed.responses[1]
    # A careful forger keeps payload_sha256 consistent with the new answers: only the key can tell.
    forged = {"q1": "5", "q2": "路灯太少"}
    session.execute(
        text("UPDATE response SET answers = :a, payload_sha256 = :d WHERE id = :id"),
        {"a": integrity.canonical_json(forged), "d": integrity.sha256_hex(forged), "id": target.id},
    )
    session.commit()
    result = verify(session)
    assert not result.ok
    assert [(p.table, p.row_id) for p in result.sealed_problems] == [("response", target.id)]
    out = cli(app)
    assert out.exit_code == 1 and f"response id={target.id}" in out.output


def test_answers_changed_without_their_digest_are_named_too(session, sealed):
    target = sealed.responses[0]
    session.execute(
        text("UPDATE response SET answers = :a WHERE id = :id"),
        {"a": integrity.canonical_json({"q1": "1"}), "id": target.id},
    )
    session.commit()
    problems = verify(session).sealed_problems
    assert [(p.table, p.row_id) for p in problems] == [("response", target.id)]
    assert "answers does not match payload_sha256" in problems[0].reason


def test_a_flat_copy_edited_by_sql_is_named(session, sealed):
    # answers_flat is what the analysis reads on PostgreSQL: derived from the sealed answers, checked against them.
    target = sealed.responses[0]
    assert session.get(type(target), target.id).answers_flat is not None
    session.execute(text("UPDATE response SET answers_flat = '5' WHERE id = :id"), {"id": target.id})
    session.commit()
    problems = verify(session).sealed_problems
    assert [(p.table, p.row_id, p.reason) for p in problems] == [
        ("response", target.id, "answers_flat does not match its answers")
    ]
    session.execute(text("UPDATE response SET answers_flat = NULL WHERE id = :id"), {"id": target.id})
    session.commit()
    assert verify(session).ok  # no copy: the analysis reads the answers


@pytest.mark.parametrize(
    "table,column,value",
    [
        ("evidence", "original_filename", "换过的照片.jpg"),
        ("evidence", "blob_sha256", None),
        ("report_version", "grade", "优"),
        ("report_version", "total_score", "99.50"),
    ],
)
def test_evidence_records_and_issued_versions_edited_by_sql_are_named(session, sealed, table, column, value):
    row_id = sealed.photo.id if table == "evidence" else sealed.version.id
    if value is None:  # point the record at other bytes already in the store (the PDF's)
        value = session.scalar(
            text("SELECT blob_sha256 FROM evidence WHERE id = :id"), {"id": sealed.version.pdf_evidence_id}
        )
    session.execute(text(f"UPDATE {table} SET {column} = :v WHERE id = :id"), {"v": value, "id": row_id})
    session.commit()
    assert [(p.table, p.row_id) for p in verify(session).sealed_problems] == [(table, row_id)]


def test_issued_content_rewritten_with_a_fresh_plain_digest_is_named(session, sealed):
    content = dict(sealed.version.content, title="改过的标题")
    session.execute(
        text("UPDATE report_version SET content = :c, content_sha256 = :d WHERE id = :id"),
        {"c": integrity.canonical_json(content), "d": integrity.sha256_hex(content), "id": sealed.version.id},
    )
    session.commit()
    assert [(p.table, p.row_id) for p in verify(session).sealed_problems] == [("report_version", sealed.version.id)]


def test_deleting_the_newest_audit_rows_fails_against_the_anchored_head(app, session, sealed):
    chain = chain_for(sealed.engagement.id)
    for n in range(3):
        record(
            session,
            actor=sealed.evaluator,
            action="engagement.note",
            engagement_id=sealed.engagement.id,
            details={"name": f"第{n}次"},
        )
    session.commit()
    head_seq, head_hash = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).one()
    anchor = f"{chain}:{head_seq}:{head_hash}"
    assert verify(session, anchor).ok and verify(session, f"{head_seq}:{head_hash}").ok

    session.execute(text("DELETE FROM audit_event WHERE chain = :c AND seq > :s"), {"c": chain, "s": head_seq - 2})
    session.commit()
    assert verify(session).ok  # what remains is a valid chain: only an anchor can tell it was longer
    broken = verify(session, anchor).chains.broken
    assert broken is not None and "missing" in broken.reason and f"head is {head_seq - 2}" in broken.reason
    out = cli(app, "--expect-head", f"{head_seq}:{head_hash}")
    assert out.exit_code == 1 and "truncated" in out.output


def test_a_rewritten_link_fails_against_the_anchor_too(session, sealed):
    version = sealed.version
    session.execute(
        text("UPDATE audit_event SET row_hash = :h WHERE chain = :c AND seq = :s"),
        {"h": "f" * 64, "c": chain_for(sealed.engagement.id), "s": version.anchor_seq},
    )
    session.commit()
    result = verify(session, f"{version.anchor_seq}:{version.anchor_hash}")
    assert not result.ok and "row content does not match its keyed hash" in result.problems()[0]


def test_a_chain_recomputed_with_plain_sha256_fails(app, session, sealed):
    """The old scheme: anyone could rewrite a row and recompute every later hash. Without the key they cannot."""
    chain = chain_for(sealed.engagement.id)
    events = session.scalars(select(AuditEvent).where(AuditEvent.chain == chain).order_by(AuditEvent.seq)).all()
    prev = "0" * 64
    for event in events:
        row = SimpleNamespace(**{c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns})
        if event.seq == 2:
            session.execute(text("UPDATE audit_event SET ip = '10.6.6.6' WHERE id = :id"), {"id": event.id})
            row.ip = "10.6.6.6"
        row_hash = hashlib.sha256((prev + canonical_payload(row)).encode("utf-8")).hexdigest()
        session.execute(
            text("UPDATE audit_event SET prev_hash = :p, row_hash = :h WHERE id = :id"),
            {"p": prev, "h": row_hash, "id": event.id},
        )
        prev = row_hash
    session.commit()
    broken = verify(session).chains.broken
    assert broken is not None and broken.chain == chain and broken.seq == 1
    assert "keyed hash" in broken.reason
    assert cli(app).exit_code == 1


def test_another_key_verifies_nothing(session, sealed):
    result = verify(session, key=b"k" * 64)
    assert result.chains.broken is not None and len(result.sealed_problems) == result.sealed_rows


def test_the_orm_refuses_to_change_a_sealed_row(session, sealed):
    response = session.get(type(sealed.responses[0]), sealed.responses[0].id)
    response.answers = {"q1": "1"}
    response.payload_sha256 = "0" * 64
    with pytest.raises(integrity.SealedRowIsImmutable):
        session.flush()
    session.rollback()


def test_flags_on_a_sealed_row_may_change_and_stay_verified(session, sealed):
    response = session.get(type(sealed.responses[0]), sealed.responses[0].id)
    questionnaires.mark_invalid(session, response, sealed.evaluator, factories.NOW, "答题时间过短")
    session.commit()
    assert verify(session).ok


def test_the_key_is_generated_once_into_the_instance_directory_with_mode_0600(tmp_path, monkeypatch, database_url):
    monkeypatch.delenv("AUDIT_KEY")
    monkeypatch.setenv("EVALPLATFORM_INSTANCE", str(tmp_path / "instance"))
    first = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "STORAGE_DIR": str(tmp_path / "e")})
    key_file = tmp_path / "instance" / "audit_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    second = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "STORAGE_DIR": str(tmp_path / "e")})
    assert first.config["AUDIT_KEY"] == second.config["AUDIT_KEY"] == key_file.read_text().strip()
    for app in (first, second):
        app.extensions["evalplatform.db"].engine.dispose()


def test_a_short_audit_key_is_refused_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_KEY", "short")
    with pytest.raises(integrity.AuditKeyError, match="至少需要 32 个字符"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "x"})


def test_the_issued_pdf_prints_the_chain_position_and_head(app, session, sealed):
    import subprocess

    pdf_sha256 = session.scalar(
        text("SELECT blob_sha256 FROM evidence WHERE id = :id"), {"id": sealed.version.pdf_evidence_id}
    )
    pdf = BlobStore(app.config["STORAGE_DIR"]).path_for(pdf_sha256)
    words = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(words.split())
    assert f"{sealed.version.anchor_seq}:{sealed.version.anchor_hash}" in flat
    assert chain_for(sealed.engagement.id) in flat
