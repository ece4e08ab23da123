"""Where districts live and what `distretto.yml` says.

A district is a folder: `<data root>/<codice>/distretto.yml` plus the office's
tables.  The data root is `$PIANOZONA_DATA_DIR` when set, otherwise the
`data/` folder of the project checkout (or of the current directory).

`distretto.yml` is read with the same tolerance as the tables (UTF-8, with or
without BOM, or Windows cp1252), at most `MAX_CONFIG_BYTES`, with YAML anchors
and aliases refused (an alias "bomb" of a few lines expands to gigabytes).
Numbers keep the text the planner typed, so an unquoted `015146` stays
`015146` (YAML 1.1 would read it as the octal number 6758) and the planner is
told to quote codes.  Every shape problem is reported at once, with its line.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pianozona.errors import DataError, Problem, ValidationError
from pianozona.files import YamlFloat, YamlInt, YamlLines, read_yaml

CONFIG_FILE = "distretto.yml"
ENV_DATA_DIR = "PIANOZONA_DATA_DIR"
#: a distretto.yml is a few KB; anything larger is not one
MAX_CONFIG_BYTES = 1024 * 1024
#: the district code names folders of reports, locks and caches: a safe folder name
CODICE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
CODICE_RULE = "lettere minuscole, cifre, '-' e '_', al massimo 64 caratteri, iniziando con lettera o cifra"
LIVELLI = {"provincia": 3, "regione": 2}  # comparator level -> width of its ISTAT code
AREA_KEYS = ("eta_min", "eta_max", "etichetta", "prevalenza")
_EXAMPLE = "vedi data/pavia/distretto.yml come esempio"


def data_root() -> Path:
    """The folder that holds one sub-folder per district."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parents[2] / "data"
    if checkout.is_dir():
        return checkout
    return Path.cwd() / "data"


def command_target(folder: Path) -> str:
    """How a command names the district of `folder`: its code when it is in the data root, else its path (quoted)."""
    try:
        in_root = folder.resolve().parent == data_root().resolve()
    except OSError:
        in_root = False
    return folder.name if in_root else shlex.quote(str(folder))


def district_folder(name_or_path: str | os.PathLike) -> Path:
    """Resolve a district code (`"pavia"`) or a folder path to the district folder."""
    candidate = Path(name_or_path).expanduser()
    if (candidate / CONFIG_FILE).is_file():
        return candidate
    by_name = data_root() / str(name_or_path)
    if (by_name / CONFIG_FILE).is_file():
        return by_name
    known = sorted(p.parent.name for p in data_root().glob(f"*/{CONFIG_FILE}"))
    raise DataError(
        f"distretto '{name_or_path}' non trovato",
        file=by_name / CONFIG_FILE,
        fix=(
            f"distretti disponibili in {data_root()}: {', '.join(known) or 'nessuno'}; "
            f"oppure indicare una cartella che contiene {CONFIG_FILE}"
        ),
    )


@dataclass(frozen=True)
class Comparator:
    livello: str  # "provincia" | "regione"
    codice: str
    nome: str


@dataclass(frozen=True)
class DistrictConfig:
    codice: str
    nome: str
    folder: Path
    comuni: dict[str, str]  # codice_comune -> nome
    confronti: tuple[Comparator, ...] = ()
    ente_capofila: str | None = None
    aree: dict = field(default_factory=dict)  # per-area overrides
    problems: tuple[Problem, ...] = ()  # warnings found while reading (errors raise)
    lines: dict[str, int] = field(default_factory=dict)  # codice_comune -> line in distretto.yml
    ambito_istat: str | None = None  # ISTAT's code of the ambito (T03042), for the survey of social services


# ------------------------------------------------------------------ YAML
def _parse_yaml(path: Path) -> tuple[Any, YamlLines]:
    return read_yaml(path, limit=MAX_CONFIG_BYTES, typed=True,
                     fix="controllare rientri e due punti (vedi data/README.md e data/pavia/distretto.yml)")


