"""Scoring tests use the indicator tests' small setting."""

from tests.indicators.conftest import world  # noqa: F401  (a fixture, found by name)
