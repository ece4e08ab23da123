"""The plan of a run: the suite, the jobs and their parameters, the run's options, incremental keys.

`plan_run` turns a district, a year and the area codes into the checked
jobs of the suite (`Plan`); `job_key` and `is_up_to_date` decide which
published reports are still current (the keys are HMACs: see
`pianozona.publish.keys`); `check_jobs`, `check_timeout` and `check_memory`
check the run's options.  Nothing here starts a kernel or publishes a
report: `pianozona.publish.parameters` checks each job against its
notebook, `pianozona.publish.runner` runs the plan and
`pianozona.publish.site` writes the reports.

Every path a run writes (reports, lock, temporary folder, district cache)
is checked to resolve inside the output folder (`inside`), whatever the
district code says.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pianozona.data.areas import AREE
from pianozona.data.config import CONFIG_FILE, district_folder, read_config
from pianozona.errors import DataError, ParameterError
from pianozona.privacy import district_secret
from pianozona.publish.files import PACKAGE_ROOT, file_hash, manifest_entries, read_json, write_atomic
from pianozona.publish.keys import data_fingerprint, digest, keyed, local_secret_path, package_fingerprint

DEFAULT_NOTEBOOKS = PACKAGE_ROOT.parent / "notebooks"
DEFAULT_OUT = Path("reports")
METRICS_PARAMETER = "metrics_path"  # injected when the notebook declares it: where to write its key figures
DEFAULT_TIMEOUT_S = 600  # whole job: a suite notebook takes seconds on a district's data
DEFAULT_MEMORY_MB = 4096  # address space of each kernel
MIN_MEMORY_MB = 256  # below this a kernel cannot even import its modules


#: the headings of the index, in order: the district's reports, then the comuni's
GROUP_DISTRICT = "Rapporti del distretto"
GROUP_COMUNI = "Schede dei comuni"
#: the headings of a territory's index (`pianozona.publish.territory`)
GROUP_TERRITORY = "Confronto tra gli ambiti"
GROUP_MEMBERS = "Indici dei distretti"


@dataclass(frozen=True)
class SuiteEntry:
    """One notebook of the suite; `per_area` runs it once per area, `per_comune` once per comune."""

    notebook: str
    title: str
    per_area: bool = False
    per_comune: bool = False
    group: str = GROUP_DISTRICT


SUITE = (
    SuiteEntry("panoramica", "Panoramica del distretto"),
    SuiteEntry("bisogni_area", "Bisogni per area", per_area=True),
    SuiteEntry("verifica_annuale", "Verifica annuale del Piano di Zona"),
    SuiteEntry("bilancio", "Bilancio"),
    SuiteEntry("quadro_sindaci", "Quadro dei comuni per l'Assemblea dei Sindaci", group=GROUP_COMUNI),
    SuiteEntry("scheda_comune", "Scheda del comune", per_comune=True, group=GROUP_COMUNI),
)


@dataclass(frozen=True)
class DistrictInfo:
    """What planning needs to know about a district (cached by data fingerprint)."""

    codice: str
    nome: str
    folder: Path
    anni: tuple[int, ...]
    dimostrativo: bool
    comuni: tuple[tuple[str, str], ...] = ()  # (ISTAT code, name) in the district's order
    data_files: dict = field(default_factory=dict, compare=False)  # relative path -> sha256 (never published)
    data_hash: str = ""  # digest of data_files: in memory only
    protection: tuple[str, ...] = ()  # what the district's protection could not achieve (analysis.protection.audit)
    secret_hash: str = ""  # digest of the protection secret: another secret draws other complements (in memory only)
    aree: tuple[tuple[str, str, str], ...] = ()  # (code, label, population at risk) of its areas, overrides applied


@dataclass(frozen=True)
class Job:
    """One notebook execution: `name` is the stem of its output files."""

    name: str
    title: str
    notebook: Path
    parameters: dict
    group: str = GROUP_DISTRICT  # the heading of the index it is listed under


@dataclass(frozen=True)
class Plan:
    """A checked run: the district, the year, the jobs in suite order and where the reports go."""

    district: DistrictInfo
    year: int
    jobs: tuple[Job, ...]
    notebooks_dir: Path
    out_dir: Path  # <out>/<district>/<year>
    members: tuple[Path, ...] = ()  # a territory's plan: its districts' report folders, linked from its index


# ---------------------------------------------------------------------------
# planning and parameter checks


def plan_run(district: str | os.PathLike = "pavia", year: int | str | None = None, *,
             areas: Sequence[str] | str | None = None, comuni: Sequence[str] | str | None = None,
             notebooks_dir: str | os.PathLike | None = None, out_dir: str | os.PathLike = DEFAULT_OUT) -> Plan:
    """The jobs of the suite for a district and year, every value checked (no kernel started).

    `areas` and `comuni` (ISTAT codes or names) narrow the per-area and
    per-comune reports; None means all of them.
    Raises `DataError` (unknown district, invalid data) or `ParameterError`.
    """
    notebooks = _notebooks_dir(notebooks_dir)
    root = Path(out_dir).resolve()
    _outside(local_secret_path(), root)
    info = district_info(district, Path(out_dir))
    _check_protection(info)
    year = _check_year(year, info)
    codes = _check_areas(areas)
    towns = check_comuni(comuni, info)
    value = str(info.folder.resolve()) if (Path(district) / CONFIG_FILE).is_file() else str(district)
    jobs = []
    for entry in SUITE:
        path = _notebook_path(notebooks, entry.notebook)
        base = {"district": value, "year": year}
        if entry.per_area:
            jobs += [Job(f"{entry.notebook}_{code}", f"{entry.title}: {AREE[code].etichetta}", path,
                         {**base, "area": code}, entry.group) for code in codes]
        elif entry.per_comune:
            jobs += [Job(f"{entry.notebook}_{code}", f"{entry.title}: {name}", path, {**base, "comune": code},
                         entry.group) for code, name in towns]
        else:
            jobs.append(Job(entry.notebook, entry.title, path, base, entry.group))
    return Plan(info, year, tuple(jobs), notebooks, inside(root, root / info.codice / str(year), info.codice))


def district_info(district: str | os.PathLike, out_root: Path = DEFAULT_OUT) -> DistrictInfo:
    """Name, years, demo flag and data fingerprint of a district (loads the data only when it changed)."""
    folder = district_folder(district)
    config = read_config(folder)
    files = data_fingerprint(folder)
    data_hash = digest(files)
    root = Path(out_root).resolve()
    cache = inside(root, root / config.codice / ".distretto.json", config.codice)
    secret = digest(district_secret(folder, config.codice).hex())  # other complements drawn: audit again
    key = keyed({"dati": data_hash, "pacchetto": package_fingerprint(), "protezione": secret})
    facts = read_json(cache)
    if facts.get("chiave") != key:
        from pianozona.analysis.protection import audit
        from pianozona.data.datasets import load_district

        loaded = load_district(folder)
        facts = {"chiave": key, "nome": loaded.nome, "anni": loaded.anni_dati,
                 "dimostrativo": bool(loaded.dimostrativo),
                 "comuni": loaded.comuni[["codice_comune", "comune"]].astype(str).to_numpy().tolist(),
                 "protezione": audit(loaded),
                 "aree": [[code, area.etichetta, area.describe_population(loaded.stranieri is not None)]
                          for code, area in loaded.aree.items()]}
        try:
            write_atomic(cache, json.dumps(facts, ensure_ascii=False))
        except OSError:
            pass  # a read-only output folder only costs speed
    return DistrictInfo(config.codice, facts["nome"], folder, tuple(facts["anni"]), facts["dimostrativo"],
                        tuple(tuple(c) for c in facts.get("comuni", ())), files, data_hash,
                        tuple(facts.get("protezione", ())), secret,
                        tuple(tuple(a) for a in facts.get("aree", ())))


def _check_protection(info: DistrictInfo) -> None:
    """Stop before any kernel starts when the district's protection leaves a hidden count recoverable."""
    if info.protection:
        raise DataError(
            "protezione incompleta: alcuni valori nascosti resterebbero ricavabili dai rapporti ("
            + "; ".join(info.protection) + ")", file=str(info.folder),
            fix="pubblicare a un livello più aggregato (unire servizi o comuni molto piccoli) e riprovare")


