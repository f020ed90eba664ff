"""Responses as tables: the export rows (labelled, codes and labels) and a pandas DataFrame for analysis."""
from __future__ import annotations

import json

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, joinedload

from ..instruments.models import Instrument, InstrumentVersion
from ..instruments.schema import answer_columns, choices_of
from .models import Distribution, Response
from .service import too_fast_among, too_fast_ids

FLAG_LABELS = {"attention_failed": "注意力检测未通过", "straight_lining": "矩阵/量表直线作答",
               "duplicate_device": "同一设备重复提交", "too_fast": "作答时间过短"}


def responses_for(session: Session, owner, distribution_id: int | None = None, stratum: str | None = None) -> list[Response]:
    """All responses of an instrument or of every instrument of an engagement, oldest first."""
    query = select(Response).join(Response.distribution).options(
        joinedload(Response.distribution), joinedload(Response.version)).order_by(Response.id)
    if isinstance(owner, Instrument):
        query = query.where(Response.instrument_id == owner.id)
    else:
        query = query.where(Distribution.engagement_id == owner.id)
    if distribution_id:
        query = query.where(Response.distribution_id == distribution_id)
    if stratum:
        query = query.where(Distribution.stratum == stratum)
    return list(session.scalars(query).unique())


def with_flags(responses: list[Response]) -> list[tuple[Response, list[str]]]:
    fast = too_fast_ids(responses)
    return [(r, list(r.quality_flags or []) + (["too_fast"] if r.id in fast else [])) for r in responses]


# Answers stored as JSON strings: extracted as text in SQL, no JSON decoding in Python.
STRING_ANSWERS = ("single_choice", "satisfaction", "matrix", "text", "date", "site")


def responses_frame(session: Session, instrument_or_engagement, *, distribution_id: int | None = None,
                    stratum: str | None = None, labels: bool = False):
    """One row per response: response_id, distribution_id, stratum, submitted_at, valid, invalid_reason,
    quality_flags, then a column per question code (matrix items as "<code>.<item>"), values as answer codes
    (lists for multiple choice). labels=True gives choice labels instead of codes.

    No ORM objects: the database extracts each answer column from the JSON (``jsonb_extract_path[_text]``
    on PostgreSQL, read through COPY; ``json_extract`` on SQLite); figures in docs/performance.md."""
    import pandas as pd

    def scoped(query):
        query = query.join(Distribution, Response.distribution_id == Distribution.id)
        if isinstance(instrument_or_engagement, Instrument):
            query = query.where(Response.instrument_id == instrument_or_engagement.id)
        else:
            query = query.where(Distribution.engagement_id == instrument_or_engagement.id)
        if distribution_id:
            query = query.where(Response.distribution_id == distribution_id)
        if stratum:
            query = query.where(Distribution.stratum == stratum)
        return query

    version_ids = scoped(select(Response.version_id).distinct())
    definitions = session.execute(select(InstrumentVersion.id, InstrumentVersion.definition)
                                  .where(InstrumentVersion.id.in_(version_ids)).order_by(InstrumentVersion.id)).all()
    columns: dict[str, tuple[dict, dict | None]] = {}
    for _version_id, definition in definitions:
        for column, question, item in answer_columns(definition):
            columns.setdefault(column, (question, item))
    postgres = session.get_bind().dialect.name == "postgresql"
    extracted = []
    for column, (question, item) in columns.items():
        path = (question["code"], item["code"]) if item else (question["code"],)
        text_value = question["type"] in STRING_ANSWERS
        if postgres:   # read through COPY as text: plain string arguments, no JSON path binding
            extracted.append((func.jsonb_extract_path_text if text_value else func.jsonb_extract_path)(
                Response.answers, *path))
        else:
            cell = Response.answers[path] if item else Response.answers[path[0]]
            extracted.append(cell.as_string() if text_value else cell)
    meta_columns = (Response.id, Response.distribution_id, Distribution.stratum, Response.submitted_at,
                    Response.invalid_reason, cast(Response.quality_flags, String), Response.duration_s)
    statement = scoped(select(*meta_columns, *extracted)).order_by(Response.id)
    json_columns = [i for i, (question, _item) in enumerate(columns.values(), start=len(meta_columns))
                    if question["type"] not in STRING_ANSWERS]
    if postgres:
        values = _copy_out(session, statement, len(meta_columns) + len(extracted), json_columns)
    else:
        rows = session.execute(statement).all()
        values = [list(column) for column in zip(*rows)] if rows else [[] for _ in range(len(meta_columns) + len(extracted))]
        for i in json_columns:
            values[i] = [_json(v) for v in values[i]]
    ids, distributions, strata, times, reasons, flags, durations = values[:len(meta_columns)]
    fast = too_fast_among(ids, durations)
    data = {"response_id": ids, "distribution_id": distributions, "stratum": strata, "submitted_at": times,
            "valid": [reason is None for reason in reasons], "invalid_reason": reasons,
            "quality_flags": [_flags(f) + (["too_fast"] if i in fast else []) for i, f in zip(ids, flags)]}
    meta = list(data)
    for (column, (question, _item)), cells in zip(columns.items(), values[len(meta_columns):]):
        data[column] = [_label(question, value) for value in cells] if labels else cells
    return pd.DataFrame(data, columns=meta + list(columns))


