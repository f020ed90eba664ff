"""Responses as tables: the export rows (labelled, codes and labels) and a pandas DataFrame for analysis."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from ..instruments.models import Instrument
from ..instruments.schema import answer_columns, choices_of
from .models import Distribution, Response
from .service import too_fast_ids

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


def responses_frame(session: Session, instrument_or_engagement, *, distribution_id: int | None = None,
                    stratum: str | None = None, labels: bool = False):
    """One row per response: response_id, distribution_id, stratum, submitted_at, valid, invalid_reason,
    quality_flags, then a column per question code (matrix items as "<code>.<item>"), values as answer codes
    (lists for multiple choice). labels=True gives choice labels instead of codes."""
    import pandas as pd
    responses = responses_for(session, instrument_or_engagement, distribution_id, stratum)
    flagged = with_flags(responses)
    meta = ["response_id", "distribution_id", "stratum", "submitted_at", "valid", "invalid_reason", "quality_flags"]
    columns_by_version: dict[int, list] = {}
    rows, order = [], []
    for response, flags in flagged:
        columns = columns_by_version.setdefault(response.version_id, answer_columns(response.version.definition))
        row = {"response_id": response.id, "distribution_id": response.distribution_id,
               "stratum": response.distribution.stratum, "submitted_at": response.submitted_at,
               "valid": response.valid, "invalid_reason": response.invalid_reason, "quality_flags": flags}
        for column, question, item in columns:
            if column not in order:
                order.append(column)
            value = cell_value(response.answers, question, item)
            row[column] = _label(question, value) if labels else value
        rows.append(row)
    return pd.DataFrame(rows, columns=meta + order)


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
