"""`evalplatform verify-audit`: the audit chains (keyed), their anchors, every sealed row, and the copies
derived from sealed content (a response's flat answers must be its answers')."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import integrity
from . import models as _all_models  # noqa: F401 - registers every sealed model
from .audit.service import Anchor, ChainReport, verify_chains
from .instruments.models import InstrumentVersion
from .questionnaires.flat import flat_answers
from .questionnaires.models import Response

BATCH = 5000


@dataclass
class Verification:
    chains: ChainReport
    sealed_rows: int
    sealed_problems: list[integrity.SealProblem]

    @property
    def ok(self) -> bool:
        return self.chains.broken is None and not self.sealed_problems

    def problems(self) -> list[str]:
        found = [f"AUDIT CHAIN BROKEN: {self.chains.broken}"] if self.chains.broken else []
        return found + [f"SEALED ROW ALTERED: {p}" for p in self.sealed_problems]


def verify_installation(session: Session, anchors: tuple[Anchor, ...] = (), key: bytes | None = None) -> Verification:
    chains = verify_chains(session, key, anchors)
    checked, problems = integrity.verify_sealed(session, key)
    altered = {(p.table, p.row_id) for p in problems}
    problems += [p for p in flat_problems(session) if (p.table, p.row_id) not in altered]
    return Verification(chains, checked, problems)


def flat_problems(session: Session) -> list[integrity.SealProblem]:
    """Responses whose flat copy (answers_flat, read by the analysis) is not what their sealed answers give:
    the copy is not sealed itself, so an edit of it would change the analysis unseen. NULL is no problem (the
    analysis then reads the answers)."""
    definitions, problems, after = {}, [], 0
    while True:
        rows = session.execute(
            select(Response.id, Response.version_id, Response.answers, Response.answers_flat)
            .where(Response.id > after, Response.answers_flat.is_not(None))
            .order_by(Response.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return problems
        after = rows[-1].id
        for row in rows:
            definition = definitions.get(row.version_id)
            if definition is None:
                definition = definitions[row.version_id] = session.get(InstrumentVersion, row.version_id).definition
            if flat_answers(definition, row.answers) != row.answers_flat:
                problems.append(integrity.SealProblem("response", row.id, "answers_flat does not match its answers"))
