import pytest

from evalplatform.questionnaires import service
from tests import factories


@pytest.fixture
def survey(session):
    """A world with the rural-road template distributed through one open link."""
    world = factories.World(session)
    instrument = factories.questionnaire(session, world.engagement, world.evaluator)
    distribution = service.create_distribution(
        session, instrument, world.evaluator, factories.NOW, service.DistributionFields(name="柳湾村", stratum="柳湾村")
    )
    session.commit()
    world.instrument, world.distribution = instrument, distribution
    return world


def answers(**overrides):
    values = {
        "gender": "1",
        "age_group": "3",
        "identity": "1",
        "aware": "1",
        "attention": "4",
        "sat_overall": "4",
        "suggestion": "希望加装路灯",
    }
    values.update({f"sat{i:02d}": "5" if i % 2 else "4" for i in range(1, 11)})
    values.update(overrides)
    return values
