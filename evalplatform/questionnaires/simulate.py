"""Simulated respondents for the demo and for tests of later stages (analysis): plausible, reproducible."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from ..instruments.form import compiled
from ..instruments.schema import choices_of
from .service import submit_response


def simulated_answers(definition: dict, rng: random.Random, mood: float = 0.75) -> dict:
    """Answers that follow the skip logic; `mood` is the chance of a favourable satisfaction answer."""
    values: dict = {}
    form = compiled(definition)
    for code in form.order:
        q = form.by_code[code]
        if q["type"] in ("note", "calculate") or not form.relevant(code, values):
            continue
        value = _answer(q, rng, mood)
        if value is not None:
            values[code] = value
    return values


def _answer(q: dict, rng: random.Random, mood: float):
    kind = q["type"]
    if q.get("attention_check"):
        return q["attention_check"]["expected"] if rng.random() > 0.04 else rng.choice(["5", "3"])
    if kind == "satisfaction":
        if rng.random() < 0.05:
            return "dk"
        return rng.choice(["5", "4"]) if rng.random() < mood else rng.choice(["3", "3", "2", "1"])
    if kind in ("single_choice", "site"):
        codes = [c["code"] for c in choices_of(q)]
        if q["code"] == "aware":
            return codes[0] if rng.random() < 0.85 else codes[-1]
        return rng.choice(codes) if codes else None
    if kind == "multiple_choice":
        codes = [c["code"] for c in choices_of(q)]
        return sorted(rng.sample(codes, rng.randint(1, min(2, len(codes)))), key=codes.index)
    if kind == "matrix":
        return {i["code"]: rng.choice(["5", "4", "4", "3", "2"]) for i in q.get("items", [])}
    if kind in ("integer", "rating"):
        return rng.randint(q.get("min", 0), q.get("max", 10))
    if kind == "text":
        return rng.choice(["", "", "", "希望加强后期养护", "建议增设路灯和减速带", "总体不错"]) or None
    return None


def simulate_responses(
    session, distribution, count: int, start: datetime, rng: random.Random, mood: float = 0.75
) -> int:
    """Submit `count` responses over the days after `start` through the real intake; returns how many stored."""
    definition = distribution.version.definition
    for n in range(count):
        answers = simulated_answers(definition, rng, mood)
        when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 10))
        submit_response(
            session,
            distribution,
            uuid.UUID(int=rng.getrandbits(128)),
            answers,
            when,
            device_token=f"sim-{distribution.id}-{n}",
            duration_s=max(20, int(rng.gauss(300, 90))),
        )
    return count
