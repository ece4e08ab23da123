"""One in-memory cache of district-wide work: loaded districts and the results computed from them.

Two kinds of entries share one store (least recently used dropped past `MAX_ENTRIES`), and
everything kept is handed out as a deep copy, so a caller that changes what it got changes
nobody else's:

- **loaded districts** (`recall`, `remember`): `pianozona.data.datasets.load_district` keys a
  district by its resolved folder and what it reads (`pianozona.data.inputs.content_key`: the content
  of its data files, the population, the name, size and time of ISTAT's survey files beside it):
  editing, adding or removing a data file reads the district again; a district read while one of its
  files was being saved is not kept.
- **district-wide results** (`per_district`): a decorated ``fn(district, *args, **kwargs)`` is
  keyed by `content_fingerprint(district)` (a digest of the district's tables and configuration,
  computed at each call: a table edited in place, ``district.utenti.loc[...] = 0``, is a new key),
  the other arguments and the decorator's `context` (what else the result depends on: the analysis
  passes the publication mode and the digest of the protection's secret); arguments the context
  resolves (`covers`: the analysis's ``publish=None`` and ``publish=True`` are one mode when
  publishing) are keyed by the context only, so that every spelling of one call hits.
  So caching is always on, in a report's kernel as in JupyterLab, and never returns a result
  computed from other data.  Exceptions are not cached.

Warm-up: functions declared with ``warm=True`` take ``(district, year)`` and are listed by
`warmable`; a run's warm-up helper calls them once per district and year and sends what it kept
(`entries`) to the kernel template, which keeps it (`install`) before it forks that district's
kernels (`pianozona.publish.warm`, `pianozona.publish.template`): every kernel starts with their
results in memory.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import inspect
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pandas as pd

__all__ = ["MAX_ENTRIES", "clear", "content_fingerprint", "entries", "install", "keys", "per_district", "recall",
           "remember", "stats", "warmable"]

MAX_ENTRIES = 4096  # a region's territory: ~90 districts, each with ~7 areas x a few years of results
_kept: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()
_counts: dict[str, list[int]] = {}  # qualified name -> [hits, misses]
_WARM: list[Callable] = []  # functions declared with warm=True, in definition order


def recall(key: tuple) -> Any | None:
    """A deep copy of what is kept under `key`, or None."""
    with _lock:
        found = _kept.get(key)
        if found is None:
            return None
        _kept.move_to_end(key)
    return copy.deepcopy(found)


def remember(key: tuple, value: Any) -> None:
    """Keep a deep copy of `value` under `key` (the caller keeps its own object)."""
    kept = copy.deepcopy(value)
    with _lock:
        _kept[key] = kept
        _kept.move_to_end(key)
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)


def keys() -> set[tuple]:
    """The keys of what is kept now."""
    with _lock:
        return set(_kept)


def entries(besides: set[tuple] = frozenset()) -> list[tuple[tuple, Any]]:
    """What is kept, as (key, value) pairs, less the keys in `besides`: what a run's warm-up helper sends
    to its kernel template (`pianozona.publish.template`); the values are the kept objects, not copies."""
    with _lock:
        return [(key, value) for key, value in _kept.items() if key not in besides]


def install(pairs: list[tuple[tuple, Any]]) -> None:
    """Keep these (key, value) pairs (from `entries` in another process, unpickled: nobody else holds them)."""
    with _lock:
        for key, value in pairs:
            _kept[key] = value
            _kept.move_to_end(key)
        while len(_kept) > MAX_ENTRIES:
            _kept.popitem(last=False)


def clear() -> None:
    """Forget everything kept (the next `load_district` reads the files again, every result is computed again)."""
    with _lock:
        _kept.clear()
        for counts in _counts.values():
            counts[:] = [0, 0]


# ---------------------------------------------------------------------------
# the content of a district


def content_fingerprint(value: Any) -> str:
    """Digest of a district's content (any dataclass): each table's columns, types, index and values, the rest
    pickled; its ``problems`` and ``inputs`` are left out (they describe the files, not the data analysed)."""
    digest = hashlib.sha256(type(value).__qualname__.encode())
    fields = dataclasses.fields(value) if dataclasses.is_dataclass(value) else ()
    for item in fields:
        if item.name in ("problems", "inputs"):
            continue
        part = getattr(value, item.name)
        digest.update(f"\0{item.name}\0".encode())
        if isinstance(part, pd.DataFrame):
            digest.update(repr((list(part.columns), [str(t) for t in part.dtypes], part.shape)).encode())
            digest.update(pd.util.hash_pandas_object(part, index=True).to_numpy().tobytes())
        else:
            digest.update(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))
    if not fields:
        digest.update(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# district-wide results


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an argument: lists, tuples, sets and dicts by their content."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_frozen(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted(_frozen(v) for v in value)))
    return value


def _call_key(name: str, signature: inspect.Signature, context: Callable[[Any, dict], Any] | None,
              covers: tuple[str, ...], district: Any, args: tuple, kwargs: dict) -> tuple | None:
    """The key of a call, or None when it cannot be cached (bad arguments raise in the call itself)."""
    try:
        bound = signature.bind(district, *args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    arguments = dict(list(bound.arguments.items())[1:])
    keyed = {k: v for k, v in arguments.items() if k not in covers}
    key = ("result", name, content_fingerprint(district), _frozen(keyed),
           context(district, arguments) if context else None)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def per_district(fn: Callable | None = None, *, warm: bool = False,
                 context: Callable[[Any, dict], Any] | None = None, covers: tuple[str, ...] = ()) -> Any:
    """Cache `fn(district, *args, **kwargs)` (see the module docstring); usable bare or with options.

    ``warm=True`` declares that ``fn(district, year)`` is worth computing before any kernel asks
    (`warmable`); ``context(district, arguments)`` returns what else the result depends on (called
    at each call with the call's other arguments by name, part of the key); the arguments named in
    `covers` are left out of the key: the context must say all that they change.  The wrapper has ``cache_info()``
    (hits, misses) and ``__wrapped__``.
    """
    if fn is None:
        return functools.partial(per_district, warm=warm, context=context, covers=covers)
    name = f"{fn.__module__}.{fn.__qualname__}"
    signature = inspect.signature(fn)
    counts = _counts.setdefault(name, [0, 0])

    @functools.wraps(fn)
    def wrapper(district: Any, *args: Any, **kwargs: Any) -> Any:
        key = _call_key(name, signature, context, covers, district, args, kwargs)
        found = recall(key) if key is not None else None
        if found is not None:
            counts[0] += 1
            return found
        result = fn(district, *args, **kwargs)
        counts[1] += 1
        if key is not None:
            remember(key, result)
        return result

    wrapper.cache_info = lambda: {"hits": counts[0], "misses": counts[1]}
    if warm:
        _WARM.append(wrapper)
    return wrapper


def stats() -> dict[str, dict[str, int]]:
    """Hits and misses of each decorated function, by qualified name."""
    return {name: {"hits": hits, "misses": misses} for name, (hits, misses) in _counts.items()}


def warmable() -> tuple[Callable, ...]:
    """The decorated functions declared with ``warm=True`` (called as ``fn(district, year)``)."""
    return tuple(_WARM)