def _copy_out(session: Session, statement, width: int, json_columns: list[int]) -> list[list]:
    """PostgreSQL: the query through COPY … TO STDOUT (CSV) and pandas' C parser — several times faster than
    fetching rows through the driver. Same values as the row path: None for NULL, ints, aware UTC times."""
    import io

    import pandas as pd
    compiled = statement.compile(dialect=session.get_bind().dialect)
    raw = session.connection().connection.driver_connection
    buffer = io.BytesIO()
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, NULL '\\N')", compiled.params) as copy:
            for chunk in copy:
                buffer.write(chunk)
    if not buffer.tell():
        return [[] for _ in range(width)]
    buffer.seek(0)
    frame = pd.read_csv(buffer, header=None, names=range(width), dtype=str, keep_default_na=False,
                        na_values=["\\N"], encoding="utf-8")

    def plain(series) -> list:
        return series.astype(object).where(series.notna(), None).tolist()

    values = [plain(frame[i]) for i in range(width)]
    values[0] = frame[0].astype("int64").tolist()
    values[1] = frame[1].astype("int64").tolist()
    values[3] = list(pd.to_datetime(frame[3], utc=True))
    values[6] = [None if d is None else int(d) for d in values[6]]
    for i in json_columns:
        values[i] = [None if v is None else json.loads(v) for v in values[i]]
    return values


def _flags(text) -> list:
    if text is None or text == "[]":
        return []
    return list(json.loads(text)) if isinstance(text, str) else list(text)


def _json(value):
    # SQLite hands back arrays and objects under a path as JSON text; PostgreSQL as decoded values.
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def cell_value(answers: dict, question: dict, item: dict | None):
    value = answers.get(question["code"])
    if item is not None:
        return (value or {}).get(item["code"])
    return value


def _label(question, value):
    names = {c["code"]: c["label"] for c in choices_of(question)}
    if isinstance(value, list):
        return [names.get(v, v) for v in value]
    return names.get(value, value) if names and isinstance(value, str) else value


def export_table(session: Session, instrument: Instrument, distribution_id=None, stratum=None):
    """(header, rows) for XLSX/CSV: each choice answer as "code label" pair of columns, numbers stay numbers."""
    responses = with_flags(responses_for(session, instrument, distribution_id, stratum))
    columns = answer_columns(instrument.latest.definition)
    header = ["答卷ID", "答卷编号(UUID)", "渠道", "分层", "版本", "提交时间(UTC)", "用时(秒)", "有效", "无效原因", "质量标记"]
    for column, question, item in columns:
        label = question["label"] + (f" - {item['label']}" if item else "")
        header.append(f"{column} {label}")
        if choices_of(question):
            header.append(f"{column} 选项文字")
    rows = []
    for response, flags in responses:
        row = [response.id, str(response.client_uuid), response.distribution.name, response.distribution.stratum,
               response.version.number, response.submitted_at.strftime("%Y-%m-%d %H:%M:%S"), response.duration_s,
               "是" if response.valid else "否", response.invalid_reason or "",
               "；".join(FLAG_LABELS.get(f, f) for f in flags)]
        for column, question, item in columns:
            value = cell_value(response.answers, question, item)
            row.append(";".join(value) if isinstance(value, list) else value)
            if choices_of(question):
                label = _label(question, value)
                row.append(";".join(label) if isinstance(label, list) else label)
        rows.append(row)
    return header, rows
