"""A territory of districts: `data/territori/<codice>.yml`, its districts (folders or codes) and comparators, checked.

A territory (an ATS, a province, a region) groups districts for one comparison::

    codice: provincia_pavia
    nome: "Provincia di Pavia"
    distretti:
      - cartella: provincia_pavia/ambito-pavia   # a folder, relative to this file (or absolute)
      - codice: pavia                            # a district of the data root (data/<codice>/)
      - vigevano                                 # the same, written short
    confronti:
      provincia: {codice: "018", nome: "Provincia di Pavia"}
      regione: {codice: "03", nome: "Lombardia"}

The file is read like `distretto.yml` (UTF-8 with or without BOM or cp1252, at most
`MAX_TERRITORY_BYTES`, YAML anchors and aliases refused), every value as the text typed (YAML's
BaseLoader: `018` stays `018`).  Every problem is reported at once, each naming the file, the
line, the key, the value and the fix: a district that is not found, one listed twice, a comune
that two districts both claim, a comparator without a valid ISTAT code.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pianozona.data.config import (CODICE_PATTERN, CODICE_RULE, CONFIG_FILE, LIVELLI, Comparator, DistrictConfig,
                                   data_root, read_config)
from pianozona.data.datasets import District, load_district
from pianozona.errors import DataError, Problem, ValidationError
from pianozona.files import YamlLines, read_yaml

__all__ = ["MAX_TERRITORY_BYTES", "TERRITORY_FOLDER", "TerritoryConfig", "TerritoryMember", "available",
           "load_districts", "read_territory", "territory_file"]

TERRITORY_FOLDER = "territori"
#: a territory file lists a few hundred districts at most: a few KB
MAX_TERRITORY_BYTES = 1024 * 1024
_EXAMPLE = "vedi data/territori/provincia_pavia.yml come esempio"
_MEMBER_FIX = ("scrivere un distretto per riga: '- cartella: percorso/della/cartella' (relativo a questo file) "
               "oppure '- codice: <codice>' per un distretto in data/<codice>/")


@dataclass(frozen=True)
class TerritoryMember:
    """One district of a territory: its folder, code and name (from its `distretto.yml`), the line listing it."""

    folder: Path
    codice: str
    nome: str
    line: int | None


@dataclass(frozen=True)
class TerritoryConfig:
    """A checked territory file: code, name, its districts in the order listed, comparators."""

    codice: str
    nome: str
    file: Path
    members: tuple[TerritoryMember, ...]
    confronti: tuple[Comparator, ...] = ()
    problems: tuple[Problem, ...] = field(default_factory=tuple)  # warnings (errors raise)

    @property
    def folders(self) -> list[Path]:
        """The district folders, in the order listed (what `load_district` takes)."""
        return [m.folder for m in self.members]


def available(root: Path | None = None) -> list[str]:
    """Codes of the territories under `<data root>/territori/`, sorted."""
    base = (root or data_root()) / TERRITORY_FOLDER
    return sorted(p.stem for p in base.glob("*.yml"))


def territory_file(name_or_path: str | os.PathLike) -> Path:
    """The territory file of a code (`provincia_pavia` -> data/territori/provincia_pavia.yml) or a path to a .yml."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix in (".yml", ".yaml") and candidate.is_file():
        return candidate
    by_name = data_root() / TERRITORY_FOLDER / f"{name_or_path}.yml"
    if CODICE_PATTERN.fullmatch(str(name_or_path)) and by_name.is_file():
        return by_name
    raise DataError(f"territorio '{name_or_path}' non trovato", file=by_name,
                    fix=f"territori disponibili in {by_name.parent}: {', '.join(available()) or 'nessuno'}; "
                        "oppure indicare il percorso di un file .yml")


def _parse(path: Path) -> tuple[Any, YamlLines]:
    """The file's content (scalars as text) and its node tree, for line numbers."""
    return read_yaml(path, limit=MAX_TERRITORY_BYTES, typed=False, fix=f"controllare rientri e due punti; {_EXAMPLE}")


class _Findings:
    """Problems of one territory file, each with its line."""

    def __init__(self, path: Path) -> None:
        self.path, self.items = path, []

    def error(self, message: str, *, line: int | None, column: str, value: Any = None, fix: str) -> None:
        self.items.append(Problem("errore", message, file=str(self.path), line=line, column=column,
                                  value=value if not isinstance(value, (dict, list)) else repr(value)[:80], fix=fix))


def _where(item: Any, base: Path) -> tuple[Path, str] | None:
    """The folder an item points to and how it was written ('cartella' or 'codice'), or None if malformed."""
    if isinstance(item, str) and item.strip():
        return data_root() / item.strip(), "codice"
    if isinstance(item, dict) and len(item) == 1 and isinstance(next(iter(item.values())), str):
        kind, value = next(iter(item.items()))
        if kind == "cartella":
            path = Path(value.strip()).expanduser()
            return (path if path.is_absolute() else base / path), kind
        if kind == "codice":
            return data_root() / value.strip(), kind
    return None


