"""Publishing a run into ``<out>/<district>/<year>/``: reports, index, manifest, locking.

Only what is meant to be shared is published: each report's page, spreadsheet, PDF and key figures,
the index and the manifest, and the failure page of a report that did not run (a reason in a few
words, no path, no traceback).  What a run keeps for the operator -- the executed notebooks, the
notebooks of the failures, the failures' full messages, the lock and the district facts -- goes to
the private folder of the output folder (`pianozona.publish.planning.private_folder`, under
``$XDG_STATE_HOME/pianozona``), never among the pages.

`publish_job` moves a job's files in place from the run's temporary folder (`_move_in`, only
complete files, with `os.replace`) and rewrites ``manifest.json`` and ``index.html`` atomically
(`_write_outputs`); `deferred_interrupts` holds Ctrl-C/SIGTERM while they are swapped in.
`publish_summary` also writes the district's page of years and the other years' indexes
(`pianozona.publish.index`).  `run_lock` allows one run at a time per folder and
`pianozona.files.remove_temporaries` removes what an interrupted run left behind.  See
`pianozona.publish.runner` for the outputs and the manifest fields.

The lock is an ``flock`` on the file `lock_path` names, in the private folder: the operating system
releases it when its holder dies, even by ``kill -9``.  Its file is opened close-on-exec (no kernel
or template inherits it) and forked workers close their copy
(`pianozona.publish.workers.release_lock`), so only the runner holds it.  Two runs publishing into
one folder are excluded when they share the private state folder (the same user, or the same
``XDG_STATE_HOME``).

Manifest format 3: no executed notebook listed, parameters by district code (no path), the failures'
reasons in words; as in format 2, the raw data appear by file name only (no hashes) and the
incremental keys are HMACs (see `pianozona.publish.keys`).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pianozona.data.areas import AREE
from pianozona.errors import ExecutionError
from pianozona.files import PACKAGE_ROOT, file_hash, read_json, umask, write_atomic
from pianozona.publish.index import DICTIONARY, INDEX, MANIFEST, Folder, index_html, publish_years
from pianozona.publish.keys import package_fingerprint, package_version
from pianozona.publish.planning import SUITE, Job, Plan, manifest_entries, private_folder

LOCK, NOTEBOOKS, FAILURES = "lock", "notebook", "errori.json"  # in the private folder of an output folder
#: a successful job's files besides its page, published when the job made them
OPTIONAL_SUFFIXES = (".metrics.json", ".xlsx", ".docx", ".pdf")
#: files earlier versions published and that are private now: removed from the published folder
NO_LONGER_PUBLISHED = ("*.ipynb", ".lock")
MANIFEST_FORMAT = 3  # 3: nothing private published; 2: no raw-data hashes, keyed incremental keys
READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
#: the published reason of a failure, by the start of its message (`public_reason`); else `REASON_OTHER`
REASONS = (
    ("superato il tempo massimo", "l'esecuzione ha superato il tempo massimo"),
    ("memoria esaurita", "memoria insufficiente durante l'esecuzione"),
    ("il kernel si è interrotto", "l'esecuzione si è interrotta"),
    ("il processo di esecuzione", "l'esecuzione si è interrotta"),
    ("nessun processo", "l'esecuzione si è interrotta"),
    ("disco pieno", "spazio su disco esaurito"),
    ("i dati sono cambiati", "i dati sono cambiati durante l'esecuzione"),
    ("ValidationError", "i dati del distretto hanno errori"),
    ("DataError", "i dati del distretto hanno errori"),
)
REASON_OTHER = "errore durante l'esecuzione del notebook"
_ABSOLUTE = re.compile(r"(?<![\w:/.\\])(?:[A-Za-z]:[\\/]|/)(?:[^\s'\"()<>:;,]*[\\/])+([^\s'\"()<>:;,\\/]*)")


@dataclass
class JobResult:
    """Outcome of one job: ``status`` is "riuscito", "fallito" or "invariato" (skipped, up to date)."""

    job: Job
    status: str
    duration_s: float = 0.0
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    metrics: dict | None = None
    result_hash: str | None = None  # digest of the executed notebook's outputs (`execution.result_hash`)


# ---------------------------------------------------------------------------
# publishing


def publish_job(plan: Plan, job: Job, result: JobResult, key: str, work: Path, manifest: dict) -> None:
    """Move a job's files from the temporary folder `work` into place and record it in the manifest and index.

    Its executed notebook goes to the private folder; a failed job publishes a failure page instead of
    its page (the last good page stays) and keeps its full message privately (`FAILURES`).
    """
    out, name = plan.out_dir, job.name
    previous = manifest_entries(manifest).get(name, {})
    ok = result.status == "riuscito"
    entry = {
        "nome": name, "titolo": job.title, "gruppo": job.group, "notebook": job.notebook.name,
        "hash_notebook": file_hash(job.notebook), "parametri": public_parameters(job, plan),
        "stato": result.status, "durata_s": round(result.duration_s, 2), "aggiornato_il": _now(), "chiave": key,
        "avvisi": [public_text(w) for w in result.warnings],
    }
    _keep_private(work / f"{name}.ipynb", out, f"{name}.ipynb" if ok else f"{name}.errore.ipynb")
    if ok:
        optional = [f"{name}{suffix}" for suffix in OPTIONAL_SUFFIXES]
        moved = _move_in(work, out, [(f"{name}.html", f"{name}.html")] + [(file, file) for file in optional])
        for stale in [f"{name}.errore.html"] + [f for f in optional if f not in moved]:
            (out / stale).unlink(missing_ok=True)  # a file this run did not make must not stay linked
        (private_folder(out) / NOTEBOOKS / f"{name}.errore.ipynb").unlink(missing_ok=True)
        entry.update(html=f"{name}.html", errore=None, ultimo_successo=None, hash_risultato=result.result_hash,
                     cifre_chiave_file=f"{name}.metrics.json" if f"{name}.metrics.json" in moved else None,
                     cifre_chiave=result.metrics, foglio_di_calcolo=f"{name}.xlsx" if f"{name}.xlsx" in moved else None,
                     docx=f"{name}.docx" if f"{name}.docx" in moved else None,
                     pdf=f"{name}.pdf" if f"{name}.pdf" in moved else None)
    else:
        reason, last = public_reason(result.message), _last_success(previous, out)
        write_atomic(out / f"{name}.errore.html", _failure_page(plan, job, reason, last))
        entry.update(html=f"{name}.errore.html", errore=reason, cifre_chiave_file=None, cifre_chiave=None,
                     hash_risultato=None, ultimo_successo=last, foglio_di_calcolo=None, docx=None, pdf=None)
    _record_failure(out, name, None if ok else result.message)
    manifest.setdefault("rapporti", [])
    manifest["rapporti"] = [e for e in manifest["rapporti"] if e.get("nome") != name] + [entry]
    _write_outputs(plan, manifest)


def public_parameters(job: Job, plan: Plan) -> dict:
    """A job's parameters as the manifest publishes them: the district (or territory) by code, never a path."""
    return {k: (plan.district.codice if k in ("district", "territory") else v) for k, v in job.parameters.items()}


