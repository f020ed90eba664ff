"""Canonical JSON: the fast encoder writes exactly the bytes of the reference one, or hands over to it."""

import enum
import hashlib
import hmac
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from evalplatform.integrity import canonical_bytes, canonical_json, keyed_hash, sha256_hex

KEY = b"k" * 32


class Colour(enum.Enum):
    RED = "red"


class Text(str):
    pass


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(min_value=-1e-3, max_value=1e-3)
    | st.text()
    | st.sampled_from(
        [
            Decimal("1.50"),
            datetime(2026, 12, 5, 3, 20, tzinfo=timezone.utc),
            date(2026, 12, 5),
            uuid.UUID(int=7),
            Colour.RED,
            Text("子类"),
            {1, 2},
            1e-5,
            -1e-7,
            1e16,
            5e-324,
        ]
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.tuples(inner, inner) | st.dictionaries(st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=1500, deadline=None)
@given(VALUES)
def test_canonical_bytes_are_canonical_json_byte_for_byte(value):
    assert canonical_bytes(value) == canonical_json(value).encode("utf-8")


def test_what_orjson_would_write_otherwise_is_written_as_canonical_json():
    awkward = {
        "small": [1e-5, 9.99e-5, 1e-7, float("nan"), float("inf")],
        "big": 2**64,
        "when": datetime(2026, 12, 5, tzinfo=timezone.utc),
        "money": Decimal("1.50"),
        "enum": Colour.RED,
    }
    for name, value in awkward.items():
        assert canonical_bytes({name: value}) == canonical_json({name: value}).encode("utf-8")
    assert canonical_bytes({1: "a"}) == b'{"1":"a"}'


def test_hashes_are_over_the_canonical_bytes():
    answers = {"sat01": "5", "minutes": 12.5, "uses": ["bus", "walk"], "age": 40, "advice": "希望加装路灯"}
    text = canonical_json(answers)
    assert sha256_hex(answers) == hashlib.sha256(text.encode()).hexdigest()
    assert keyed_hash(KEY, answers) == hmac.new(KEY, text.encode(), "sha256").hexdigest()
