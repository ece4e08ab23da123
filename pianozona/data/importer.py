"""File ISTAT downloads after checking them: population files into the district, the ATS survey beside it.

The original file is copied byte for byte (raw data are never modified); it is
read first, so a file that cannot be used is refused with a message saying why,
and nothing is copied.  Population files (POSAS, STRASA, ...) are read with
`pianozona.data.istat` and go to the district's ``istat/`` folder.  An
SDMX-CSV export of ISTAT's survey of social services per ambito
(`pianozona.data.istat_ats`) covers all of Italy, not one district: it goes to
``<data folder>/istat_ats/``, where every district of the data folder finds it,
and the result's notes say whether it covers the district's ``ambito_istat``
and which areas it lacks.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from pianozona.data import istat, istat_ats
from pianozona.data.ats_codes import AREE_ISTAT, area_kind
from pianozona.data.config import DistrictConfig, district_folder, read_config
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
    notes: tuple[str, ...] = ()  # what the planner should know (the ATS survey: coverage, missing areas)
    ambiti: int = 0  # the ATS survey: ambiti in the file


def import_istat_files(files: list[str | os.PathLike], district: str | os.PathLike, *, year: int | None = None,
                       overwrite: bool = False) -> list[ImportResult]:
    """Check each ISTAT file and copy it where it belongs; return what was filed.

    Population files go to ``<district>/istat/``; exports of the ATS survey to
    ``<data folder>/istat_ats/``.  Every file is checked before anything is copied.
    """
    folder = district_folder(district)
    config = read_config(folder)
    checked = [_check_ats(Path(name), config, overwrite) if istat_ats.looks_like_sdmx(name)
               else _check_population(Path(name), config, year, overwrite) for name in files]
    results = []
    for result in checked:
        unchanged = result.destination.exists() and file_hash(result.destination) == file_hash(result.source)
        if not unchanged:
            result.destination.parent.mkdir(parents=True, exist_ok=True)
            copy_atomic(result.source, result.destination)
        results.append(replace(result, unchanged=unchanged))
    return results


def _clash(source: Path, destination: Path, overwrite: bool) -> None:
    if destination.exists() and file_hash(destination) != file_hash(source) and not overwrite:
        raise DataError("esiste già un file diverso con lo stesso nome", file=destination,
                        fix="rinominare il file oppure usare --sovrascrivi")


def _check_population(source: Path, config: DistrictConfig, year: int | None, overwrite: bool) -> ImportResult:
    kind, frame = istat.read_istat(source, year=year)
    inside = frame[frame["codice_comune"].isin(list(config.comuni))]
    if inside.empty:
        raise DataError("il file non contiene nessun comune del distretto", file=source,
                        fix=f"scaricare da ISTAT il file che comprende i comuni di {config.nome}")
    destination = config.folder / ISTAT_FOLDER / source.name
    _clash(source, destination, overwrite)
    return ImportResult(source=source, destination=destination, kind=kind,
                        years=tuple(sorted(int(y) for y in inside["anno"].unique())),
                        comuni_distretto=inside["codice_comune"].nunique(), comuni_attesi=len(config.comuni),
                        unchanged=False)


def _check_ats(source: Path, config: DistrictConfig, overwrite: bool) -> ImportResult:
    summary = istat_ats.scan(source)
    destination = istat_ats.folder_for(config.folder) / source.name
    _clash(source, destination, overwrite)
    return ImportResult(source=source, destination=destination, kind="ats", years=summary.years,
                        comuni_distretto=0, comuni_attesi=len(config.comuni), unchanged=False,
                        notes=tuple(ats_notes(summary, config)), ambiti=len(summary.ambiti))


def ats_notes(summary: istat_ats.AtsSummary, config: DistrictConfig) -> list[str]:
    """What an ATS file means for a district: is its ambito there, which areas are missing, which code to write."""
    notes = []
    missing = [f"{a.codice} ({a.etichetta})" for code, a in AREE_ISTAT.items()
               if code not in ("TOT", "ALL") and code not in summary.areas]
    if missing:
        notes.append(f"il file non ha le aree {', '.join(missing)}: il confronto le salta")
    code = config.ambito_istat
    if code and summary.covers(code):
        notes.append(f"contiene l'ambito {code} ({summary.territories[code] or config.nome}) di {config.nome}")
    elif code:
        near = [c for c in summary.ambiti if c[1:3] == code[1:3]]
        shown = ", ".join(near[:8]) + (" ..." if len(near) > 8 else "")
        notes.append(f"il file non contiene l'ambito {code} indicato in distretto.yml (ambito_istat): controllare "
                     f"il codice" + (f"; ambiti della stessa regione nel file: {shown}" if near else
                                     "; il file non ha ambiti di quella regione"))
    else:
        guess = _guess(summary, config)
        notes.append("distretto.yml non indica ambito_istat: aggiungerlo per il confronto con l'Italia"
                     + (f" (forse ambito_istat: \"{guess[0]}\", {guess[1]})" if guess else ""))
    if not any(area_kind(c) == "italia" for c in summary.territories):
        notes.append("il file non ha il dato dell'Italia (IT): il confronto mostra solo regione e ambiti")
    return notes


def _guess(summary: istat_ats.AtsSummary, config: DistrictConfig) -> tuple[str, str] | None:
    """An ambito of the file whose ISTAT label names a comune of the district (one, or None)."""
    names = [re.compile(rf"\b{re.escape(n.casefold())}\b") for n in config.comuni.values()]  # TODO(names.py)
    found = [(c, summary.territories[c]) for c in summary.ambiti
             if any(n.search((summary.territories[c] or "").casefold()) for n in names)]
    return found[0] if len(found) == 1 else None