def _notebooks_dir(folder: str | os.PathLike | None) -> Path:
    if folder is not None:
        path = Path(folder)
    else:  # the checkout's notebooks/, else the current folder's (an installed package has no checkout)
        path = DEFAULT_NOTEBOOKS if DEFAULT_NOTEBOOKS.is_dir() else Path.cwd() / "notebooks"
    if not path.is_dir():
        raise ParameterError("notebooks", str(path), "cartella dei notebook non trovata: indicarla con --notebooks")
    return path.resolve()


def _notebook_path(folder: Path, name: str) -> Path:
    path = folder / f"{name}.ipynb"
    if not path.is_file():
        raise ParameterError("notebooks", str(folder), f"manca {name}.ipynb: la suite richiede "
                             f"{', '.join(e.notebook + '.ipynb' for e in SUITE)}")
    return path


def _check_year(year: int | str | None, info: DistrictInfo) -> int:
    if not info.anni:
        raise ParameterError("year", year, f"{info.nome} non ha anni con dati di utenti o spesa: "
                             f"completare utenti.csv o spesa.csv in {info.folder}")
    if year is None:
        return max(info.anni)
    try:
        value = int(str(year).strip())
    except ValueError:
        value = None
    if value not in info.anni:
        raise ParameterError("year", year, f"anni con dati per {info.nome}: "
                             f"{', '.join(map(str, info.anni))} (opzione --year)")
    return value


