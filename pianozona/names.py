"""Names as a planner types them: the one folding and the one comma-list parser.

Wherever a comune, a province, an area or a district is typed (``--comuni``, ``nuovo-distretto``, the
office's tables, ``comuni --nome``, the territory file, a notebook's parameter) it is compared through
`fold`: accents, apostrophes, case, punctuation and spaces do not count, so "Travaco Siccomario" is
"Travacò Siccomario" and "sant alessio con vialone" is "Sant'Alessio con Vialone".  `loose` also
reads the abbreviations of a saint's name ("S. Alessio", "S.Giorgio", "Sta Maria") as the full forms;
`NameIndex` tries the exact fold first and the loose one only when nothing matched, so the
abbreviation never turns a name into a different comune (on ISTAT's list of 7,896 comuni the loose
key joins no two names that the exact fold keeps apart).

`split_list` is the one reader of a typed list ("Pavia, Cava Manara; 018030"): commas or semicolons,
spaces around the items ignored, empty items dropped, order kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["NameIndex", "fold", "loose", "split_list", "code_key"]

#: the words a saint's name starts with, and their abbreviations ("S. Alessio", "SS. Trinità")
_SAINT = frozenset({"s", "san", "sant", "santa", "santo", "santi", "ss", "sta", "sto"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: object) -> str:
    """`text` for comparison: no accents, case, apostrophes or punctuation, single spaces.

    ``fold("Travacò  Siccomario") == fold("travaco siccomario") == "travaco siccomario"``;
    ``fold("Sant'Alessio") == "sant alessio"``; ``fold("Bolzano/Bozen") == "bolzano bozen"``.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(_NOT_ALNUM.sub(" ", plain).split())


def loose(text: object) -> str:
    """`fold`, with every form of a saint's name the same word: "S. Alessio", "Sant'Alessio" -> "s alessio"."""
    return " ".join("s" if word in _SAINT else word for word in fold(text).split())


def code_key(text: object) -> str:
    """A code of a closed list typed as a name ("Salute mentale", "Povertà") -> its form (`salute_mentale`)."""
    return fold(text).replace(" ", "_")


def split_list(value: str | Sequence[object] | None) -> list[str]:
    """The items of a typed list, stripped, empty ones dropped, in order.

    A text is split on commas and semicolons ("Pavia, Cava Manara; 018030"); a sequence (the Python
    API's list) is taken item by item; None gives [].  Repeats are kept: the caller decides whether
    a repeat is harmless.
    """
    if value is None:
        return []
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else [str(v) for v in value]
    return [part.strip() for part in parts if part.strip()]


class NameIndex:
    """Values found by any of their names, compared with `fold` (then `loose` when nothing matched).

    ``NameIndex([("018110", ["018110", "Pavia"])]).find("pavia") == ("018110",)``.  A name shared by
    several values (Samone, Calliano) finds them all: the caller says it is ambiguous.
    """

    def __init__(self, entries: Iterable[tuple[object, Iterable[object]]]) -> None:
        self._exact: dict[str, list[object]] = {}
        self._loose: dict[str, list[object]] = {}
        for value, names in entries:
            for name in names:
                for index, key in ((self._exact, fold(name)), (self._loose, loose(name))):
                    found = index.setdefault(key, [])
                    if value not in found:
                        found.append(value)

    def find(self, text: object) -> tuple:
        """The values named by `text` (usually one; none when unknown; several when shared)."""
        hit = self._exact.get(fold(text))
        if hit is None:
            hit = self._loose.get(loose(text), [])
        return tuple(hit)

    def keys(self) -> list[str]:
        """Every folded name (for suggestions of near names)."""
        return list(self._exact)

    def values_of(self, key: str) -> tuple:
        """The values of a folded name as `keys` lists it."""
        return tuple(self._exact.get(key, ()))
