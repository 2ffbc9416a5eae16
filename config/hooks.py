"""Named hooks: how a lower app asks a higher one without importing it.

An app declares a hook in its own code (`SESSION_WRITE_GUARD = declare("tracking.session_write_guard",
...)`) and calls it where the question arises; an app to its right in the dependency direction
registers a function into it from its `AppConfig.ready()`. The lower app never learns who answered.

    # tracking/hooks.py (the lower app declares)
    session_write_guard = declare("tracking.session_write_guard", "fn(session) raises to refuse a write.")

    # groups/apps.py (the higher app registers)
    session_write_guard.register(refuse_archived_group_session)

    # tracking (the lower app asks)
    session_write_guard.call(session)

Every hook is in one registry (`registry()`), so what is wired to what can be listed and tested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_registry: dict[str, Hook] = {}


class Hook:
    """An ordered set of functions registered under one name. Calling the hook calls each one in
    registration order and returns their results, leaving out `None`."""

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.doc = doc
        self._functions: list[Callable[..., Any]] = []

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._functions)} registered>"

    def register(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Add `fn` (once; registering it again changes nothing). Returns `fn`, so it can be used
        as a decorator."""
        if fn not in self._functions:
            self._functions.append(fn)
        return fn

    def unregister(self, fn: Callable[..., Any]) -> None:
        if fn in self._functions:
            self._functions.remove(fn)

    @contextmanager
    def registered(self, fn: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
        """Register `fn` for the length of a `with` block (tests)."""
        added = fn not in self._functions
        self.register(fn)
        try:
            yield fn
        finally:
            if added:
                self.unregister(fn)

    @property
    def functions(self) -> tuple[Callable[..., Any], ...]:
        return tuple(self._functions)

    def call(self, *args: Any, **kwargs: Any) -> list[Any]:
        """Call every registered function; an exception raised by one stops the rest and reaches
        the caller (that is how a guard refuses). Returns the non-None results in order."""
        results = []
        for fn in list(self._functions):
            result = fn(*args, **kwargs)
            if result is not None:
                results.append(result)
        return results


def declare(name: str, doc: str) -> Hook:
    """The hook called `name`, created on first declaration. Declaring a name twice returns the
    same hook, so a module that is imported twice (tests, autoreload) does not lose registrations."""
    hook = _registry.get(name)
    if hook is None:
        hook = _registry[name] = Hook(name, doc)
    return hook


def registry() -> dict[str, Hook]:
    """Every declared hook by name."""
    return dict(_registry)
