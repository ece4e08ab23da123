"""File ISTAT downloads into a district's `istat/` folder after checking them.

The original file is copied byte for byte (raw data are never modified); it is
read first with `pianozona.data.istat`, so a file that cannot be used is refused
with a message saying why, and nothing is copied.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pianozona.data import istat
from pianozona.data.config import district_folder, read_config
from pianozona.data.datasets import ISTAT_FOLDER
from pianozona.errors import DataError
from pianozona.files import copy_atomic, file_hash


@dataclass(frozen=True)
class ImportResult:
    source: Path
    destination: Path
    kind: str
    years: tuple[int, ...]
    comuni_distretto: int
    comuni_attesi: int
    unchanged: bool


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
        if destination.exists() and file_hash(destination) != file_hash(source) and not overwrite:
            raise DataError("esiste già un file diverso con lo stesso nome", file=destination,
                            fix="rinominare il file oppure usare --sovrascrivi")
        checked.append((source, destination, kind, inside))
    results = []
    target_dir.mkdir(parents=True, exist_ok=True)
    for source, destination, kind, inside in checked:
        unchanged = destination.exists() and file_hash(destination) == file_hash(source)
        if not unchanged:
            copy_atomic(source, destination)
        results.append(ImportResult(
            source=source, destination=destination, kind=kind,
            years=tuple(sorted(int(y) for y in inside["anno"].unique())),
            comuni_distretto=inside["codice_comune"].nunique(), comuni_attesi=len(config.comuni),
            unchanged=unchanged,
        ))
    return results