# ------------------------------------------------------------------ checks
class _Findings:
    """Problems of one distretto.yml, each with its line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[Problem] = []

    def error(self, message: str, *, line: int | None, column: str, value: Any = None, fix: str) -> None:
        self.items.append(Problem("errore", message, file=str(self.path), line=line, column=column,
                                  value=_shown(value), fix=fix))

    def warning(self, message: str, *, line: int | None, column: str, fix: str) -> None:
        self.items.append(Problem("avviso", message, file=str(self.path), line=line, column=column, fix=fix))


def _shown(value: Any) -> Any:
    if isinstance(value, (YamlInt, YamlFloat)):
        return value.text
    if isinstance(value, (dict, list)):
        text = repr(value)
        return text if len(text) <= 80 else text[:77] + "..."
    return value


def _text(value: Any) -> str | None:
    """The text of a scalar as typed, or None when it is not a scalar (list, mapping, null)."""
    if isinstance(value, (YamlInt, YamlFloat)):
        return value.text
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _code(value: Any, width: int) -> str | None:
    text = _text(value)
    if text is None:
        return None
    text = text.strip()
    return text.zfill(width) if text.isdigit() and len(text) <= width else text


def _name(value: Any, found: _Findings, line: int | None, column: str) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    kind = {bool: "sì/no", dict: "un elenco di chiavi", list: "un elenco", type(None): "vuoto"}.get(type(value))
    if kind is None and isinstance(value, (int, float)):
        kind = "un numero"
    found.error(f"serve un testo, trovato {kind or type(value).__name__}", line=line, column=column, value=value,
                fix="scrivere il nome tra virgolette, ad esempio nome: \"Distretto di Pavia\"")
    return None


def _check_codice(raw: dict, folder: Path, found: _Findings, lines: dict[str, int]) -> str:
    given = raw.get("codice")
    code = _text(given) if given is not None else folder.name
    if code is None or not CODICE_PATTERN.fullmatch(code):
        where = "il codice del distretto" if given is not None else f"il nome della cartella '{folder.name}'"
        found.error(f"{where} non è un nome di cartella sicuro", line=lines.get("codice"), column="codice",
                    value=given if given is not None else folder.name,
                    fix=f"scrivere codice: con {CODICE_RULE} (es. codice: pavia)")
        return "-"
    return code


def _check_comuni(raw: dict, found: _Findings, node: YamlLines) -> tuple[dict[str, str], dict[str, int]]:
    items = raw.get("comuni")
    key_line = node.keys.get("comuni")
    example = "scrivere un comune per riga, ad esempio:  - {codice: \"018110\", nome: Pavia}"
    if not isinstance(items, list) or not items:
        shape = "è vuoto" if not items else "deve essere un elenco (righe che iniziano con '- ')"
        found.error(f"l'elenco 'comuni' {shape}", line=key_line, column="comuni",
                    value=None if not items else items, fix=example)
        return {}, {}
    item_lines = node.items.get("comuni", [])
    comuni: dict[str, str] = {}
    lines: dict[str, int] = {}
    unquoted: list[tuple[int | None, str, str]] = []
    for index, item in enumerate(items):
        line = item_lines[index] if index < len(item_lines) else key_line
        if not isinstance(item, dict) or "codice" not in item or "nome" not in item:
            found.error("ogni comune deve avere 'codice' e 'nome'", line=line, column="comuni", value=item, fix=example)
            continue
        code = _code(item["codice"], 6)
        if code is None or not (code.isdigit() and len(code) == 6):
            found.error("codice ISTAT del comune non valido", line=line, column="codice", value=item["codice"],
                        fix="usare il codice ISTAT a 6 cifre (PRO_COM_T), tra virgolette: codice: \"018110\"")
            continue
        if isinstance(item["codice"], (YamlInt, YamlFloat)):
            unquoted.append((line, item["codice"].text, code))
        name = _name(item["nome"], found, line, "nome")
        if code in comuni:
            found.error(f"comune ripetuto (già alla riga {lines[code]})", line=line, column="codice", value=code,
                        fix="tenere una sola riga per comune")
            continue
        comuni[code] = name or code
        lines[code] = line
    if unquoted:
        line, typed, code = unquoted[0]
        more = f" e altri {len(unquoted) - 1}" if len(unquoted) > 1 else ""
        found.warning(f"codici dei comuni senza virgolette: riga {line} '{typed}' letto come '{code}'{more}",
                      line=line, column="codice",
                      fix="scrivere i codici tra virgolette (codice: \"018110\"): senza, YAML legge 015146 "
                          "come numero ottale e toglie gli zeri iniziali")
    return comuni, lines


def _check_confronti(raw: dict, found: _Findings, lines: dict[str, int]) -> tuple[Comparator, ...]:
    value = raw.get("confronti")
    line = lines.get("confronti")
    example = "scrivere ad esempio confronti: {provincia: {codice: \"018\", nome: Provincia di Pavia}}"
    if value is None:
        return ()
    if not isinstance(value, dict):
        found.error("'confronti' deve associare livello e territorio, non essere un elenco" if isinstance(value, list)
                    else "'confronti' non valido", line=line, column="confronti", value=value, fix=example)
        return ()
    out = []
    for livello, item in value.items():
        if livello not in LIVELLI:
            found.error(f"livello di confronto sconosciuto '{livello}'", line=line, column="confronti",
                        value=livello, fix="livelli ammessi: provincia, regione")
            continue
        width = LIVELLI[livello]
        code = _code(item.get("codice"), width) if isinstance(item, dict) else None
        if code is None or not (code.isdigit() and len(code) == width):
            found.error(f"il confronto '{livello}' non ha un codice ISTAT valido", line=line, column=livello,
                        value=item, fix=f"indicare codice: tra virgolette, a {width} cifre; {example}")
            continue
        name = item.get("nome", code)
        out.append(Comparator(livello, code, _name(name, found, line, livello) or code))
    return tuple(out)


def _check_ambito(raw: dict, found: _Findings, lines: dict[str, int], confronti: tuple[Comparator, ...]) -> str | None:
    """The optional ISTAT code of the ambito (``T03042``): T, the region's two digits, three digits."""
    from pianozona.data.ats_codes import region_of_ambito

    value = raw.get("ambito_istat")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    code = (_text(value) or "").strip().upper()
    line = lines.get("ambito_istat")
    if region_of_ambito(code) is None:
        found.error("codice ISTAT dell'ambito non valido", line=line, column="ambito_istat", value=value,
                    fix="scrivere il codice dell'ambito territoriale sociale come lo scrive ISTAT, tra virgolette: "
                        "T, le due cifre della regione e tre cifre (es. ambito_istat: \"T03042\"); "
                        "oppure togliere la riga")
        return None
    regione = next((c.codice for c in confronti if c.livello == "regione"), None)
    if regione is not None and regione != code[1:3]:
        found.warning(f"l'ambito {code} è della regione {code[1:3]}, il confronto regionale è {regione}",
                      line=line, column="ambito_istat",
                      fix="controllare il codice dell'ambito o la regione di confronto")
    return code


