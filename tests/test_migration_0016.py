"""Migration 0016 on an installation with responses: each gets its flat copy (response.answers_flat) from
questionnaires.flat, in batches, and the analysis reads the same frame before and after."""

import importlib.util
import uuid

import pandas as pd
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from evalplatform.instruments import service as instruments
from evalplatform.migrate import alembic_config, upgrade
from evalplatform.questionnaires import service as questionnaires
from evalplatform.questionnaires.exports import responses_frame
from evalplatform.questionnaires.flat import flat_answers
from evalplatform.questionnaires.models import Response
from tests import factories
from tests.analysis.test_sources import ADVICE, MIXED
from tests.migrating import migrate_to


def this_revision():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return next(r for r in script.walk_revisions() if r.path.endswith("_response_answers_flat.py"))


def this_module(batch: int):
    spec = importlib.util.spec_from_file_location("migration_0016", this_revision().path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.BATCH = batch
    return module


ANSWERS = [
    {"role": "a", "uses": ["bus", "car"], "svc": {"speed": "5", "manner": "dk"}, "overall": "4", "advice": ADVICE},
    {"role": "b", "age": 33, "freq": {"road": "often"}, "advice": "  "},  # stored as "" (a blank text)
    {},
    {"svc": {"speed": "1"}, "overall": "dk", "advice": "好"},
    {"role": "a", "overall": "2"},
]


class Surveyed:
    """An installation at head with a questionnaire and responses submitted through the service."""

    def __init__(self, url):
        upgrade(url)  # from empty
        self.url, self.engine = url, create_engine(url)
        with Session(self.engine, expire_on_commit=False) as session:
            world = factories.World(session)
            instrument = instruments.create_instrument(session, world.engagement, world.evaluator, factories.NOW, MIXED)
            channel = questionnaires.create_distribution(
                session,
                instrument,
                world.evaluator,
                factories.NOW,
                questionnaires.DistributionFields(name="线上", stratum="全体"),
            )
            for n, given in enumerate(ANSWERS * 3):
                response, _created = questionnaires.submit_response(
                    session, channel, uuid.UUID(int=n + 1), given, factories.NOW
                )
                if n == 4:
                    questionnaires.mark_invalid(session, response, world.evaluator, factories.NOW, "重复")
            session.commit()
            self.instrument_id, self.definition = instrument.id, instrument.latest.definition
        self.written = self.flats()
        self.frame = self.load()

    def flats(self) -> dict:
        with self.engine.connect() as c:
            return dict(c.execute(text("SELECT id, answers_flat FROM response")).all())

    def load(self):
        from evalplatform.instruments.models import Instrument

        with Session(self.engine) as session:
            return responses_frame(session, session.get(Instrument, self.instrument_id))

    def migrate(self, revision):
        migrate_to(self.engine, self.url, revision)


@pytest.fixture
def surveyed(empty_database_url):
    world = Surveyed(empty_database_url)
    yield world
    world.engine.dispose()


def test_existing_responses_get_the_flat_copy_the_writers_give(surveyed):
    assert len(surveyed.written) == 15 and all(flat is not None for flat in surveyed.written.values())
    surveyed.migrate(this_revision().down_revision)
    assert "answers_flat" not in {c["name"] for c in inspect(surveyed.engine).get_columns("response")}

    surveyed.migrate("head")

    assert surveyed.flats() == surveyed.written
    pd.testing.assert_frame_equal(surveyed.load(), surveyed.frame, check_exact=True)


def test_the_backfill_goes_in_batches_and_leaves_what_it_cannot_hold_empty(surveyed):
    with surveyed.engine.begin() as c:
        c.execute(text("UPDATE response SET answers_flat = NULL"))
        odd = c.scalar(text("SELECT min(id) FROM response"))
        held = {"advice": "a\x1fb"}  # holds the separator: no flat copy, read from the JSON
        c.execute(Response.__table__.update().where(Response.__table__.c.id == odd).values(answers=held))
    assert flat_answers(surveyed.definition, held) is None
    with surveyed.engine.begin() as c:
        assert this_module(batch=4).fill(c) == 14
    assert surveyed.flats() == {**surveyed.written, odd: None}
    with surveyed.engine.begin() as c:
        assert this_module(batch=4).fill(c) == 0  # nothing left to fill