def public_reason(message: str) -> str:
    """Why a job failed, in words a reader of the published files may see (no path, no traceback).

    The full message goes to the terminal, the log and the private folder.
    """
    text = message.strip()
    return next((reason for start, reason in REASONS if text.startswith(start) or start in text[:60]), REASON_OTHER)


def public_text(text: str) -> str:
    """`text` with every absolute path reduced to its last part (a warning published in the manifest)."""
    return _ABSOLUTE.sub(lambda m: m.group(1) or "", str(text))


def _failure_page(plan: Plan, job: Job, reason: str, last: dict | None) -> str:
    from pianozona.present.render import PageInfo, render_failure

    page = PageInfo(job.title, plan.district.nome, plan.year, plan.district.dimostrativo,
                    previous_report=(last or {}).get("html"), version=package_fingerprint()["versione"] or "",
                    ente=plan.district.ente or "")
    return render_failure(page, reason)


def _keep_private(source: Path, out: Path, name: str) -> None:
    """Keep an executed notebook in the private folder of `out` (the last one of each report)."""
    if source.is_file():
        target = private_folder(out) / NOTEBOOKS / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target) if _same_device(source, target.parent) else write_atomic(target, source.read_bytes())


def _same_device(a: Path, b: Path) -> bool:
    return os.stat(a).st_dev == os.stat(b).st_dev


