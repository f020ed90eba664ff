"""A draft rendering that fails says so to the page polling it, instead of staying at "running"."""

import pytest
from sqlalchemy.orm import Session

from evalplatform.reporting import service
from evalplatform.reporting.models import RenderJob, RenderJobStatus
from tests import factories


def test_a_failed_rendering_is_recorded_with_its_error(app, session, database_url, tmp_path, monkeypatch):
    world = factories.World(session)
    report = service.start_report(session, world.engagement, world.evaluator, factories.NOW)
    job = service.create_render_job(session, report, factories.NOW)
    session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(service, "assemble", broken)
    with pytest.raises(RuntimeError):
        service.run_render_job(database_url, str(tmp_path), job.id, "某会计师事务所")
    with Session(app.extensions["evalplatform.db"].engine) as fresh:
        failed = fresh.get(RenderJob, job.id)
        assert (failed.status, failed.progress) == (RenderJobStatus.failed, 100)
        assert failed.error == "RuntimeError: 字体缺失"
