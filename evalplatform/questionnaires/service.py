"""Distributions, the idempotent intake of responses, quality flags, invalidation and exports."""

from __future__ import annotations

import functools
import json
import secrets
import statistics
import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from ..audit.service import record
from ..engagements.models import Engagement
from ..engagements.service import start_fieldwork
from ..instruments import checker
from ..instruments.answers import attention_failed, respondent_clock
from ..instruments.schema import DONT_KNOW, AnswerErrors, questions
from ..instruments.service import freeze
from ..integrity import seal_values, sha256_hex
from .flat import flat_answers
from .models import DISTRIBUTION_WORKFLOW, Distribution, DistributionState, Response

STRAIGHT_LINE_MIN_ITEMS = 5
TOO_FAST_SHARE = 1 / 3  # faster than a third of the median completion time


class QuestionnaireError(Exception):
    """A refusal with a Chinese message and the HTTP status the view should answer with."""

    status = 422


class DistributionUnavailable(QuestionnaireError):
    status = 410

    def __init__(self, state: DistributionState):
        super().__init__(
            {
                DistributionState.closed: "问卷已结束，不再接受提交",
                DistributionState.not_open: "问卷尚未开放",
                DistributionState.quota_full: "本渠道样本已满，感谢您的关注",
            }[state]
        )
        self.state = state


class ResubmissionConflict(QuestionnaireError):
    status = 409

    def __init__(self):
        super().__init__("同一份答卷编号已提交过不同的内容")


class DeviceAlreadyAnswered(QuestionnaireError):
    status = 409

    def __init__(self):
        super().__init__("本设备已经提交过这份问卷，每台设备只能提交一次")


@dataclass(frozen=True)
class DistributionFields:
    name: str
    stratum: str
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    quota: int | None = None
    one_per_device: bool = False
    population: int | None = None
    sponsor: str | None = None
    contact: str | None = None


def default_sponsor(engagement) -> str:
    """受<bureau>委托，<firm>开展: the line respondents read under the title, until the evaluator edits it."""
    return f"受{engagement.bureau.name}委托，{engagement.firm.name}开展"


def create_distribution(session: Session, instrument, actor, now: datetime, fields: DistributionFields) -> Distribution:
    """A new link for the instrument's latest version, which is frozen from now on."""
    version = instrument.latest
    freeze(version, now)
    values = dict(fields.__dict__)
    if values["sponsor"] is None:  # not given (demo, API): the engagement's bureau and firm; "" means none
        values["sponsor"] = default_sponsor(session.get(Engagement, instrument.engagement_id))
    values["sponsor"], values["contact"] = values["sponsor"] or None, values["contact"] or None
    distribution = Distribution(
        engagement_id=instrument.engagement_id,
        instrument_id=instrument.id,
        version_id=version.id,
        token=secrets.token_urlsafe(12),
        created_by_id=actor.id,
        created_at=now,
        **values,
    )
    distribution.version = version
    session.add(distribution)
    session.flush()
    record(
        session,
        actor=actor,
        action="distribution.create",
        obj=distribution,
        engagement_id=instrument.engagement_id,
        details={"name": fields.name, "version": version.number},
        now=now,
    )
    start_fieldwork(session, session.get(Engagement, instrument.engagement_id), actor, now, "发放问卷")
    return distribution


def close_distribution(session: Session, distribution: Distribution, actor, now: datetime) -> None:
    """截止: closed from now on. Closing a closed distribution changes nothing (its closing time stays)."""
    state = public_state(session, distribution, now)
    if state is DistributionState.closed:
        return
    DISTRIBUTION_WORKFLOW.check(state, DistributionState.closed)
    distribution.closes_at = now
    record(
        session,
        actor=actor,
        action="distribution.close",
        obj=distribution,
        engagement_id=distribution.engagement_id,
        details={"name": distribution.name},
        now=now,
    )


def public_distribution(session: Session, token: str) -> Distribution | None:
    """One query: the distribution (its definition comes from `distributed_definition`)."""
    if not token or len(token) > 32:
        return None
    return session.scalar(select(Distribution).where(Distribution.token == token))


# A frozen version never changes (an edit makes a new version) and is never deleted (responses point to it),
# so the public page and the intake read its definition from the database once per process and database
# instead of loading and decoding the JSON document for every respondent. Callers must not modify it.
_frozen_definitions: weakref.WeakKeyDictionary[Engine, dict[int, dict]] = weakref.WeakKeyDictionary()
FROZEN_DEFINITIONS_KEPT = 1000


def distributed_definition(session: Session, distribution: Distribution) -> dict:
    definition = _frozen_definitions.get(session.get_bind(), {}).get(distribution.version_id)
    if definition is None:
        version = distribution.version
        definition = version.definition
        if version.is_frozen:
            _keep_frozen(session.get_bind(), version.id, definition)
    return definition


