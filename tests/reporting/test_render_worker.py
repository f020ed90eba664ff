"""With REDIS_URL set, the draft PDF is rendered by a real RQ worker; the page polls queued → done."""

from evalplatform import create_app
from evalplatform.engagements import service as engagements
from evalplatform.engagements.models import TeamRole
from tests import factories
from tests.conftest import csrf_token, login
from tests.test_jobs import REDIS_URL, redis_queue, run_worker_until_empty  # noqa: F401  (fixture)


def test_a_worker_renders_the_draft_the_page_polls(redis_queue, database_url, tmp_path):  # noqa: F811
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "STORAGE_DIR": str(tmp_path / "evidence"),
            "SECRET_KEY": "t",
            "TESTING": True,
            "REDIS_URL": REDIS_URL,
            "JOB_QUEUE": redis_queue,
        }
    )
    from sqlalchemy.orm import Session

    with Session(app.extensions["evalplatform.db"].engine, expire_on_commit=False) as s:
        world = factories.World(s)
        engagements.add_team_member(
            s, world.engagement, world.reviewer, TeamRole.reviewer, world.evaluator, factories.NOW
        )
        s.commit()
    client = app.test_client()
    login(client, world.evaluator.username)
    base = f"/engagements/{world.engagement.id}/report"
    client.post(f"{base}/start", data={"csrf_token": csrf_token(client, base)})
    started = client.post(
        f"{base}/render", data={"csrf_token": csrf_token(client, base)}, headers={"Accept": "application/json"}
    ).json
    assert client.get(started["status_url"]).json["status"] == "queued"
    run_worker_until_empty(redis_queue, timeout=120)
    state = client.get(started["status_url"]).json
    assert state["status"] == "done" and state["progress"] == 100 and state["pages"] >= 5
    assert client.get(state["download_url"]).data.startswith(b"%PDF")
    app.extensions["evalplatform.db"].engine.dispose()
