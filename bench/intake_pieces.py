"""In-process timings of the survey intake's request-thread work, piece by piece, for one 30-answer response
of bench/load.py's questionnaire (no server, no database: steady figures on a busy machine).

Run: .venv/bin/python bench/intake_pieces.py
Prints the best of 5 repeats of 2,000 calls, in microseconds per call, for: parsing the body, validating
the answers, the content quality flags, the canonical encoding with its SHA-256, the keyed seal
(service.sealed_row), and all of it as the fast lane does it (intake.row_for: the Row handed to the writer).
"""

from __future__ import annotations

import json
import random
import timeit
import uuid
from datetime import datetime, timezone

from _support import survey_answers, survey_definition
from sqlalchemy import create_engine

from evalplatform.instruments.answers import respondent_clock
from evalplatform.instruments.checker import validate as validate_answers
from evalplatform.integrity import bind_key, canonical_bytes, sha256_of_canonical
from evalplatform.questionnaires import intake
from evalplatform.questionnaires.service import content_flags, parse_submission, sealed_row


def main() -> None:
    engine = create_engine("sqlite://")
    bind_key(engine, "k" * 64)
    definition = survey_definition()
    body = json.dumps(
        {"client_uuid": str(uuid.uuid4()), "answers": survey_answers(random.Random(7)), "duration_s": 300},
        ensure_ascii=False,
    ).encode()
    now = datetime.now(timezone.utc)
    submission = parse_submission(body)
    clock = respondent_clock(submission.clock, now)
    clean = validate_answers(definition, submission.answers, clock)
    digest = sha256_of_canonical(canonical_bytes(clean))
    flags = content_flags(definition, clean)
    pieces = {
        "parse": lambda: parse_submission(body),
        "validate": lambda: validate_answers(definition, submission.answers, clock),
        "flags": lambda: content_flags(definition, clean),
        "encode + digest": lambda: sha256_of_canonical(canonical_bytes(clean)),
        "seal (sealed_row)": lambda: sealed_row(
            engine,
            (1, 2, 3),
            submission.client_uuid,
            clean,
            digest,
            device_token=None,
            duration_s=300,
            now=now,
            flags=flags,
            definition=definition,
        ),
        "all (parse + intake.row_for)": lambda: intake.row_for(
            engine, (2, 1, 3), definition, parse_submission(body), now
        ),
    }
    for name, piece in pieces.items():
        best = min(timeit.Timer(piece).repeat(5, 2000)) / 2000
        print(f"{name:30} {best * 1e6:8.1f} µs")


if __name__ == "__main__":
    main()
