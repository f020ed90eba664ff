"""A definition compiled for answering: every question's relevance chain, the evaluation order, the pages.

One compiled form per definition object (the frozen ones are shared by every respondent; see `compiled`).
The respondent page receives `plan()` so the browser walks the same order with the same chains.

Relevance of a question = its section's `relevant`, every enclosing group's `relevant` (outermost first) and
its own. Values are computed in dependency order (a question after every question its relevance, calculation,
default or choice filter reads; document order among equals), so a calculation may use a later question, as
in ODK. A question that is not relevant has no value, and an answer sent for it is dropped.
"""

from __future__ import annotations

import functools
import heapq
import threading

from . import expr
from .schema import SATISFACTION_CHOICES

HIDDEN_TYPES = ("calculate",)  # no widget: a page of only these is never shown


class CycleError(ValueError):
    def __init__(self, codes: list[str]):
        super().__init__("、".join(codes))
        self.codes = codes


def _refs(text, names: bool = False) -> set[str]:
    if text in (None, "", True, False) or not isinstance(text, str):
        return set()
    return expr.references(expr.parsed(text, names))


def is_expression(default) -> bool:
    """A `default` that is computed (today(), ${x}) rather than a literal answer."""
    return isinstance(default, str) and ("${" in default or "(" in default)


class Form:
    """Questions in document order with their relevance chains, evaluation order and page of each."""

    def __init__(self, definition: dict):
        self.definition = definition
        self.groups = {g["code"]: g for g in definition.get("groups") or []}
        self.sections = definition["sections"]
        self.questions: list[dict] = []
        self.page_of: dict[str, int] = {}
        self.chains: dict[str, list[str]] = {}
        for index, section in enumerate(self.sections):
            for q in section["questions"]:
                self.questions.append(q)
                self.page_of[q["code"]] = index
                self.chains[q["code"]] = self._chain(section, q)
        self.by_code = {q["code"]: q for q in self.questions}
        self.order = self._order()

    def _chain(self, section: dict, q: dict) -> list[str]:
        groups, code, seen = [], q.get("group"), set()
        while code and code in self.groups and code not in seen:
            seen.add(code)
            groups.append(self.groups[code].get("relevant"))
            code = self.groups[code].get("parent")
        chain = [section.get("relevant")] + groups[::-1] + [q.get("relevant")]
        return [c for c in chain if c]

    def dependencies(self, q: dict) -> set[str]:
        found = set()
        for text in self.chains[q["code"]]:
            found |= _refs(text)
        found |= _refs(q.get("calculation"))
        if is_expression(q.get("default")):
            found |= _refs(q.get("default"))
        found |= _refs(q.get("choice_filter"), names=True)
        return found & set(self.by_code)

    def _order(self) -> list[str]:
        """Kahn's algorithm, taking the earliest question in the document among those ready."""
        position = {q["code"]: i for i, q in enumerate(self.questions)}
        needs = {code: self.dependencies(q) - {code} for code, q in self.by_code.items()}
        cyclic = [code for code, q in self.by_code.items() if code in self.dependencies(q)]
        if cyclic:
            raise CycleError(cyclic)
        users: dict[str, list[str]] = {code: [] for code in needs}
        for code, deps in needs.items():
            for dep in deps:
                users[dep].append(code)
        waiting = {code: len(deps) for code, deps in needs.items()}
        ready = [position[c] for c, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            code = self.questions[heapq.heappop(ready)]["code"]
            order.append(code)
            for user in users[code]:
                waiting[user] -= 1
                if waiting[user] == 0:
                    heapq.heappush(ready, position[user])
        if len(order) < len(needs):
            raise CycleError(sorted(set(needs) - set(order), key=position.get))
        return order

    def relevant(self, code: str, values: dict, env: expr.Env | None = None, memo: dict | None = None) -> bool:
        """`memo`: outcomes already known for this response (one dict per response, same env). A survey's
        questions often share one relevance rule (24 items behind `${aware} = '1'`): it is evaluated once
        per distinct value of what it reads, not once per question."""
        if memo is None:
            return all(expr.check(text, values, None, env) for text in self.chains[code])
        for text in self.chains[code]:
            try:
                key = (text, *(values.get(name) for name in _ref_names(text)))
                outcome = memo.get(key)
            except TypeError:  # reads a list or dict answer (unhashable): evaluate
                key, outcome = None, None
            if outcome is None:
                outcome = expr.check(text, values, None, env)
                if key is not None:
                    memo[key] = outcome
            if not outcome:
                return False
        return True

    def plan(self) -> dict:
        """What the respondent page needs besides the definition: the same order and chains."""
        return {"order": self.order, "chains": self.chains}


@functools.lru_cache(maxsize=4096)
def _ref_names(text: str) -> tuple[str, ...]:
    return tuple(sorted(_refs(text)))


_lock = threading.Lock()
_kept: dict[int, tuple[dict, Form]] = {}
KEPT = 256


def compiled(definition: dict) -> Form:
    """The Form of this definition object, compiled once while the object lives (frozen versions are
    shared dicts that nobody modifies; an edited draft is a new dict, so it compiles anew)."""
    entry = _kept.get(id(definition))
    if entry is not None and entry[0] is definition:
        return entry[1]
    form = Form(definition)
    with _lock:
        if len(_kept) >= KEPT:
            _kept.clear()
        _kept[id(definition)] = (definition, form)
    return form


def respondent_context(definition: dict, distribution) -> dict:
    """What the respondent page (questionnaires/respond.html) renders: the definition and its compiled plan."""
    return {
        "definition": definition,
        "plan": compiled(definition).plan(),
        "distribution": distribution,
        "satisfaction": SATISFACTION_CHOICES,
    }