def _record_failure(out: Path, name: str, message: str | None) -> None:
    """Keep (or forget, when it succeeded) a report's full failure message in the private folder."""
    path = private_folder(out) / FAILURES
    failures = read_json(path)
    if message is None and name not in failures:
        return
    if message is None:
        failures.pop(name)
    else:
        failures[name] = {"messaggio": message, "il": _now()}
    write_atomic(path, json.dumps(failures, ensure_ascii=False, indent=2))


def private_notebook(out: Path, name: str) -> Path:
    """Where the executed notebook of report `name` of `out` is kept (``<name>.errore``: of its failure)."""
    return private_folder(out) / NOTEBOOKS / f"{name}.ipynb"


def _move_in(work: Path, out: Path, pairs: list[tuple[str, str]]) -> set[str]:
    moved = set()
    for source, target in pairs:
        if (work / source).is_file():
            os.chmod(work / source, 0o666 & ~umask())  # readable like any other published file
            os.replace(work / source, out / target)
            moved.add(target)
    return moved


def _last_success(previous: dict, out: Path) -> dict | None:
    if previous.get("stato") == "riuscito":
        last = {k: previous.get(k) for k in ("aggiornato_il", "html", "durata_s", "foglio_di_calcolo", "docx", "pdf")}
    else:
        last = previous.get("ultimo_successo")
    return last if last and (out / (last.get("html") or "")).is_file() else None


def last_good_html(previous: dict, out: Path) -> str | None:
    """The page of the last successful version of a report (from its `previous` manifest entry), if still there."""
    last = _last_success(previous, out)
    return last["html"] if last else None


def remove_no_longer_published(out: Path) -> None:
    """Remove from a published folder what earlier versions put there and is private now (notebooks, lock, facts)."""
    if not os.access(out, os.W_OK):  # read-only: nothing will be written either
        return
    for pattern in NO_LONGER_PUBLISHED:
        for path in out.glob(pattern):
            path.unlink(missing_ok=True)
    (out.parent / ".distretto.json").unlink(missing_ok=True)


def publish_summary(plan: Plan, manifest: dict, run_info: dict) -> None:
    """Record the run (``ultima_esecuzione``), rewrite manifest and index, then the district's page of years.

    Ctrl-C is held meanwhile.
    """
    with deferred_interrupts():
        manifest["ultima_esecuzione"] = {"conclusa_il": _now(), **run_info}
        _write_outputs(plan, manifest)
        publish_years(plan.out_dir, plan.district.nome, plan.district.dimostrativo, run_lock)


def _write_outputs(plan: Plan, manifest: dict) -> None:
    """Rewrite manifest.json and index.html (each atomically) from the manifest entries."""
    order = {name: i for i, name in enumerate(_suite_names(plan))}
    entries = sorted(manifest.get("rapporti", []), key=lambda e: (order.get(e["nome"], len(order)), e["nome"]))
    failed = [e for e in entries if e.get("stato") == "fallito"]
    fresh = {
        "formato": MANIFEST_FORMAT,
        "distretto": {"codice": plan.district.codice, "nome": plan.district.nome,
                      "cartella": plan.district.folder.name, "dimostrativo": plan.district.dimostrativo,
                      **({"ente": plan.district.ente} if plan.district.ente else {})},
        "anno": plan.year, "esito": "con errori" if failed else "riuscito", "aggiornato_il": _now(),
        "ultima_esecuzione": manifest.get("ultima_esecuzione"),
        "pianozona": manifest.get("pianozona") or {**package_fingerprint(), "commit_git": git_commit()},
        "ambiente": {"python": sys.version.split()[0], "papermill": package_version("papermill")},
        "dati": {"file": sorted(plan.district.data_files)},  # names only: see pianozona.publish.keys
        # folder names, not absolute paths: a shared manifest need not tell where the server keeps its files
        "cartella_notebook": plan.notebooks_dir.name, "dizionario": DICTIONARY, "rapporti": entries,
    }
    if plan.members:  # a territory: where its districts' reports are, relative to this folder
        fresh["indici_distretti"] = [os.path.relpath(folder / INDEX, plan.out_dir) for folder in plan.members]
    manifest.clear()
    manifest.update(fresh)
    write_atomic(plan.out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, default=str))
    write_atomic(plan.out_dir / DICTIONARY, _dictionary_html(plan))
    folder = Folder(plan.out_dir, plan.year, plan.district.nome, plan.district.dimostrativo, plan.members,
                    ente=plan.district.ente or "")
    write_atomic(plan.out_dir / INDEX, index_html(folder, entries))