def frozen_definition(engine: Engine, version_id: int, read) -> dict | None:
    """As distributed_definition, by version id and without a session (the intake's fast lane; `read(sql,
    params)` gives the first row of a plain SQL read); None for a version not frozen (a channel's always is)."""
    definition = _frozen_definitions.get(engine, {}).get(version_id)
    if definition is None:
        row = read("SELECT definition, frozen_at FROM instrument_version WHERE id = %s", (version_id,))
        if row is None or row[1] is None:
            return None
        definition = _keep_frozen(engine, version_id, row[0])
    return definition


def _keep_frozen(engine: Engine, version_id: int, definition: dict) -> dict:
    kept = _frozen_definitions.setdefault(engine, {})
    if len(kept) >= FROZEN_DEFINITIONS_KEPT:
        kept.clear()
    kept[version_id] = definition
    return definition


def public_state(session: Session, distribution: Distribution, now: datetime) -> DistributionState:
    """The state a respondent meets, quota included (the count query only runs when a quota is set)."""
    state = distribution.state(now)
    if (
        state is DistributionState.open
        and distribution.quota
        and valid_count(session, distribution) >= distribution.quota
    ):
        return DistributionState.quota_full
    return state


def valid_count(session: Session, distribution: Distribution) -> int:
    return (
        session.scalar(
            select(func.count(Response.id)).where(
                Response.distribution_id == distribution.id, Response.invalid_reason.is_(None)
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Submission:
    """What a respondent's phone posts, read and normalised (public.submit and the fast lane alike)."""

    client_uuid: uuid.UUID
    answers: object
    device_token: str | None
    duration_s: int | None
    clock: object


def parse_submission(raw: bytes) -> Submission:
    """The JSON body of a submission; ValueError when it is not one. orjson decodes it (a third of the
    standard decoder's time); what orjson refuses but the standard decoder reads (NaN, very large
    integers) is decided by the standard decoder, as before."""
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        payload = json.loads(raw)
    try:
        client_uuid = uuid.UUID(str(payload["client_uuid"]))
        answers, device = payload["answers"], payload.get("device_token")
        duration, clock = payload.get("duration_s"), payload.get("clock")
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError("not a submission") from error
    device = device[:64] if isinstance(device, str) and device else None
    duration = int(duration) if isinstance(duration, (int, float)) and 0 <= duration < 10**7 else None
    return Submission(client_uuid, answers, device, duration, clock)


def payload_digest(answers: dict) -> str:
    return sha256_hex(answers)


def submit_response(
    session: Session,
    distribution: Distribution,
    client_uuid: uuid.UUID,
    answers,
    now: datetime,
    *,
    device_token: str | None = None,
    duration_s: int | None = None,
    clock: str | None = None,
) -> tuple[Response, bool]:
    """Store a respondent's answers once: (response, created). A retry with the same UUID and content
    returns the first row; other content under that UUID raises ResubmissionConflict. `clock`: the
    device's date-time when the response was queued (today() in calculations)."""
    definition = distributed_definition(session, distribution)
    clean = checker.validate(definition, answers, respondent_clock(clock, now))  # raises AnswerErrors
    digest = payload_digest(clean)
    # The common case costs one statement: the INSERT … ON CONFLICT DO NOTHING RETURNING below. The UUID is
    # looked up only when the insert finds a row already there, or before refusing (a retry of a response
    # the server already holds is answered 200 even after the distribution closed or its quota filled).
    state = public_state(session, distribution, now)
    flags, refusal = [], None
    if state is not DistributionState.open:
        refusal = DistributionUnavailable(state)
    else:
        flags = _flags(session, distribution, definition, clean, device_token)
        if distribution.one_per_device and "duplicate_device" in flags:
            refusal = DeviceAlreadyAnswered()
    if refusal is not None:
        existing = _by_uuid(session, distribution, client_uuid)
        if existing is None:
            raise refusal
        return _same_or_conflict(existing, digest), False
    values = sealed_row(
        session.get_bind(),
        (distribution.instrument_id, distribution.id, distribution.version_id),
        client_uuid,
        clean,
        digest,
        device_token=device_token,
        duration_s=duration_s,
        now=now,
        flags=flags,
        definition=definition,
    )
    dialect = session.get_bind().dialect.name
    new_id = session.connection().execute(_insert_ignoring_duplicates(dialect), values).scalar()
    if new_id is None:  # this UUID is already stored (a retry, or a concurrent request committed first)
        return _same_or_conflict(_by_uuid(session, distribution, client_uuid), digest), False
    return _persistent(session, Response(id=new_id, **values)), True


def sealed_row(
    bind,
    target: tuple[int, int, int],
    client_uuid,
    clean: dict,
    digest: str,
    *,
    device_token,
    duration_s,
    now: datetime,
    flags: list,
    definition: dict,
) -> dict:
    """A response's row as stored, with its keyed content hash (design.md §10): one shape for the full path and
    the fast lane (questionnaires.intake). `target`: (instrument id, distribution id, version id); `definition`:
    the version's, for the flat copy of the answers (questionnaires.flat; not sealed: derived from them)."""
    instrument_id, distribution_id, version_id = target
    values = dict(
        instrument_id=instrument_id,
        distribution_id=distribution_id,
        version_id=version_id,
        client_uuid=client_uuid,
        answers=clean,
        payload_sha256=digest,
        device_token=device_token,
        duration_s=duration_s,
        submitted_at=now,
        quality_flags=flags,
    )
    values["content_mac"] = seal_values(Response, bind, values)
    values["answers_flat"] = flat_answers(definition, clean)
    return values


@functools.cache
def _insert_ignoring_duplicates(dialect: str):
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the new row's id, or nothing on a duplicate. Core, not the
    ORM's bulk insert, and built once per dialect: the ORM path was an eighth of the intake's CPU time."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    table = Response.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["instrument_id", "client_uuid"]).returning(table.c.id)


def _persistent(session: Session, response: Response) -> Response:
    """The row just inserted, as a persistent object of the session (what it holds is what was written)."""
    make_transient_to_detached(response)
    session.add(response)
    return response


def _by_uuid(session: Session, distribution: Distribution, client_uuid: uuid.UUID) -> Response | None:
    return session.scalar(
        select(Response).where(
            Response.instrument_id == distribution.instrument_id, Response.client_uuid == client_uuid
        )
    )


def _same_or_conflict(existing: Response, digest: str) -> Response:
    if existing.payload_sha256 != digest:
        raise ResubmissionConflict()
    return existing


def content_flags(definition: dict, answers: dict) -> list[str]:
    """The quality flags the answers alone decide (the fast lane adds duplicate_device in SQL)."""
    flags = []
    if attention_failed(definition, answers):
        flags.append("attention_failed")
    if straight_lined(definition, answers):
        flags.append("straight_lining")
    return flags


def _flags(session, distribution, definition, answers, device_token) -> list[str]:
    flags = content_flags(definition, answers)
    if device_token and session.scalar(
        select(Response.id)
        .where(Response.distribution_id == distribution.id, Response.device_token == device_token)
        .limit(1)
    ):
        flags.append("duplicate_device")
    return flags


def straight_lined(definition: dict, answers: dict) -> bool:
    """Every item of a long matrix, or every one of many satisfaction questions, given the same answer."""
    matrices, ratings = _rated_questions(definition)
    for code in matrices:
        value = answers.get(code)
        if isinstance(value, dict) and len(value) >= STRAIGHT_LINE_MIN_ITEMS:
            if len(set(value.values()) - {DONT_KNOW}) == 1 and DONT_KNOW not in value.values():
                return True
    given = [answers[code] for code in ratings if code in answers]
    return len(given) >= 8 and len(set(given)) == 1 and given[0] != DONT_KNOW


_rated: dict[int, tuple[dict, tuple[tuple[str, ...], tuple[str, ...]]]] = {}


def _rated_questions(definition: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(matrix codes, satisfaction codes other than attention checks), once per definition object (frozen
    definitions are shared and never modified, as in instruments.form.compiled)."""
    entry = _rated.get(id(definition))
    if entry is None or entry[0] is not definition:
        if len(_rated) >= FROZEN_DEFINITIONS_KEPT:
            _rated.clear()
        listed = questions(definition)
        matrices = tuple(q["code"] for q in listed if q["type"] == "matrix")
        ratings = tuple(q["code"] for q in listed if q["type"] == "satisfaction" and not q.get("attention_check"))
        entry = _rated[id(definition)] = (definition, (matrices, ratings))
    return entry[1]


def too_fast_ids(responses: list[Response]) -> set[int]:
    return too_fast_among([r.id for r in responses], [r.duration_s for r in responses])


def too_fast_among(ids: list[int], durations: list[int | None]) -> set[int]:
    """Responses under a third of the median duration (with at least 5 durations known), on plain columns."""
    known = [d for d in durations if d]
    if len(known) < 5:
        return set()
    limit = statistics.median(known) * TOO_FAST_SHARE
    return {i for i, d in zip(ids, durations) if d and d < limit}


def mark_invalid(session: Session, response: Response, actor, now: datetime, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise QuestionnaireError("标记无效必须填写原因")
    response.invalid_reason, response.invalidated_by_id, response.invalidated_at = reason[:500], actor.id, now
    record(
        session,
        actor=actor,
        action="response.invalidate",
        obj=response,
        engagement_id=response.distribution.engagement_id,
        details={"reason": reason[:500]},
        now=now,
    )


def mark_valid(session: Session, response: Response, actor, now: datetime) -> None:
    before = response.invalid_reason
    response.invalid_reason = response.invalidated_by_id = response.invalidated_at = None
    record(
        session,
        actor=actor,
        action="response.revalidate",
        obj=response,
        engagement_id=response.distribution.engagement_id,
        details={"before": before},
        now=now,
    )


__all__ = ["AnswerErrors", "submit_response", "create_distribution", "public_distribution", "public_state"]
