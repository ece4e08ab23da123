"""File ISTAT downloads into a district's `istat/` folder after checking them.

The original file is copied byte for byte (raw data are never modified); it is
read first with `pianozona.data.istat`, so a file that cannot be used is refused
with a message saying why, and nothing is copied.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pianozona.data import istat
from pianozona.data.config import district_folder, read_config
from pianozona.data.datasets import ISTAT_FOLDER
from pianozona.errors import DataError


@dataclass(frozen=True)
class ImportResult:
    source: Path
    destination: Path
    kind: str
    years: tuple[int, ...]
    comuni_distretto: int
    comuni_attesi: int
    unchanged: bool


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_istat_files(files: list[str | os.PathLike], district: str | os.PathLike, *, year: int | None = None,
                       overwrite: bool = False) -> list[ImportResult]:
    """Check each ISTAT file and copy it into `<district>/istat/`; return what was filed."""
    folder = district_folder(district)
    config = read_config(folder)
    target_dir = folder / ISTAT_FOLDER
    checked = []
    for name in files:
        source = Path(name)
        kind, frame = istat.read_istat(source, year=year)
        inside = frame[frame["codice_comune"].isin(list(config.comuni))]
        if inside.empty:
            raise DataError("il file non contiene nessun comune del distretto", file=source,
                            fix=f"scaricare da ISTAT il file che comprende i comuni di {config.nome}")
        destination = target_dir / source.name
        if destination.exists() and _digest(destination) != _digest(source) and not overwrite:
            raise DataError("esiste già un file diverso con lo stesso nome", file=destination,
                            fix="rinominare il file oppure usare --sovrascrivi")
        checked.append((source, destination, kind, inside))
    results = []
    target_dir.mkdir(parents=True, exist_ok=True)
    for source, destination, kind, inside in checked:
        unchanged = destination.exists() and _digest(destination) == _digest(source)
        if not unchanged:
            with tempfile.NamedTemporaryFile(dir=target_dir, delete=False, suffix=".tmp") as tmp:
                shutil.copyfileobj(source.open("rb"), tmp)
            os.replace(tmp.name, destination)
        results.append(ImportResult(
            source=source, destination=destination, kind=kind,
            years=tuple(sorted(int(y) for y in inside["anno"].unique())),
            comuni_distretto=inside["codice_comune"].nunique(), comuni_attesi=len(config.comuni),
            unchanged=unchanged,
        ))
    return results
