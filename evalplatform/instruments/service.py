"""Creating instruments from scratch, a template or an import; editing makes a new version once frozen."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.service import record
from ..engagements.service import EngagementNotFound, load_owned
from .models import Instrument, InstrumentVersion
from .schema import DefinitionError, validate_definition

SURVEYS_DIR = Path(__file__).resolve().parents[2] / "surveys"


class InstrumentNotFound(EngagementNotFound):
    """Shown as 404 by the engagements error handler, like every object outside the engagement."""

    pass


def list_templates(kind: str | None = None) -> list[dict]:
    """The instrument library in surveys/: [{"name", "title", "kind", "description"}]."""
    found = []
    for path in sorted(SURVEYS_DIR.glob("*.yaml")):
        definition = load_template(path.stem)
        if kind is None or definition.get("kind", "questionnaire") == kind:
            found.append(
                {
                    "name": path.stem,
                    "title": definition["title"],
                    "kind": definition.get("kind", "questionnaire"),
                    "description": definition.get("description", ""),
                }
            )
    return found


def load_template(name: str) -> dict:
    path = SURVEYS_DIR / f"{name}.yaml"
    if "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise InstrumentNotFound(name)
    return validate_definition(yaml.safe_load(path.read_text(encoding="utf-8")))


def create_instrument(
    session: Session, engagement, actor, now: datetime, definition: dict, source: str | None = None
) -> Instrument:
    definition = validate_definition(copy.deepcopy(definition))
    instrument = Instrument(
        engagement_id=engagement.id,
        kind=definition.get("kind", "questionnaire"),
        title=definition["title"][:300],
        source=source,
        created_by_id=actor.id,
        created_at=now,
    )
    instrument.versions.append(InstrumentVersion(number=1, definition=definition, created_at=now))
    session.add(instrument)
    session.flush()
    record(
        session,
        actor=actor,
        action="instrument.create",
        obj=instrument,
        engagement_id=engagement.id,
        details={"title": instrument.title, "name": source},
        now=now,
    )
    return instrument


def save_definition(
    session: Session, instrument: Instrument, actor, now: datetime, definition: dict
) -> InstrumentVersion:
    """Replace the latest version's definition, or add a new version when the latest is frozen."""
    definition = validate_definition(copy.deepcopy(definition))
    latest = instrument.latest
    if latest.is_frozen:
        latest = InstrumentVersion(number=latest.number + 1, definition=definition, created_at=now)
        instrument.versions.append(latest)
    else:
        latest.definition = definition
    instrument.title = definition["title"][:300]
    session.flush()
    record(
        session,
        actor=actor,
        action="instrument.edit",
        obj=instrument,
        engagement_id=instrument.engagement_id,
        details={"version": latest.number},
        now=now,
    )
    return latest


def freeze(version: InstrumentVersion, now: datetime) -> None:
    if version.frozen_at is None:
        version.frozen_at = now


def load_instrument(session: Session, engagement, instrument_id: int) -> Instrument:
    return load_owned(session, Instrument, instrument_id, engagement, InstrumentNotFound)


def engagement_instruments(session: Session, engagement, kind: str | None = None) -> list[Instrument]:
    query = select(Instrument).where(Instrument.engagement_id == engagement.id).order_by(Instrument.id)
    if kind:
        query = query.where(Instrument.kind == kind)
    return list(session.scalars(query))


__all__ = ["DefinitionError", "create_instrument", "save_definition", "freeze", "list_templates", "load_template"]