def _member(item: Any, line: int | None, base: Path, found: _Findings) -> tuple[TerritoryMember, DistrictConfig] | None:
    where = _where(item, base)
    if where is None:
        found.error("voce di 'distretti' non valida", line=line, column="distretti", value=item, fix=_MEMBER_FIX)
        return None
    folder, kind = where
    if kind == "codice" and not CODICE_PATTERN.fullmatch(folder.name):
        found.error("codice di distretto non valido", line=line, column="codice", value=folder.name,
                    fix=f"il codice è il nome della cartella: {CODICE_RULE}")
        return None
    if not (folder / CONFIG_FILE).is_file():
        found.error(f"distretto non trovato: manca {folder / CONFIG_FILE}", line=line, column=kind,
                    value=str(item if isinstance(item, str) else next(iter(item.values()))),
                    fix="controllare il percorso (una cartella relativa si legge dalla cartella di questo file) "
                        "o creare il distretto con 'pianozona nuovo-distretto'")
        return None
    try:
        config = read_config(folder)
    except DataError as exc:
        found.error(f"distretto.yml del distretto non valido: {exc.problem.message}", line=line, column=kind,
                    value=str(folder), fix=f"correggere {exc.problem.file or folder}; 'pianozona validate {folder}'")
        return None
    return TerritoryMember(folder.resolve(), config.codice, config.nome, line), config


def _members(raw: dict, lines: dict[str, int], item_lines: list[int], base: Path,
             found: _Findings) -> tuple[TerritoryMember, ...]:
    items = raw.get("distretti")
    if not isinstance(items, list) or not items:
        found.error("l'elenco 'distretti' manca o è vuoto", line=lines.get("distretti"), column="distretti",
                    value=items if items else None, fix=_MEMBER_FIX)
        return ()
    members: list[TerritoryMember] = []
    owner: dict[str, TerritoryMember] = {}
    for index, item in enumerate(items):
        line = item_lines[index] if index < len(item_lines) else lines.get("distretti")
        made = _member(item, line, base, found)
        if made is None:
            continue
        member, config = made
        twin = next((m for m in members if m.folder == member.folder or m.codice == member.codice), None)
        if twin is not None:
            found.error(f"distretto ripetuto (già alla riga {twin.line})", line=line, column="distretti",
                        value=member.codice, fix="elencare ogni distretto una sola volta (i codici devono differire)")
            continue
        shared = [c for c in config.comuni if c in owner]
        if shared:
            first = shared[0]
            found.error(f"il comune {config.comuni[first]} ({first}) è anche nel distretto {owner[first].codice} "
                        f"(riga {owner[first].line})"
                        + (f", e altri {len(shared) - 1} comuni" if len(shared) > 1 else ""),
                        line=line, column="distretti", value=member.codice,
                        fix="ogni comune appartiene a un solo ambito: toglierlo da uno dei due distretto.yml")
        owner.update({c: member for c in config.comuni if c not in owner})
        members.append(member)
    return tuple(members)


def _comparators(raw: dict, lines: dict[str, int], found: _Findings) -> tuple[Comparator, ...]:
    value, line = raw.get("confronti"), lines.get("confronti")
    example = "scrivere ad esempio confronti: {regione: {codice: \"03\", nome: Lombardia}}"
    if value is None:
        return ()
    if not isinstance(value, dict):
        found.error("'confronti' deve associare livello e territorio", line=line, column="confronti", value=value,
                    fix=example)
        return ()
    out = []
    for level, item in value.items():
        width = LIVELLI.get(level)
        code = item.get("codice", "").strip() if isinstance(item, dict) and isinstance(item.get("codice"), str) else ""
        if width is None:
            found.error(f"livello di confronto sconosciuto '{level}'", line=line, column="confronti", value=level,
                        fix="livelli ammessi: " + ", ".join(LIVELLI))
        elif not (code.isdigit() and len(code) == width):
            found.error(f"il confronto '{level}' non ha un codice ISTAT valido", line=line, column=level, value=item,
                        fix=f"indicare codice: tra virgolette, a {width} cifre; {example}")
        else:
            name = item.get("nome")
            out.append(Comparator(level, code, name.strip() if isinstance(name, str) and name.strip() else code))
    return tuple(out)


def read_territory(name_or_path: str | os.PathLike) -> TerritoryConfig:
    """Read and check a territory file (a code under data/territori/ or a path); every problem at once.

    DataError for one problem, ValidationError listing them all for more; each names file, line, value, fix.
    """
    path = territory_file(name_or_path)
    raw, node = _parse(path)
    if not isinstance(raw, dict):
        raise DataError("il file deve contenere chiavi come 'nome' e 'distretti'", file=path, line=1, fix=_EXAMPLE)
    found = _Findings(path)
    lines, item_lines = node.keys, node.items.get("distretti", [])
    codice = raw.get("codice", path.stem)
    if not isinstance(codice, str) or not CODICE_PATTERN.fullmatch(codice):
        found.error("il codice del territorio non è un nome di cartella sicuro", line=lines.get("codice"),
                    column="codice", value=codice, fix=f"scrivere codice: con {CODICE_RULE}")
    nome = raw.get("nome")
    if not isinstance(nome, str) or not nome.strip():
        found.error("manca il nome del territorio", line=lines.get("nome"), column="nome", value=nome,
                    fix="scrivere ad esempio nome: \"Provincia di Pavia\"")
    members = _members(raw, lines, item_lines, path.parent, found)
    confronti = _comparators(raw, lines, found)
    if len(found.items) == 1:
        p = found.items[0]
        raise DataError(p.message, file=p.file, line=p.line, column=p.column, value=p.value, fix=p.fix)
    if found.items:
        raise ValidationError(found.items)
    return TerritoryConfig(codice=str(codice), nome=str(nome).strip(), file=path, members=members,
                           confronti=confronti)


def load_districts(territory: TerritoryConfig, *, strict: bool = True) -> list[District]:
    """Every district of the territory, loaded with `load_district` (cached by its files), in the order listed."""
    return [load_district(folder, strict=strict) for folder in territory.folders]
