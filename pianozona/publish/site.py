"""Publishing a run into ``<out>/<district>/<year>/``: reports, index, manifest, locking.

`publish_job` moves a job's files in place from the run's temporary
folder (`_move_in`, only complete files, with `os.replace`) and rewrites
``manifest.json`` and ``index.html`` atomically (`_write_outputs`);
`deferred_interrupts` holds Ctrl-C/SIGTERM while they are swapped in.
`run_lock` allows one run at a time per folder and `remove_stale_temp`
removes what an interrupted run left behind.  See `pianozona.publish.runner` for
the outputs and the manifest fields.

The lock is an ``flock`` on ``.lock``: the operating system releases it when
its holder dies, even by ``kill -9``.  Its file is opened close-on-exec (no
kernel or template inherits it) and forked workers close their copy
(`pianozona.publish.workers.release_lock`), so only the runner holds it.  On a read-only output
folder the lock is taken on the existing file opened read-only, or skipped
when there is none: nobody can publish there, and an up-to-date run has
nothing to write (`is_read_only` says which errors mean "read-only").

Manifest format 2: the raw data appear by file name only (no hashes) and
the incremental keys are HMACs (see `pianozona.publish.keys`).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pianozona.data.areas import AREE
from pianozona.errors import ExecutionError
from pianozona.publish.files import (
    PACKAGE_ROOT, TEMP_PREFIX, file_hash, manifest_entries, package_version, read_json, umask, write_atomic,
)
from pianozona.publish.keys import package_fingerprint
from pianozona.publish.planning import GROUP_DISTRICT, GROUP_MEMBERS, SUITE, Job, Plan

MANIFEST, INDEX, LOCK = "manifest.json", "index.html", ".lock"
DICTIONARY = "dizionario.html"  # the dictionary of definitions (pianozona.analysis.glossary.DICTIONARY_FILE)
#: a successful job's files besides its page and notebook, published when the job made them
OPTIONAL_SUFFIXES = (".metrics.json", ".xlsx", ".docx", ".pdf")
DOWNLOADS = (("foglio_di_calcolo", "tabelle (Excel)"), ("docx", "documento Word"), ("pdf", "PDF da stampare"))
MANIFEST_FORMAT = 2  # 2: no raw-data hashes, keyed incremental keys
READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


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
    """Move a job's files from the temporary folder `work` into place and record it in the manifest and index."""
    out, name = plan.out_dir, job.name
    previous = manifest_entries(manifest).get(name, {})
    now = _now()
    entry = {
        "nome": name, "titolo": job.title, "gruppo": job.group, "notebook": job.notebook.name,
        "hash_notebook": file_hash(job.notebook),
        "parametri": job.parameters, "stato": result.status, "durata_s": round(result.duration_s, 2),
        "aggiornato_il": now, "chiave": key, "avvisi": result.warnings,
    }
    if result.status == "riuscito":
        optional = [f"{name}{suffix}" for suffix in OPTIONAL_SUFFIXES]
        moved = _move_in(work, out, [(f"{name}.ipynb", f"{name}.ipynb"), (f"{name}.html", f"{name}.html")]
                         + [(file, file) for file in optional])
        for stale in [f"{name}.errore.html", f"{name}.errore.ipynb"] + [f for f in optional if f not in moved]:
            (out / stale).unlink(missing_ok=True)  # a file this run did not make must not stay linked
        entry.update(html=f"{name}.html", notebook_eseguito=f"{name}.ipynb", errore=None,
                     cifre_chiave_file=f"{name}.metrics.json" if f"{name}.metrics.json" in moved else None,
                     cifre_chiave=result.metrics, ultimo_successo=None, hash_risultato=result.result_hash,
                     foglio_di_calcolo=f"{name}.xlsx" if f"{name}.xlsx" in moved else None,
                     docx=f"{name}.docx" if f"{name}.docx" in moved else None,
                     pdf=f"{name}.pdf" if f"{name}.pdf" in moved else None)
    else:
        page, executed = f"{name}.errore.html", f"{name}.errore.ipynb"
        moved = _move_in(work, out, [(f"{name}.ipynb", executed), (f"{name}.html", page)])
        for stale in {page, executed} - moved:  # never link an older failure's files
            (out / stale).unlink(missing_ok=True)
        entry.update(html=page if page in moved else None, notebook_eseguito=executed if executed in moved else None,
                     errore=result.message, cifre_chiave_file=None, cifre_chiave=None, hash_risultato=None,
                     ultimo_successo=_last_success(previous, out), foglio_di_calcolo=None, docx=None, pdf=None)
    manifest.setdefault("rapporti", [])
    manifest["rapporti"] = [e for e in manifest["rapporti"] if e.get("nome") != name] + [entry]
    _write_outputs(plan, manifest)


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
        last = {k: previous.get(k) for k in ("aggiornato_il", "html", "notebook_eseguito", "durata_s",
                                             "foglio_di_calcolo", "docx", "pdf")}
    else:
        last = previous.get("ultimo_successo")
    return last if last and (out / (last.get("html") or "")).is_file() else None


def last_good_html(previous: dict, out: Path) -> str | None:
    """The page of the last successful version of a report (from its `previous` manifest entry), if still there."""
    last = _last_success(previous, out)
    return last["html"] if last else None


def publish_summary(plan: Plan, manifest: dict, run_info: dict) -> None:
    """Record the run (``ultima_esecuzione``) and rewrite manifest and index, Ctrl-C held meanwhile."""
    with deferred_interrupts():
        manifest["ultima_esecuzione"] = {"conclusa_il": _now(), **run_info}
        _write_outputs(plan, manifest)


