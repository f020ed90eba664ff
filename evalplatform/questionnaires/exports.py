"""Responses as tables: the export rows (labelled, codes and labels) and a pandas DataFrame for analysis."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, String, cast, func, select
from sqlalchemy.orm import Session, joinedload

from .. import formatting as fmt
from ..bulk import cycle_collector_paused
from ..instruments.models import Instrument, InstrumentVersion
from ..instruments.schema import answer_columns, choices_of
from .flat import EMPTY, SEPARATOR, STRING_ANSWERS, flat_columns
from .models import Distribution, Response
from .service import too_fast_among, too_fast_ids

FLAG_LABELS = {
    "attention_failed": "注意力检测未通过",
    "straight_lining": "矩阵/量表直线作答",
    "duplicate_device": "同一设备重复提交",
    "too_fast": "作答时间过短",
}


def responses_for(
    session: Session, owner, distribution_id: int | None = None, stratum: str | None = None
) -> list[Response]:
    """All responses of an instrument or of every instrument of an engagement, oldest first."""
    query = (
        _scoped(select(Response), owner, distribution_id, stratum)
        .options(joinedload(Response.distribution), joinedload(Response.version))
        .order_by(Response.id)
    )
    return list(session.scalars(query).unique())


def _scoped(query, owner, distribution_id: int | None, stratum: str | None, channel: bool = False):
    """Responses of an instrument, or of every instrument of an engagement, optionally one channel or stratum.
    The channel is joined only when the engagement, the stratum or `channel` asks for it: every response has one (a
    foreign key), and without statistics PostgreSQL scanned the responses once per channel for the join
    (half of the flat load's 0.2 s at 100,000 responses in 8 channels)."""
    if channel or stratum or not isinstance(owner, Instrument):
        query = query.join(Distribution, Response.distribution_id == Distribution.id)
    if isinstance(owner, Instrument):
        query = query.where(Response.instrument_id == owner.id)
    else:
        query = query.where(Distribution.engagement_id == owner.id)
    if distribution_id:
        query = query.where(Response.distribution_id == distribution_id)
    if stratum:
        query = query.where(Distribution.stratum == stratum)
    return query


def with_flags(responses: list[Response]) -> list[tuple[Response, list[str]]]:
    fast = too_fast_ids(responses)
    return [(r, list(r.quality_flags or []) + (["too_fast"] if r.id in fast else [])) for r in responses]


# Answers stored as JSON strings (flat.STRING_ANSWERS): extracted as text in SQL, no JSON decoding in Python.


@cycle_collector_paused
def responses_frame(
    session: Session,
    instrument_or_engagement,
    *,
    distribution_id: int | None = None,
    stratum: str | None = None,
    labels: bool = False,
    only: set[str] | None = None,
    levels: dict[str, dict[str, float]] | None = None,
    quality: bool = True,
    flat: bool = True,
):
    """One row per response: response_id, distribution_id, stratum, submitted_at, valid, invalid_reason,
    quality_flags, then a column per question code (matrix items as "<code>.<item>"), values as answer codes
    (lists for multiple choice). labels=True gives choice labels instead of codes; `only` limits the answer
    columns to those codes (the meta columns are always there). `levels` (column → {answer code: level},
    the analysis' satisfaction items): on PostgreSQL those columns come as float levels (NaN for no or
    another answer), their codes sent packed and mapped in numpy (see _unpack_levels); elsewhere, or with a
    code longer than CODE_BYTES, they stay codes (analysis.sources maps either). quality=False leaves out
    quality_flags (the analysis does not read them) and does not fetch the durations behind "too_fast".
    flat=False reads every answer from the JSON document (see below).

    No ORM objects. On PostgreSQL the string answers (choices, satisfaction, matrix items, texts, dates,
    sites) come from each response's flat copy (response.answers_flat, questionnaires.flat): one string_agg per
    version, cut in numpy (see _flat_from_postgres); the other answers are extracted from the JSON
    (``jsonb_extract_path``) and aggregated per column with json_agg. Where a flat copy is missing, or a
    column's type differs between versions, every answer is extracted from the JSON, as before 0016
    (``jsonb_extract_path_text``; satisfaction codes packed, see PackedCodes). On SQLite ``json_extract`` per
    answer. Figures in docs/performance.md."""

    def scoped(query, channel=False):
        return _scoped(query, instrument_or_engagement, distribution_id, stratum, channel)

    def from_json(**options):  # the same frame read again from the JSON answers (the fallbacks below)
        return responses_frame.__wrapped__(
            session,
            instrument_or_engagement,
            distribution_id=distribution_id,
            stratum=stratum,
            labels=labels,
            only=only,
            quality=quality,
            flat=False,
            **options,
        )

    version_ids = scoped(select(Response.version_id).distinct())
    definitions = session.execute(
        select(InstrumentVersion.id, InstrumentVersion.definition)
        .where(InstrumentVersion.id.in_(version_ids))
        .order_by(InstrumentVersion.id)
    ).all()
    columns: dict[str, tuple[dict, dict | None]] = {}
    for _version_id, definition in definitions:
        for column, question, item in answer_columns(definition):
            if only is None or column in only:
                columns.setdefault(column, (question, item))
    answer_order = list(columns)
    postgres = session.get_bind().dialect.name == "postgresql"
    layouts = _flat_layouts(definitions, columns) if postgres and flat else None
    from_flat: dict[str, tuple[dict, dict | None]] = {}
    if layouts is not None:  # the string columns come from the flat copies, levels mapped as packed codes are
        strings = [column for column, (question, _item) in columns.items() if question["type"] in STRING_ANSWERS]
        from_flat = {column: columns.pop(column) for column in strings}
    packed = {
        column: mapping
        for column, mapping in (levels or {}).items()
        if postgres and column in columns | from_flat and not labels and _packable(mapping)
    }
    packed_columns = {column: columns.pop(column) for column in packed if column in columns}
    extracted = []
    for _column, (question, item) in columns.items():
        path = (question["code"], item["code"]) if item else (question["code"],)
        text_value = question["type"] in STRING_ANSWERS
        if postgres:  # plain string arguments (no JSON path binding), aggregated with json_agg below
            extracted.append(
                (func.jsonb_extract_path_text if text_value else func.jsonb_extract_path)(Response.answers, *path)
            )
        else:
            cell = Response.answers[path] if item else Response.answers[path[0]]
            extracted.append(cell.as_string() if text_value else cell)
    level_columns = {}
    if postgres:  # the stratum is the channel's: looked up once per channel, not sent once per response
        flags = [Response.quality_flags, Response.duration_s] if quality else []
        meta_and_extracted = [
            Response.id,
            Response.distribution_id,
            Response.submitted_at,
            Response.invalid_reason,
            *flags,
            *extracted,
        ]
        if layouts is not None:
            found = _flat_from_postgres(
                session, scoped, meta_and_extracted[3:], layouts, {column: packed.get(column) for column in from_flat}
            )
            if found is None:  # a response without its flat copy: everything from the JSON
                return from_json(levels=levels)
            values, level_columns = found
            if labels:
                for column, (question, _item) in from_flat.items():
                    level_columns[column] = [_label(question, value) for value in level_columns[column]]
        else:
            values = _columns_from_postgres(
                session, scoped, meta_and_extracted, _packed_codes(packed_columns), list(packed.values())
            )
        if packed and layouts is None:
            unpacked = values.pop()
            if unpacked is None:  # an answer held the separator: these items come as codes instead
                return from_json()
            level_columns = dict(zip(packed, unpacked))
        values.insert(2, _strata(session, values[1]))
    else:
        flags = [cast(Response.quality_flags, String), Response.duration_s] if quality else []
        meta_columns = [
            Response.id,
            Response.distribution_id,
            Distribution.stratum,
            Response.submitted_at,
            Response.invalid_reason,
            *flags,
        ]
        rows = session.execute(scoped(select(*meta_columns, *extracted), channel=True).order_by(Response.id)).all()
        values = [list(column) for column in zip(*rows)] if rows else [[] for _ in [*meta_columns, *extracted]]
        for i, (question, _item) in enumerate(columns.values(), start=len(meta_columns)):
            if question["type"] not in STRING_ANSWERS:
                values[i] = [_json(v) for v in values[i]]
    meta_width = 7 if quality else 5
    ids, distributions, strata, times, reasons = values[:5]
    data = {
        "response_id": ids,
        "distribution_id": distributions,
        "stratum": strata,
        "submitted_at": times,
        "valid": np.fromiter((reason is None for reason in reasons), dtype=bool, count=len(reasons)),
        "invalid_reason": reasons,
    }
    if quality:
        flags, durations = values[5:7]
        fast = too_fast_among(ids, durations)
        data["quality_flags"] = [_flags(f) + (["too_fast"] if i in fast else []) for i, f in zip(ids, flags)]
    meta = list(data)
    for (column, (question, _item)), cells in zip(columns.items(), values[meta_width:]):
        data[column] = [_label(question, value) for value in cells] if labels else cells
    data.update(level_columns)
    order = [c for c in answer_order if c in data]
    return pd.DataFrame(data, columns=meta + order)


def _flat_layouts(definitions, columns: dict) -> dict[int, list[str | None]] | None:
    """Each version's flat columns (flat.flat_columns) as the wanted column at each position (None: not
    wanted); None when a column holds strings in one version and not in another (read from the JSON then)."""
    layouts = {}
    for version_id, definition in definitions:
        for column, question, _item in answer_columns(definition):
            wanted = columns.get(column)
            if wanted is not None and (question["type"] in STRING_ANSWERS) != (wanted[0]["type"] in STRING_ANSWERS):
                return None
        layouts[version_id] = [column if column in columns else None for column in flat_columns(definition)]
    return layouts


def _flat_from_postgres(session: Session, scoped, others: list, layouts: dict, wanted: dict):
    """PostgreSQL: the response ids, channel ids and submission times (as _columns_from_postgres gives them,
    in id order), then `others` (json_agg arrays), and the `wanted` columns from the flat copies: {column: its
    float levels (wanted[column], code → level) or its strings}. The ids, channels, times (epoch µs) and
    versions come as one string of numbers, each version's flat copies as one string_agg (its responses'
    fields joined by the separator), both cut in numpy. None when a response has no flat copy or a copy does
    not cut into its version's fields (the caller reads the JSON instead)."""
    versions = [v for v, layout in layouts.items() if any(c is not None for c in layout)]
    several = len(layouts) > 1  # the rows of each version are found by their version id
    numbers = [
        Response.id,
        Response.distribution_id,
        cast(func.extract("epoch", Response.submitted_at) * 1_000_000, BigInteger),
        *([Response.version_id] if several else []),
    ]
    selected = [column.label(f"c{i}") for i, column in enumerate(others)]
    inner = scoped(
        select(
            func.concat_ws(",", *numbers).label("numbers"),
            *selected,
            Response.answers_flat.label("flat"),
            Response.version_id.label("version"),
        )
    ).subquery()
    aggregates = [func.string_agg(inner.c.numbers, ","), func.count() - func.count(inner.c.flat)]
    aggregates += [func.json_agg(inner.c[f"c{i}"]) for i in range(len(others))]
    for version_id in versions:  # in the scan's order, as every other aggregate
        packed = func.string_agg(inner.c.flat, SEPARATOR)
        aggregates.append(packed.filter(inner.c.version == version_id) if several else packed)
    row = session.execute(select(*aggregates)).one()
    if row[0] is None:  # no responses
        return [[] for _ in range(3 + len(others))], {
            column: np.empty(0) if mapping is not None else [] for column, mapping in wanted.items()
        }
    if row[1]:
        return None
    table = np.fromstring(row[0], dtype=np.int64, sep=",").reshape(-1, len(numbers))
    count = len(table)
    values = [*table[:, :3].T, *row[2 : 2 + len(others)]]  # json_agg arrays arrive as lists
    found = {
        column: np.full(count, np.nan) if mapping is not None else np.full(count, None, dtype=object)
        for column, mapping in wanted.items()
    }
    for version_id, text in zip(versions, row[2 + len(others) :]):
        at = np.flatnonzero(table[:, 3] == version_id) if several else slice(None)
        rows = len(at) if several else count
        if not rows:
            continue
        layout = layouts[version_id]
        fields = _Fields.cut(text, rows, len(layout))
        if fields is None:
            return None
        for position, column in enumerate(layout):
            if column is None:
                continue
            mapping = wanted[column]
            found[column][at] = fields.levels(position, mapping) if mapping is not None else fields.texts(position)
    ids = values[0]
    if (ids[1:] < ids[:-1]).any():  # not in id order: put every column in it
        order = np.argsort(ids, kind="stable")
        values = [v[order] if isinstance(v, np.ndarray) else [v[i] for i in order.tolist()] for v in values]
        found = {column: cells[order] for column, cells in found.items()}
    values[2] = pd.DatetimeIndex(values[2].astype("datetime64[us]")).tz_localize("UTC")  # as from ISO texts
    return values, {column: cells if wanted[column] is not None else cells.tolist() for column, cells in found.items()}


@dataclass(frozen=True)
class _Fields:
    """A string of rows × width fields, each ended by SEPARATOR (string_agg's, plus a closing one), as its
    UTF-8 bytes, the positions of its separators and each field's key (_field_keys), rows × width."""

    raw: bytes
    ends: np.ndarray
    keys: np.ndarray

    @classmethod
    def cut(cls, text: str, rows: int, width: int) -> _Fields | None:
        """None if the separators do not cut `text` into rows × width fields."""
        # A closing separator, then padding so that reading CODE_BYTES past any field's start stays in bounds.
        raw = (text + SEPARATOR + "\0" * CODE_BYTES).encode()
        data = np.frombuffer(raw, dtype=np.uint8)
        ends = np.flatnonzero(data == ord(SEPARATOR))
        if len(ends) != rows * width:
            return None
        return cls(raw, ends, _field_keys(data, ends).reshape(rows, width))

    def levels(self, position: int, mapping: dict[str, float]) -> np.ndarray:
        """Every row's field at `position` as its level (mapping: code → level), NaN for no or another code."""
        return _level_table(tuple(mapping.items()))[self.keys[:, position]]

    def texts(self, position: int) -> np.ndarray:
        """Every row's field at `position` as a str (EMPTY: ""), None where it is empty (no answer). Fields of
        up to CODE_BYTES bytes (choice codes, mostly) are decoded once per distinct key, longer ones each."""
        keys = self.keys[:, position]
        cells = np.full(len(keys), None, dtype=object)
        lengths = keys >> (8 * CODE_BYTES)
        short = np.flatnonzero((lengths > 0) & (lengths <= CODE_BYTES))
        if len(short):
            distinct, inverse = np.unique(keys[short], return_inverse=True)
            texts = np.array([_key_text(key) for key in distinct.tolist()] + [None], dtype=object)[:-1]
            cells[short] = texts[inverse]
        width = self.keys.shape[1]
        raw, ends = self.raw, self.ends
        for row in np.flatnonzero(lengths > CODE_BYTES).tolist():
            field = row * width + position
            cells[row] = raw[ends[field - 1] + 1 if field else 0 : ends[field]].decode()
        return cells


def _field_keys(data: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Each field's key (see _code_key; longer than CODE_BYTES: its first bytes under length CODE_BYTES + 1)
    from the bytes and the positions of the separators that end the fields."""
    keys = np.empty(len(ends), dtype=np.int32)
    for low in range(0, len(ends), UNPACK_CHUNK):  # in chunks: small temporaries stay in cache, no page faults
        chunk = ends[low : low + UNPACK_CHUNK]
        starts = np.empty_like(chunk)
        starts[0] = ends[low - 1] + 1 if low else 0
        starts[1:] = chunk[:-1] + 1
        lengths = chunk - starts
        key = np.minimum(lengths, CODE_BYTES + 1)  # longer than any packed code: a slot of its own, no level
        for offset in range(CODE_BYTES):
            key = key << 8 | np.where(offset < lengths, data[starts + offset], 0)
        keys[low : low + UNPACK_CHUNK] = key
    return keys


def _key_text(key: int) -> str:
    """The field of a key of at most CODE_BYTES bytes (_code_key's inverse); EMPTY is the empty string."""
    length = key >> (8 * CODE_BYTES)
    text = (key & ((1 << (8 * CODE_BYTES)) - 1)).to_bytes(CODE_BYTES, "big")[:length].decode()
    return "" if text == EMPTY else text


@functools.lru_cache(maxsize=64)
def _level_table(mapping: tuple[tuple[str, float], ...]) -> np.ndarray:
    """code key (_code_key) → level, NaN elsewhere. Read only."""
    table = np.full((CODE_BYTES + 2) << (8 * CODE_BYTES), np.nan)
    for code, level in mapping:
        table[_code_key(code)] = level
    table.flags.writeable = False
    return table


def _strata(session: Session, distribution_ids) -> np.ndarray:
    """Each response's stratum from its channel's, as an object array (one str object per channel)."""
    present = np.unique(np.asarray(distribution_ids, dtype=np.int64))
    channels = session.execute(
        select(Distribution.id, Distribution.stratum).where(Distribution.id.in_(present.tolist()))
    ).all()
    names = np.array([name for _id, name in channels] + [None], dtype=object)
    found = pd.Index([channel_id for channel_id, _name in channels]).get_indexer(distribution_ids)
    return names[found]  # −1 (no such channel, cannot happen with the foreign key) → the last, None


# Satisfaction answers travel packed: a response's items as their raw codes joined by SEPARATOR, and all
# responses' strings joined by it too in one string_agg. 100,000 × 30 items arrive as one 6 MB string that
# numpy cuts at the separators and maps through a lookup table keyed by the code's bytes: no CASE per item in
# SQL (it was a quarter of the query) and no Python string per answer. Codes of up to CODE_BYTES bytes are
# packed (the standard "5"…"1" and "dk"); an item with a longer code comes as codes (json_agg) instead.
# SEPARATOR (flat.SEPARATOR, the ASCII unit separator): an answer containing it makes the count wrong: unpacked
# as codes.
CODE_BYTES = 2  # a code's key: its length in bytes, then its bytes (one table slot per short code)
UNPACK_CHUNK = 1 << 16


def _packable(mapping: dict[str, float]) -> bool:
    return bool(mapping) and all(0 < len(code.encode()) <= CODE_BYTES and SEPARATOR not in code for code in mapping)


@dataclass(frozen=True)
class PackedCodes:
    """A response's packed codes in two steps: `inner`, the columns a subquery reads from the answers once per
    response (each matrix's object, each single item's text), and `cells`, the (inner label, item code or
    None) that the outer query joins. Taking a matrix's object once and each item from it costs PostgreSQL
    0.29 s at 100,000 × 30 against 0.42 s for a full path per item."""

    inner: tuple
    cells: tuple[tuple[str, str | None], ...]

    def expression(self, subquery):
        """The packed string of one row of `subquery` ('' for no answer)."""
        return func.concat_ws(
            SEPARATOR,
            *(
                func.coalesce(func.jsonb_extract_path_text(subquery.c[label], code) if code else subquery.c[label], "")
                for label, code in self.cells
            ),
        )


def _packed_codes(columns: dict[str, tuple[dict, dict | None]]) -> PackedCodes | None:
    """The packed codes of `columns` (see PackedCodes), None when there is nothing to pack."""
    if not columns:
        return None
    labels: dict[tuple[str, bool], str] = {}
    inner, cells = [], []
    for question, item in columns.values():
        key = (question["code"], item is not None)
        label = labels.get(key)
        if label is None:  # labels by position: question codes are the form author's, not SQL names
            label = labels[key] = f"p{len(labels)}"
            extract = func.jsonb_extract_path if item else func.jsonb_extract_path_text
            inner.append(extract(Response.answers, question["code"]).label(label))
        cells.append((label, item["code"] if item else None))
    return PackedCodes(tuple(inner), tuple(cells))


def _code_key(code: str) -> int:
    data = code.encode()
    return functools.reduce(lambda key, byte: key << 8 | byte, data.ljust(CODE_BYTES, b"\0"), len(data))


def _unpack_levels(text: str, rows: int, levels: list[dict[str, float]]) -> list[np.ndarray] | None:
    """The string_agg of _packed_codes (`rows` responses) → one float array per item, its level or NaN where
    there is none (no answer, another code); None if the separators do not cut it into rows × items."""
    width = len(levels)
    # A closing separator, then padding so that reading CODE_BYTES past any field's start stays in bounds.
    data = np.frombuffer((text + SEPARATOR + "\0" * CODE_BYTES).encode(), dtype=np.uint8)
    ends = np.flatnonzero(data == ord(SEPARATOR))
    if len(ends) != rows * width:
        return None
    keys = _field_keys(data, ends).reshape(rows, width)
    return [_level_table(tuple(mapping.items()))[keys[:, column]] for column, mapping in enumerate(levels)]


def _columns_from_postgres(session: Session, scoped, columns: list, packed=None, levels=()) -> list:
    """PostgreSQL: one row of json_agg arrays, one per column, decoded by the C JSON parser — no per-row
    driver or ORM work. Same values as the row path: None for NULL, ints, lists, aware UTC times (the third
    column, the submission times, as a DatetimeIndex). With `packed` (see _packed_codes; `levels`, each item's
    code → level) one more entry at the end: the list of level arrays (None if they could not be unpacked)."""
    # One scan and no sort: every aggregate sees the rows in the same order, so the arrays stay aligned, and
    # they are put in id order here if the scan did not give it (a sort in SQL spilled to disk at 100,000).
    selected = [column.label(f"c{i}") for i, column in enumerate(columns)]
    query = scoped(select(*selected, *(packed.inner if packed is not None else ())))
    # OFFSET 0 keeps the subquery as it is: inlined, PostgreSQL would take a matrix's object again per item.
    inner = (query.offset(0) if packed is not None else query).subquery()
    aggregates = [func.json_agg(inner.c[f"c{i}"]) for i in range(len(columns))]
    if packed is not None:
        aggregates.append(func.string_agg(packed.expression(inner), SEPARATOR))
    row = session.execute(select(*aggregates)).one()
    if row[0] is None:  # no responses
        return [[] for _ in columns] + ([[[] for _ in levels]] if packed is not None else [])
    values = [list(v) for v in row[: len(columns)]]
    unpacked = _unpack_levels(row[-1], len(values[0]), levels) if packed is not None else None
    ids = np.asarray(values[0])
    if (ids[1:] < ids[:-1]).any():  # not in id order: put every column in it
        order = np.argsort(ids, kind="stable")
        values = [[v[i] for i in order.tolist()] for v in values]
        unpacked = [column[order] for column in unpacked] if unpacked is not None else None
    values[2] = pd.DatetimeIndex(pd.to_datetime(values[2], utc=True, format="ISO8601"))  # no per-row objects
    if packed is not None:
        values.append(unpacked)
    return values  # jsonb cells arrive decoded, text cells as strings


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
    header = [
        "答卷ID",
        "答卷编号(UUID)",
        "渠道",
        "分层",
        "版本",
        "提交时间（北京时间）" if fmt.timezone_name() == fmt.DEFAULT_TIMEZONE else f"提交时间（{fmt.timezone_name()}）",
        "用时(秒)",
        "有效",
        "无效原因",
        "质量标记",
    ]
    for column, question, item in columns:
        label = question["label"] + (f" - {item['label']}" if item else "")
        header.append(f"{column} {label}")
        if choices_of(question):
            header.append(f"{column} 选项文字")
    rows = []
    for response, flags in responses:
        row = [
            response.id,
            str(response.client_uuid),
            response.distribution.name,
            response.distribution.stratum,
            response.version.number,
            fmt.date_time(response.submitted_at, seconds=True),
            response.duration_s,
            "是" if response.valid else "否",
            response.invalid_reason or "",
            "；".join(FLAG_LABELS.get(f, f) for f in flags),
        ]
        for _column, question, item in columns:
            value = cell_value(response.answers, question, item)
            row.append(";".join(value) if isinstance(value, list) else value)
            if choices_of(question):
                label = _label(question, value)
                row.append(";".join(label) if isinstance(label, list) else label)
        rows.append(row)
    return header, rows