def _check_aree(raw: dict, found: _Findings, lines: dict[str, int]) -> dict:
    from pianozona.data.areas import AREE

    value = raw.get("aree") or {}
    line = lines.get("aree")
    if not isinstance(value, dict):
        found.error("'aree' deve associare il codice di un'area alle sue modifiche", line=line, column="aree",
                    value=value, fix="scrivere ad esempio aree: {anziani: {eta_min: 75}}")
        return {}
    good = {}
    for code, changes in value.items():
        if code not in AREE:
            found.error(f"area sconosciuta '{code}'", line=line, column="aree", value=code,
                        fix=f"aree valide: {', '.join(AREE)}")
        elif not isinstance(changes, dict) or set(changes) - set(AREA_KEYS):
            found.error(f"modifiche dell'area '{code}' non valide", line=line, column=str(code), value=changes,
                        fix=f"chiavi ammesse: {', '.join(AREA_KEYS)}; es. {code}: {{eta_min: 75}}")
        elif not _valid_area_changes(changes):
            found.error(f"valori dell'area '{code}' non validi", line=line, column=str(code), value=changes,
                        fix="eta_min ed eta_max interi tra 0 e 100 (eta_min ≤ eta_max), etichetta un testo, "
                            "prevalenza un elenco di [eta_da, eta_a, quota tra 0 e 1]")
        else:
            good[code] = changes
    return good


def _valid_area_changes(changes: dict) -> bool:
    ages = [changes.get(k) for k in ("eta_min", "eta_max") if k in changes]
    if not all(isinstance(a, int) and not isinstance(a, bool) and 0 <= a <= 100 for a in ages):
        return False
    if len(ages) == 2 and ages[0] > ages[1]:
        return False
    if "etichetta" in changes and not (isinstance(changes["etichetta"], str) and changes["etichetta"].strip()):
        return False
    rows = changes.get("prevalenza", [])
    return isinstance(rows, list) and all(
        isinstance(r, list) and len(r) == 3 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in r)
        and 0 <= r[0] <= r[1] <= 100 and 0 <= r[2] <= 1 for r in rows)


def read_config(folder: Path) -> DistrictConfig:
    """Read and check `distretto.yml`; DataError/ValidationError listing every problem, each with its line."""
    path = folder / CONFIG_FILE
    raw, node = _parse_yaml(path)
    if not isinstance(raw, dict):
        raise DataError("il file deve contenere chiavi come 'nome' e 'comuni'", file=path, line=1, value=_shown(raw),
                        fix=_EXAMPLE)
    found = _Findings(path)
    lines = node.keys
    for key in ("nome", "comuni"):
        if key not in raw:
            found.error(f"manca la chiave '{key}'", line=None, column=key, fix=_EXAMPLE)
    codice = _check_codice(raw, folder, found, lines)
    nome = _name(raw.get("nome"), found, lines.get("nome"), "nome") if "nome" in raw else None
    comuni, comune_lines = _check_comuni(raw, found, node) if "comuni" in raw else ({}, {})
    confronti = _check_confronti(raw, found, lines)
    capofila = raw.get("ente_capofila")
    if capofila is not None:
        capofila = _name(capofila, found, lines.get("ente_capofila"), "ente_capofila")
    aree = _check_aree(raw, found, lines)
    ambito = _check_ambito(raw, found, lines, confronti)
    errors = [p for p in found.items if p.severity == "errore"]
    if len(errors) == 1:
        raise DataError(errors[0].message, file=path, line=errors[0].line, column=errors[0].column,
                        value=errors[0].value, fix=errors[0].fix)
    if errors:
        raise ValidationError(found.items)
    return DistrictConfig(codice=codice, nome=nome or codice, folder=folder, comuni=comuni, confronti=confronti,
                          ente_capofila=capofila, aree=aree, problems=tuple(found.items), lines=comune_lines,
                          ambito_istat=ambito)
