"""Workflow states: each workflow declares its allowed moves once, and every change of state goes through
`Workflow.move` (or, for a state derived from other fields, `Workflow.check` before the change), which refuses
anything undeclared (tests/test_workflow.py holds the code to that)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Generic, TypeVar

State = TypeVar("State", bound=StrEnum)


class TransitionNotAllowed(Exception):
    """A move the workflow does not declare (the message names the workflow and both states)."""

    def __init__(self, workflow: str, current: StrEnum, wanted: StrEnum):
        super().__init__(f"{workflow}: {current.value} → {wanted.value}")
        self.workflow, self.current, self.wanted = workflow, current, wanted


# Called with (workflow, current, wanted) on every move; tests listen to see which moves the code makes.
_observers: list[Callable[[Workflow, StrEnum, StrEnum], None]] = []


class Workflow(Generic[State]):
    """The states of one kind of object (an enum) and the moves between them, declared once."""

    def __init__(
        self,
        name: str,
        states: type[State],
        transitions: Mapping[State, frozenset[State] | set[State]],
        attribute: str = "status",
    ):
        missing = set(states) - set(transitions)
        if missing:
            raise ValueError(f"{name}: no transitions declared from {sorted(missing)}")
        self.name, self.states, self.attribute = name, states, attribute
        self.transitions: dict[State, frozenset[State]] = {s: frozenset(t) for s, t in transitions.items()}

    def state_of(self, obj: Any) -> State:
        # Columns kept as plain strings load as str; the enum's value is what is stored either way.
        return self.states(getattr(obj, self.attribute))

    def allowed(self, current: State | str) -> frozenset[State]:
        return self.transitions[self.states(current)]

    def can_move(self, current: State | str, wanted: State | str) -> bool:
        return self.states(wanted) in self.allowed(current)

    def check(self, current: State | str, wanted: State | str) -> State:
        """The move from `current` to `wanted`, refused unless declared; returns `wanted`. `move` asks it; a state
        derived from other fields (a distribution's, from its dates) asks it before the caller changes them."""
        current, wanted = self.states(current), self.states(wanted)
        if wanted not in self.transitions[current]:
            raise TransitionNotAllowed(self.name, current, wanted)
        for observer in _observers:
            observer(self, current, wanted)
        return wanted

    def move(self, obj: Any, wanted: State | str) -> State:
        """Set the object's state to `wanted` if the workflow allows it; returns the previous state."""
        current = self.state_of(obj)
        setattr(obj, self.attribute, self.check(current, wanted))
        return current

    def pairs(self) -> set[tuple[State, State]]:
        """Every declared move as (from, to)."""
        return {(a, b) for a, targets in self.transitions.items() for b in targets}
