"""Helpers for work on many rows at once (survey frames, imported ledgers)."""

from __future__ import annotations

import functools
import gc


def cycle_collector_paused(function):
    """Run `function` with Python's cycle collector paused, then resume it.

    Building 100,000 rows creates millions of small acyclic objects (decoded cells, row dicts, Decimals), and
    the collector would walk the growing heap again and again: a third of a 100k survey load, a tenth of a
    100k ledger import (docs/performance.md). Reference counting still frees everything. A caller that had
    paused the collector itself keeps it paused."""

    @functools.wraps(function)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused
