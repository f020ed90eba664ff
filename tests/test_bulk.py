"""Bulk loads (survey frames, ledger imports) pause the cycle collector and always give it back."""

import gc

import pytest

from evalplatform.bulk import cycle_collector_paused


def test_the_collector_is_off_while_loading_and_back_on_after_success_or_failure():
    seen = []

    @cycle_collector_paused
    def load(fail=False):
        seen.append(gc.isenabled())
        if fail:
            raise RuntimeError("the database went away")
        return "frame"

    assert gc.isenabled()
    assert load() == "frame" and seen == [False] and gc.isenabled()
    with pytest.raises(RuntimeError):
        load(fail=True)
    assert gc.isenabled()


def test_a_caller_that_had_paused_the_collector_keeps_it_paused():
    gc.disable()
    try:
        cycle_collector_paused(lambda: None)()
        assert not gc.isenabled()
    finally:
        gc.enable()