def _suite_names(plan: Plan) -> list[str]:
    """Every job name of the district's whole suite, in the order reports are listed (a narrowed run too)."""
    names = []
    for entry in SUITE:
        if entry.per_area:
            names += [f"{entry.notebook}_{code}" for code in AREE]
        elif entry.per_comune:
            names += [f"{entry.notebook}_{code}" for code, _ in plan.district.comuni]
        else:
            names.append(entry.notebook)
    return names


def _dictionary_html(plan: Plan) -> str:
    """The dictionary of definitions, with the population at risk of the district's own areas."""
    from pianozona.analysis.glossary import DICTIONARY_TITLE, build
    from pianozona.present.render import PageInfo, render_dictionary

    page = PageInfo(DICTIONARY_TITLE, plan.district.nome, plan.year, version=package_fingerprint()["versione"] or "",
                    ente=plan.district.ente or "")
    return render_dictionary(build(plan.district.aree or None), page)


def git_commit() -> str | None:
    """The git commit of the checkout pianozona runs from; None for an installed package or without git."""
    if not (PACKAGE_ROOT.parent / ".git").exists():
        return None
    try:
        proc = subprocess.run(["git", "-C", str(PACKAGE_ROOT.parent), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


@contextmanager
def run_lock(out: Path) -> Iterator[tuple[int, int, int] | None]:
    """One run at a time per folder; yields (fd, device, inode) of the lock, None on a read-only folder without one."""
    fd = _open_lock(lock_path(out))
    if fd is None:
        yield None
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ExecutionError(f"un'altra esecuzione sta già scrivendo in {out}: attendere che finisca") from None
        info = os.fstat(fd)
        yield fd, info.st_dev, info.st_ino
    finally:
        os.close(fd)


def lock_path(out: Path) -> Path:
    """The file locked while a run writes into the output folder `out`: in its private folder, never published."""
    return private_folder(out) / LOCK


def _open_lock(path: Path) -> int | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666 & ~umask())
    except OSError as exc:
        if not is_read_only(exc):
            raise
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # flock works on a read-only descriptor too
    except FileNotFoundError:
        return None


def is_read_only(exc: OSError) -> bool:
    """Whether a failed write means the folder cannot be written (read-only file system, no permission)."""
    return exc.errno in READ_ONLY


def write_error_message(exc: OSError, out: Path) -> str:
    """One Italian line for a failed write in the output folder `out` (full disk, read-only, other)."""
    where = exc.filename or out
    if exc.errno == errno.ENOSPC:
        return (f"disco pieno scrivendo {where}: liberare spazio e rilanciare; i rapporti già pubblicati "
                "restano quelli di prima, nessun file parziale")
    if is_read_only(exc):
        return (f"la cartella dei rapporti {out} non è scrivibile ({exc.strerror}): scegliere un'altra cartella "
                "con --out o renderla scrivibile")
    return f"scrittura non riuscita in {where} ({exc.strerror or exc}): controllare la cartella dei rapporti"


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Hold Ctrl-C/SIGTERM while a job's files and the manifest are swapped in."""
    if not in_main_thread():
        yield
        return
    received = []
    handlers = {sig: signal.signal(sig, lambda signum, frame: received.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        if received:
            raise KeyboardInterrupt


def in_main_thread() -> bool:
    """Whether this is the main thread (the only one that may install signal handlers)."""
    import threading

    return threading.current_thread() is threading.main_thread()
