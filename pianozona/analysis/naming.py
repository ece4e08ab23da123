"""Name at most a few units in Italian text and count the rest ("Pavia, Zinasco, Bornasco e altri 12 comuni")."""

from __future__ import annotations

from collections.abc import Sequence

from pianozona.formatting import num

__all__ = ["FEW", "NAMED", "COMUNI", "UNITS", "name_few"]

#: Up to this many units a sentence names them all (a district of 12 comuni reads as before) ...
FEW = 5
#: ... beyond it, it names this many and counts the rest.
NAMED = 3
#: The words for the rest, singular and plural ("{n}" is the count): comuni (masculine) and unità (feminine).
COMUNI = ("un altro comune", "altri {n} comuni")
UNITS = ("un'altra unità", "altre {n} unità")


def _series(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " e " + names[-1]


def name_few(names: Sequence[str], *, limit: int = FEW, named: int = NAMED, rest: tuple[str, str] = COMUNI) -> str:
    """The names joined in Italian ("A, B e C") when at most `limit`, else the first `named` and the count of the rest.

    With 15 names ``name_few(names)`` gives "Pavia, Zinasco, Bornasco e altri
    12 comuni" (numbers in Italian format: "altri 1.497 comuni"); `rest` is the
    singular and plural wording of what is counted (`COMUNI`, `UNITS`, or any
    pair whose plural has "{n}").  The names are taken in the order given: the
    caller puts first the ones worth naming.  An empty list gives "".
    """
    names = [str(n) for n in names]
    named = max(1, min(named, limit))
    if len(names) <= max(limit, 1):
        return _series(names) if names else ""
    left = len(names) - named
    return ", ".join(names[:named]) + " e " + (rest[0] if left == 1 else rest[1].format(n=num(left, 0)))
