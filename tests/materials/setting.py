"""A small setting for material and cross-check tests: one firm, bureau, evaluator and engagement
(factories.World hashes nine passwords; these tests need one)."""
from tests import factories


class Team:
    def __init__(self, session):
        self.firm, self.bureau = factories.firm(session), factories.bureau(session)
        self.evaluator = factories.user(session, "evaluator", firm=self.firm)
        self.engagement = factories.engagement(session, self.evaluator, self.bureau)
        session.commit()
