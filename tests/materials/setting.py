"""A small setting for material and cross-check tests: one firm, bureau, evaluator and engagement
(factories.World hashes nine passwords; these tests need one)."""

from tests import factories


class Team:
    def __init__(self, session):
        self.firm, self.bureau = factories.firm(session), factories.bureau(session)
        self.evaluator = factories.user(session, "evaluator", firm=self.firm)
        self.engagement = factories.engagement(session, self.evaluator, self.bureau)
        session.commit()


def mapping_form(draft, **extra) -> dict:
    """The mapping page's fields as the page pre-fills them from the detection (1-based rows and columns)."""
    choice = draft.table["choice"]
    data = {"sheet": choice["sheet"], "action": "confirm", **extra}
    for section, spec in choice["sections"].items():
        data[f"top-{section}"], data[f"bottom-{section}"] = spec["top"] + 1, spec["bottom"] + 1
        for name, column in spec["columns"].items():
            data[f"col-{section}-{name}"] = column + 1
    return data