def _check_areas(areas: Sequence[str] | str | None) -> list[str]:
    if areas is None:
        return list(AREE)
    codes = [a.strip() for a in areas.split(",")] if isinstance(areas, str) else [str(a).strip() for a in areas]
    if not codes or any(not c for c in codes):
        raise ParameterError("areas", ",".join(codes), f"indicare codici separati da virgola: {', '.join(AREE)}")
    for code in codes:
        if code not in AREE:
            raise ParameterError("area", code, f"aree valide: {', '.join(AREE)}")
    return list(dict.fromkeys(codes))


def check_comuni(comuni: Sequence[str] | str | None, info: DistrictInfo) -> list[tuple[str, str]]:
    """(code, name) of the comuni asked for (ISTAT codes or names; None: all; "": none), in the district's order."""
    if comuni is None:
        return list(info.comuni)
    if isinstance(comuni, str) and not comuni.strip():
        return []  # --comuni "": no profiles
    asked = [c.strip() for c in comuni.split(",")] if isinstance(comuni, str) else [str(c).strip() for c in comuni]
    by_key = {key.casefold(): (code, name) for code, name in info.comuni for key in (code, name)}
    chosen = {}
    for value in asked:
        if value.casefold() not in by_key:
            raise ParameterError("comuni", value, f"comuni di {info.nome}: "
                                 f"{', '.join(f'{name} ({code})' for code, name in info.comuni)} (opzione --comuni)")
        chosen[by_key[value.casefold()][0]] = True
    return [(code, name) for code, name in info.comuni if code in chosen]


def inside(root: Path, path: Path, code: str) -> Path:
    """`path` resolved, if it is inside the output folder `root`; else ParameterError naming district `code`."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        raise ParameterError("codice", code, f"porterebbe a scrivere in {resolved}, fuori dalla cartella dei "
                             f"rapporti {root}: correggere 'codice' in {CONFIG_FILE} (lettere minuscole, cifre, "
                             "trattino basso)")
    return resolved


def _outside(secret: Path, root: Path) -> None:
    if secret.resolve().is_relative_to(root):
        raise ParameterError("XDG_STATE_HOME", str(secret.parent.parent), f"la chiave locale {secret} finirebbe "
                             f"nella cartella dei rapporti {root}, che si pubblica: indicare una cartella fuori "
                             "da --out")


# ---------------------------------------------------------------------------
# options of the run


def check_timeout(timeout: float | int | str | None) -> float:
    """Seconds allowed to each job (``--tempo-massimo``), default `DEFAULT_TIMEOUT_S`; ParameterError if not > 0."""
    if timeout is None:
        return float(DEFAULT_TIMEOUT_S)
    try:
        value = float(str(timeout).strip())
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise ParameterError("timeout", timeout, "indicare i secondi massimi per rapporto, un numero maggiore di 0 "
                             f"(opzione --tempo-massimo; predefinito {DEFAULT_TIMEOUT_S})")
    return value


def check_memory(memory_mb: int | str | None) -> int:
    """Megabytes of address space per kernel (``--memoria``), default `DEFAULT_MEMORY_MB`, at least `MIN_MEMORY_MB`."""
    if memory_mb is None:
        return DEFAULT_MEMORY_MB
    try:
        value = int(str(memory_mb).strip())
    except ValueError:
        value = 0
    if value < MIN_MEMORY_MB:
        raise ParameterError("memoria", memory_mb, f"indicare i MB di memoria per kernel, almeno {MIN_MEMORY_MB} "
                             f"(opzione --memoria; predefinito {DEFAULT_MEMORY_MB})")
    return value


def check_jobs(jobs: int | str | None) -> int:
    """Number of worker processes (``--processi``), default one per usable core; ParameterError if < 1."""
    if jobs is None:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        value = int(str(jobs).strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ParameterError("jobs", jobs, "indicare un numero intero di processi, almeno 1")
    return value


# ---------------------------------------------------------------------------
# incremental runs


def job_key(job: Job, plan: Plan) -> str:
    """The key that decides whether a published report is up to date (an HMAC: see `pianozona.publish.keys`)."""
    return keyed({"notebook": file_hash(job.notebook), "dati": plan.district.data_hash,
                  "parametri": job.parameters, "pacchetto": package_fingerprint(),
                  "protezione": plan.district.secret_hash})


def is_up_to_date(job: Job, key: str, manifest: dict, out_dir: Path) -> bool:
    """True when the manifest says this job succeeded with the same key and its files are in place."""
    entry = manifest_entries(manifest).get(job.name, {})
    return (entry.get("stato") == "riuscito" and entry.get("chiave") == key
            and all((out_dir / (entry.get(k) or "")).is_file() for k in ("html", "notebook_eseguito")))
