"""District-wide results computed once per district, arguments and publication mode, then reused.

Decorate a district-wide analysis with `per_district`::

    @memo.per_district
    def analyse(district, area, year, *, publish=None): ...

    @memo.per_district(warm=True)          # also computed by the report runner's warm-up
    def profile_table(district, year, *, publish=None): ...

A call is cached under (``district.fingerprint``, the other arguments, the
resolved publication mode: the ``publish`` argument when it is given and not
None, else `privacy.is_publish_mode()`; and the process's mode itself).  ``district.fingerprint`` is set by
`pianozona.data.datasets.load_district` from the district's files; a District
built any other way, or changed by assignment (``district.utenti = ...``) or
``dataclasses.replace``, has an empty fingerprint and is never cached.  A
result is returned as a deep copy, so a caller that changes it (or the frames
inside it) cannot change what the next caller gets.  Exceptions are not
cached: the next call computes again and raises its own error.

When it is active.  Caching is on in publication mode (the report runner's
kernels, whose notebooks read their district and never edit it in place) and
when switched on with `set_active(True)`; in JupyterLab it is off by default,
because a planner may edit a table in place (``district.utenti.loc[...] = 0``)
and that change is invisible to the fingerprint.  `clear()` empties every cache.

Warm-up.  Functions declared with ``warm=True`` take ``(district, year)`` and
are listed by `warmable()`; `warm_up(district, year)` calls each of them once
(the kernel template does so before it forks kernels, so every kernel starts
with the results in memory; `export` and `install` carry them from the process
that computed them).  Each cache keeps at most ``maxsize`` results
(least recently used dropped first).
"""

from __future__ import annotations

import copy
import functools
import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from pianozona import privacy

__all__ = ["DEFAULT_MAXSIZE", "clear", "export", "install", "is_active", "per_district", "set_active", "stats",
           "warm_up", "warmable"]

DEFAULT_MAXSIZE = 1024  # a region's territory: ~90 districts x 7 areas x a few years of needs.analyse
_MEMOISED: list["_Memo"] = []  # every decorated function, in definition order
_forced_active: bool | None = None


class _Memo:
    """The cache of one decorated function: results by key, hits and misses counted."""

    def __init__(self, fn: Callable, warm: bool, maxsize: int) -> None:
        self.fn, self.warm, self.maxsize = fn, warm, maxsize
        self.signature = inspect.signature(fn)
        self.results: OrderedDict[Any, Any] = OrderedDict()
        self.hits = self.misses = 0
        self.lock = threading.Lock()

    def key(self, district: Any, args: tuple, kwargs: dict) -> Any:
        """The cache key of a call, or None when the call cannot be cached."""
        fingerprint = getattr(district, "fingerprint", "")
        if not fingerprint:
            return None
        try:
            bound = self.signature.bind(district, *args, **kwargs)
        except TypeError:
            return None  # the call itself will raise the right error
        bound.apply_defaults()
        arguments = dict(list(bound.arguments.items())[1:])
        publish = arguments.pop("publish", None)
        process_mode = privacy.is_publish_mode()  # also in the key: a function may read it besides `publish`
        mode = process_mode if publish is None else bool(publish)
        try:
            key = (fingerprint, _frozen(arguments), mode, process_mode)
            hash(key)
        except TypeError:
            return None
        return key

    def call(self, district: Any, args: tuple, kwargs: dict) -> Any:
        key = self.key(district, args, kwargs) if is_active() else None
        if key is None:
            return self.fn(district, *args, **kwargs)
        with self.lock:
            found = key in self.results
            if found:
                self.results.move_to_end(key)
                result = self.results[key]
                self.hits += 1
        if not found:
            result = self.fn(district, *args, **kwargs)
            with self.lock:
                self.misses += 1
                self.results[key] = result
                while len(self.results) > self.maxsize:
                    self.results.popitem(last=False)
        return copy.deepcopy(result)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an argument: lists, tuples, sets and dicts by their content."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(_frozen(v) for v in value)))
    return value


def per_district(fn: Callable | None = None, *, warm: bool = False, maxsize: int = DEFAULT_MAXSIZE) -> Any:
    """Cache `fn(district, *args, **kwargs)` (see the module docstring); usable bare or with options.

    ``warm=True`` declares that `fn(district, year)` is worth computing before any kernel asks
    (`warm_up`); ``maxsize`` bounds the results kept.  The wrapper has ``cache_clear()`` and
    ``cache_info()`` (hits, misses, size) and ``__wrapped__`` (the function itself).
    """
    if fn is None:
        return functools.partial(per_district, warm=warm, maxsize=maxsize)
    memo = _Memo(fn, warm, maxsize)
    _MEMOISED.append(memo)

    @functools.wraps(fn)
    def wrapper(district: Any, *args: Any, **kwargs: Any) -> Any:
        return memo.call(district, args, kwargs)

    def cache_clear() -> None:
        with memo.lock:
            memo.results.clear()
            memo.hits = memo.misses = 0

    wrapper.cache_clear = cache_clear
    wrapper.cache_info = lambda: {"hits": memo.hits, "misses": memo.misses, "size": len(memo.results)}
    wrapper.warm = warm
    memo.wrapper = wrapper
    return wrapper


def set_active(enabled: bool | None) -> None:
    """Caching on (True) or off (False) in this process whatever the mode; None: on in publication mode only."""
    global _forced_active
    _forced_active = enabled


def is_active() -> bool:
    """True when `per_district` caches (publication mode, or switched on with `set_active`)."""
    return privacy.is_publish_mode() if _forced_active is None else _forced_active


def clear() -> None:
    """Empty the cache of every decorated function."""
    for memo in _MEMOISED:
        memo.wrapper.cache_clear()


def stats() -> dict[str, dict[str, int]]:
    """Hits, misses and size of each decorated function's cache, by qualified name."""
    return {f"{m.fn.__module__}.{m.fn.__qualname__}": m.wrapper.cache_info() for m in _MEMOISED}


def export() -> dict[str, list[tuple[Any, Any]]]:
    """Every cached (key, result), by qualified function name: what `install` puts back (picklable)."""
    out = {}
    for m in _MEMOISED:
        with m.lock:
            out[f"{m.fn.__module__}.{m.fn.__qualname__}"] = list(m.results.items())
    return out


def install(state: dict[str, list[tuple[Any, Any]]]) -> int:
    """Put results of `export` (e.g. computed by another process) into the caches; how many were installed.

    Functions not decorated in this process are skipped.
    """
    by_name = {f"{m.fn.__module__}.{m.fn.__qualname__}": m for m in _MEMOISED}
    count = 0
    for name, items in state.items():
        memo = by_name.get(name)
        if memo is None:
            continue
        with memo.lock:
            for key, result in items:
                memo.results[key] = result
                count += 1
            while len(memo.results) > memo.maxsize:
                memo.results.popitem(last=False)
    return count


def warmable() -> tuple[Callable, ...]:
    """The decorated functions declared with ``warm=True`` (called as ``fn(district, year)``)."""
    return tuple(m.wrapper for m in _MEMOISED if m.warm)


def warm_up(district: Any, year: int) -> dict[str, str]:
    """Call every warmable function once for `district` and `year`; errors by function name (none: {}).

    A failure is reported, not raised: the notebook that needs the result computes it itself
    and shows its own error.
    """
    errors = {}
    for fn in warmable():
        try:
            fn(district, year)
        except Exception as exc:  # reported; the job will raise it again in its own page
            errors[f"{fn.__module__}.{fn.__qualname__}"] = f"{type(exc).__name__}: {exc}"
    return errors
