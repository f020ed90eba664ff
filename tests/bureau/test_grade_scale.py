"""A bureau sets its own grade bands (等级分数线): its engagements' grades follow, nobody else's do."""

from decimal import Decimal

from sqlalchemy import select

from evalplatform.audit.models import AuditEvent
from evalplatform.audit.service import verify_chains
from evalplatform.indicators import rollup
from evalplatform.indicators.models import BureauGradeScale
from tests import factories
from tests.conftest import csrf_token, login

PAGE = "/bureau/grade-scale"


def save(client, excellent, good, fair):
    return client.post(
        PAGE, data={"csrf_token": csrf_token(client, PAGE), "excellent": excellent, "good": good, "fair": fair}
    )


def test_the_bureau_sets_its_bands_and_the_grades_follow(client, session):
    world = factories.World(session)
    session.commit()
    login(client, world.bureau_user.username)
    assert 'value="90.0"' in client.get(PAGE).get_data(as_text=True)  # the default, shown before any change
    assert save(client, "85", "75", "60").status_code == 303
    assert "已保存等级分数线" in client.get(PAGE).get_data(as_text=True)
    session.expire_all()
    mine = rollup.grade_scale_for(session, world.bureau.id)
    assert (mine.excellent, mine.good, mine.fair) == (Decimal("85.0"), Decimal("75.0"), Decimal("60.0"))
    assert mine.grade(Decimal("86")) == "excellent" and mine.grade(Decimal("84.9")) == "good"
    assert rollup.grade_scale_for(session, world.other_bureau.id).grade(Decimal("86")) == "good"  # untouched
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "bureau.grade_scale"))
    assert event.actor_id == world.bureau_user.id
    assert event.details == {"before": ["90.0", "80.0", "60.0"], "after": ["85.0", "75.0", "60.0"]}
    assert verify_chains(session)[1] is None


def test_bands_out_of_order_or_range_are_refused_and_nothing_changes(client, session):
    world = factories.World(session)
    session.commit()
    login(client, world.bureau_user.username)
    save(client, "80", "85", "60")
    assert "100 ≥ 优 &gt; 良 &gt; 中 ≥ 0" in client.get(PAGE).get_data(as_text=True)
    save(client, "120", "80", "60")
    assert "分数线应在 0 到 100 之间" in client.get(PAGE).get_data(as_text=True)
    save(client, "", "80", "60")
    assert "请填写全部分数线" in client.get(PAGE).get_data(as_text=True)
    assert session.scalar(select(BureauGradeScale)) is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "bureau.grade_scale")) is None


def test_only_the_bureau_itself_may_change_its_bands(client, session):
    world = factories.World(session)
    auditor = factories.user(session, "auditor", bureau=world.bureau)
    session.commit()
    login(client, auditor.username)
    assert client.get(PAGE).status_code == 200  # the audit office may read the bands
    assert save(client, "85", "75", "60").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/bureau")})
    login(client, world.evaluator.username)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, data={"excellent": "85", "good": "75", "fair": "60"}).status_code in (400, 404)
    assert session.scalar(select(BureauGradeScale)) is None
