"""Every route that takes an engagement id refuses users outside its firm/team/bureau."""

from io import BytesIO

import pytest
from werkzeug.routing import IntegerConverter

from evalplatform.engagements import service
from evalplatform.engagements.models import TeamRole
from evalplatform.evidence.service import store_upload
from evalplatform.evidence.store import BlobStore
from tests import factories
from tests.conftest import csrf_token, login
from tests.evidence import files


def id_routes(app, world, **ids):
    """All URL rules with an engagement id, filled with real ids, per HTTP method."""
    values = {"engagement_id": world.engagement.id, **ids}
    routes = []
    for rule in app.url_map.iter_rules():
        if "engagement_id" not in rule.arguments:
            continue
        # Arguments without a real id get a placeholder: outsiders must be refused before it is looked up.
        args = {
            k: values.get(k, 1 if isinstance(rule._converters.get(k), IntegerConverter) else "x")
            for k in rule.arguments
        }
        url = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    assert len(routes) >= 10
    return routes


@pytest.fixture
def setting(session, app):
    world = factories.World(session)
    site = service.save_site(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        name="点1",
        address=None,
        latitude=None,
        longitude=None,
    )
    member = service.add_team_member(
        session, world.engagement, world.reviewer, TeamRole.reviewer, world.evaluator, factories.NOW
    )
    photo = store_upload(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        stream=BytesIO(files.jpeg()),
        filename="p.jpg",
        max_bytes=10**6,
    )
    instrument, distribution, response = _survey(session, world)
    inspection = _inspection(session, world, site)
    draft = _draft(session, app, world)
    session.commit()
    return world, id_routes(
        app,
        world,
        site_id=site.id,
        member_id=member.id,
        evidence_id=photo.evidence.id,
        instrument_id=instrument.id,
        distribution_id=distribution.id,
        response_id=response.id,
        inspection_id=inspection.id,
        draft_id=draft.id,
    )


def _draft(session, app, world):
    from evalplatform.materials.drafts import start_draft
    from tests.materials.workbooks import ledger_workbook, xlsx

    return start_draft(
        session,
        BlobStore(app.config["STORAGE_DIR"]),
        world.engagement,
        world.evaluator,
        factories.NOW,
        kind="ledger",
        stream=BytesIO(xlsx(ledger_workbook())),
        filename="台账.xlsx",
        max_bytes=10**7,
    )


def _inspection(session, world, site):
    from evalplatform.inspections import service as inspections
    from tests.inspections.helpers import ROAD, start_payload

    version = inspections.add_checklist(session, world.engagement, world.evaluator, factories.NOW, ROAD).latest
    return inspections.start_inspection(
        session, world.engagement, world.evaluator, factories.NOW, start_payload(site, version)
    ).obj


def _survey(session, world):
    import uuid

    from evalplatform.instruments import service as instruments
    from evalplatform.questionnaires import service as questionnaires

    definition = {
        "title": "问卷",
        "sections": [{"code": "s", "questions": [{"code": "q1", "type": "satisfaction", "label": "满意吗"}]}],
    }
    instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, definition)
    distribution = questionnaires.create_distribution(
        session,
        instrument,
        world.evaluator,
        factories.NOW,
        questionnaires.DistributionFields(name="渠道", stratum="村"),
    )
    response, _created = questionnaires.submit_response(session, distribution, uuid.uuid4(), {"q1": "5"}, factories.NOW)
    return instrument, distribution, response


# The commissioning bureau too: working papers belong to the firm (design.md §9; tests/reliability/test_disclosure.py).
@pytest.mark.parametrize("who", ["outsider", "outsider_admin", "colleague", "other_bureau_user", "bureau_user"])
def test_users_outside_the_engagement_get_404_on_every_route(client, setting, who):
    world, routes = setting
    login(client, getattr(world, who).username)
    token = csrf_token(client, "/engagements")
    for method, url in routes:
        response = client.open(url, method=method, data={"csrf_token": token, "name": "x", "status": "fieldwork"})
        assert response.status_code == 404, (who, method, url, response.status_code)


def test_team_members_and_the_firm_admin_see_it(client, setting):
    world, _routes = setting
    for user in (world.evaluator, world.admin):
        login(client, user.username)
        assert client.get(f"/engagements/{world.engagement.id}").status_code == 200
        client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})


def test_lists_show_only_visible_engagements(client, session):
    world = factories.World(session)
    foreign = factories.engagement(session, world.outsider, world.other_bureau, title="外所项目")
    session.commit()
    login(client, world.evaluator.username)
    html = client.get("/engagements").get_data(as_text=True)
    assert world.engagement.title in html and foreign.title not in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/engagements")})
    login(client, world.other_bureau_user.username)
    assert client.get("/engagements").status_code == 404  # the bureau side reads issued results in its portal


def test_a_site_of_another_engagement_is_not_reachable_through_mine(client, session):
    world = factories.World(session)
    mine = factories.engagement(session, world.evaluator, world.bureau)
    site = service.save_site(
        session,
        world.engagement,
        world.evaluator,
        factories.NOW,
        name="别人的点",
        address=None,
        latitude=None,
        longitude=None,
    )
    session.commit()
    login(client, world.evaluator.username)
    assert client.get(f"/engagements/{mine.id}/sites/{site.id}").status_code == 404


def test_empty_and_malformed_ids_are_404(client, session):
    world = factories.World(session)
    login(client, world.evaluator.username)
    for url in [
        "/engagements/0",
        "/engagements/-1",
        "/engagements/abc",
        "/engagements/99999999999999999999",
        "/engagements/1%2F..%2F2",
        "/engagements/../users",
    ]:
        assert client.get(url).status_code == 404, url
