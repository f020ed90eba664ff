"""`evalplatform verify-audit`: the audit chains (keyed), their anchors, and every sealed row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from . import integrity
from . import models as _all_models  # noqa: F401 - registers every sealed model
from .audit.service import Anchor, ChainReport, verify_chains


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
    return Verification(chains, checked, problems)
