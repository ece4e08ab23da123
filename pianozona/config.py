"""Where districts live and what `distretto.yml` says.

A district is a folder: `<data root>/<codice>/distretto.yml` plus the office's
tables.  The data root is `$PIANOZONA_DATA_DIR` when set, otherwise the
`data/` folder of the project checkout (or of the current directory).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import DataError

CONFIG_FILE = "distretto.yml"
ENV_DATA_DIR = "PIANOZONA_DATA_DIR"


def data_root() -> Path:
    """The folder that holds one sub-folder per district."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    checkout = Path(__file__).resolve().parent.parent / "data"
    if checkout.is_dir():
        return checkout
    return Path.cwd() / "data"


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


def _pad(code: object, width: int) -> str:
    text = str(code).strip()
    return text.zfill(width) if text.isdigit() else text


def read_config(folder: Path) -> DistrictConfig:
    """Read and check `distretto.yml`."""
    path = folder / CONFIG_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(
            "file YAML non leggibile",
            file=path,
            line=mark.line + 1 if mark else None,
            fix="controllare rientri e due punti (vedi data/README.md)",
        ) from exc
    if not isinstance(raw, dict):
        raise DataError("il file deve contenere chiavi come 'nome' e 'comuni'", file=path, fix="vedi data/README.md")
    for key in ("nome", "comuni"):
        if key not in raw:
            raise DataError(f"manca la chiave '{key}'", file=path, column=key, fix="vedi data/pavia/distretto.yml come esempio")
    comuni: dict[str, str] = {}
    for item in raw["comuni"]:
        if not isinstance(item, dict) or "codice" not in item:
            raise DataError(
                "ogni comune deve avere 'codice' e 'nome'", file=path, column="comuni", value=item,
                fix="scrivere ad esempio - {codice: \"018110\", nome: Pavia}",
            )
        code = _pad(item["codice"], 6)
        if not (code.isdigit() and len(code) == 6):
            raise DataError(
                "codice ISTAT del comune non valido", file=path, column="comuni", value=item["codice"],
                fix="usare il codice ISTAT a 6 cifre (PRO_COM_T), tra virgolette",
            )
        comuni[code] = str(item.get("nome", code))
    confronti = []
    for livello, item in (raw.get("confronti") or {}).items():
        width = 3 if livello == "provincia" else 2
        confronti.append(Comparator(livello, _pad(item["codice"], width), str(item.get("nome", item["codice"]))))
    return DistrictConfig(
        codice=str(raw.get("codice", folder.name)),
        nome=str(raw["nome"]),
        folder=folder,
        comuni=comuni,
        confronti=tuple(confronti),
        ente_capofila=raw.get("ente_capofila"),
        aree=raw.get("aree") or {},
    )