def _write_outputs(plan: Plan, manifest: dict) -> None:
    """Rewrite manifest.json and index.html (each atomically) from the manifest entries."""
    order = {name: i for i, name in enumerate(_suite_names(plan))}
    entries = sorted(manifest.get("rapporti", []), key=lambda e: (order.get(e["nome"], len(order)), e["nome"]))
    failed = [e for e in entries if e.get("stato") == "fallito"]
    fresh = {
        "formato": MANIFEST_FORMAT,
        "distretto": {"codice": plan.district.codice, "nome": plan.district.nome,
                      "cartella": plan.district.folder.name, "dimostrativo": plan.district.dimostrativo},
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
    write_atomic(plan.out_dir / INDEX, _index_html(plan, entries))


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


def _index_html(plan: Plan, entries: list[dict]) -> str:
    from pianozona.present.render import PageInfo, render_index

    rows = [_index_row(e) for e in entries] + [_member_row(folder, plan.out_dir) for folder in plan.members]
    page = PageInfo(f"Rapporti {plan.year}", plan.district.nome, plan.year, plan.district.dimostrativo,
                    index_href=None, version=package_fingerprint()["versione"] or "")
    return render_index(rows, page, other_years=other_years(plan.out_dir), dictionary_href=DICTIONARY)


def _dictionary_html(plan: Plan) -> str:
    """The dictionary of definitions, with the population at risk of the district's own areas."""
    from pianozona.analysis.glossary import DICTIONARY_TITLE, build
    from pianozona.present.render import PageInfo, render_dictionary

    page = PageInfo(DICTIONARY_TITLE, plan.district.nome, plan.year, version=package_fingerprint()["versione"] or "")
    return render_dictionary(build(plan.district.aree or None), page)


def _index_row(e: dict):
    """One report of the index: its page, headline figures and downloads (of the last good version if it failed)."""
    from pianozona.present.headlines import headline_figures
    from pianozona.present.render import IndexRow

    last, note, shown = e.get("ultimo_successo"), "", e
    links = [("notebook eseguito", e.get("notebook_eseguito")), ("cifre chiave (JSON)", e.get("cifre_chiave_file"))]
    href = e.get("html")
    if e["stato"] == "fallito":
        links = [("pagina dell'errore", e.get("html")), ("notebook con l'errore", e.get("notebook_eseguito"))]
        note = (f"Errore: {e.get('errore')}. " if e.get("errore") else "")
        note += (f"Il titolo porta all'ultima versione riuscita ({_when(last.get('aggiornato_il'))})." if last
                 else "Nessuna versione riuscita.")
        href, shown = (last["html"], last) if last else (e.get("html"), {})
    downloads = tuple((text, shown.get(key)) for key, text in DOWNLOADS if shown.get(key))
    figures = headline_figures(e.get("notebook", ""), e.get("cifre_chiave")) if e["stato"] != "fallito" else ()
    return IndexRow(e["titolo"], e["stato"], href, dt.datetime.fromisoformat(e["aggiornato_il"]), e.get("durata_s"),
                    tuple((text, target) for text, target in links if target), note, figures, downloads,
                    e.get("gruppo") or GROUP_DISTRICT)


def _member_row(folder: Path, out: Path):
    """A territory index's line for one district: its index, how its last run went, how many reports it has."""
    from pianozona.present.render import IndexRow

    manifest = read_json(folder / MANIFEST)
    entries = manifest.get("rapporti", [])
    failed = sum(e.get("stato") == "fallito" for e in entries)
    name = (manifest.get("distretto") or {}).get("nome") or folder.parent.name
    if not manifest:
        return IndexRow(name, "non eseguito", None, note="Nessun rapporto pubblicato.", group=GROUP_MEMBERS)
    figures = (("Rapporti pubblicati", str(len(entries) - failed)), ("Non riusciti", str(failed)))
    note = (f"{failed} {'rapporto non riuscito' if failed == 1 else 'rapporti non riusciti'}: vedere l'indice "
            "del distretto." if failed else "")
    try:
        updated = dt.datetime.fromisoformat(str(manifest.get("aggiornato_il")))
    except ValueError:
        updated = None
    return IndexRow(name, "fallito" if failed else "riuscito", os.path.relpath(folder / INDEX, out), updated, None,
                    (("manifest.json", os.path.relpath(folder / MANIFEST, out)),), note, figures, (), GROUP_MEMBERS)


def other_years(out: Path) -> tuple[tuple[int, str], ...]:
    """(year, relative href) of the district's other published years: sibling ``<year>/`` folders with an index."""
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return ()
    return tuple(sorted((int(p.name), f"../{p.name}/{INDEX}") for p in siblings
                        if p.name.isdigit() and p.name != out.name and (p / INDEX).is_file()))


def _when(iso: str | None) -> str:
    from pianozona.formatting import data_lunga

    if not iso:
        return "data sconosciuta"
    moment = dt.datetime.fromisoformat(iso)
    return f"{data_lunga(moment.date())}, {moment:%H:%M}"


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


def remove_tree(path: Path) -> None:
    """Remove a folder, retrying while a dying kernel may still be closing a file in it."""
    for _ in range(20):  # a kernel being killed may still be closing a file
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.1)


def remove_stale_temp(out: Path) -> None:
    """Remove the temporary files and folders an interrupted run left in `out` (nothing on a read-only folder)."""
    if not os.access(out, os.W_OK):  # read-only: nothing can be removed, nothing will be written
        return
    for path in out.glob(TEMP_PREFIX + "*"):
        remove_tree(path) if path.is_dir() else path.unlink(missing_ok=True)


@contextmanager
def run_lock(out: Path) -> Iterator[tuple[int, int, int] | None]:
    """One run at a time per folder; yields (fd, device, inode) of the lock, None on a read-only folder without one."""
    fd = _open_lock(out / LOCK)
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


def _open_lock(path: Path) -> int | None:
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
