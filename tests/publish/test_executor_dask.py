"""The Dask executor on a LocalCluster of two workers: the same pages as the local pool, failures isolated, skips."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from pianozona.errors import ParameterError
from pianozona.publish.executor_dask import check_executor
from pianozona.publish.files import TEMP_PREFIX
from pianozona.publish.runner import run_reports
from tests.publish.conftest import FIXTURES, edit_notebook
from tests.publish.test_runner import alive, descendants, kernel_pids, ours, published, wait_until

distributed = pytest.importorskip("distributed", reason="serve il pacchetto 'distributed' per l'esecutore Dask")

NARROW = {"areas": "anziani", "comuni": ["018110"], "progress": "none", "jobs": 2}
TIMES = ("durata_s", "aggiornato_il")


def entries(out: Path) -> dict[str, dict]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["nome"]: {k: v for k, v in e.items() if k not in TIMES} for e in manifest["rapporti"]}


def outputs(path: Path) -> list:
    """What an executed notebook showed, cell by cell (no execution counts, times or ids)."""
    nb = nbformat.read(path, as_version=4)
    return [[{k: v for k, v in o.items() if k != "execution_count"} for o in cell.get("outputs", [])]
            for cell in nb.cells if cell.cell_type == "code"]


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    """The narrowed fixture suite run once with the local pool and once on Dask, from the same notebooks."""
    root = tmp_path_factory.mktemp("esecutori")
    notebooks = Path(shutil.copytree(FIXTURES, root / "notebooks"))
    local = run_reports("pavia", notebooks_dir=notebooks, out_dir=root / "locale", **NARROW)
    dask = run_reports("pavia", notebooks_dir=notebooks, out_dir=root / "dask", executor="dask", **NARROW)
    return root, notebooks, local, dask


@pytest.mark.dask
@pytest.mark.kernel
def test_dask_publishes_the_same_pages_as_the_local_pool(both_runs):
    root, _, local, dask = both_runs
    assert local.exit_code == 0 and dask.exit_code == 0, dask.summary()
    assert [r.status for r in dask.results] == ["riuscito"] * 6
    out_local, out_dask = root / "locale" / "pavia" / "2023", root / "dask" / "pavia" / "2023"
    assert entries(out_dask) == entries(out_local)  # parameters, key figures, incremental keys, files, warnings
    for name in entries(out_local):
        assert outputs(out_dask / f"{name}.ipynb") == outputs(out_local / f"{name}.ipynb"), name
    assert entries(out_dask)["bisogni_area_anziani"]["cifre_chiave"]["pubblicazione"] == "1"
    manifest = json.loads((out_dask / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["ultima_esecuzione"]["esecutore"] == "dask"
    assert not [p for p in out_dask.iterdir() if p.name.startswith(".tmp")]


@pytest.mark.dask
@pytest.mark.kernel
def test_a_dask_rerun_skips_what_is_up_to_date(both_runs):
    root, notebooks, _, _ = both_runs
    again = run_reports("pavia", notebooks_dir=notebooks, out_dir=root / "dask", executor="dask", **NARROW)
    assert [r.status for r in again.results] == ["invariato"] * 6
    # and the local pool sees the Dask run's reports as up to date: same keys
    crossed = run_reports("pavia", notebooks_dir=notebooks, out_dir=root / "dask", **NARROW)
    assert [r.status for r in crossed.results] == ["invariato"] * 6


# the Dask worker that asked for this kernel: the kernel writes to that worker's log, processo-<pid>.log
KILL_THE_WORKER = ("import os, re\n"
                   "def link(fd):\n"
                   "    try:\n"
                   "        return os.readlink(f'/proc/self/fd/{fd}')\n"
                   "    except OSError:  # the folder's own descriptor, closed by now\n"
                   "        return ''\n"
                   "logs = [re.search(r'processo-(\\d+)\\.log$', link(fd)) for fd in os.listdir('/proc/self/fd')]\n"
                   "os.kill(next(int(m.group(1)) for m in logs if m), 9)\n")


@pytest.mark.dask
@pytest.mark.kernel
def test_a_failing_job_and_one_that_kills_its_worker_fail_alone(tmp_path, notebooks):
    shutil.copy(FIXTURES / "errore.ipynb", notebooks / "bilancio.ipynb")
    edit_notebook(notebooks / "verifica_annuale.ipynb",
                  lambda nb: nb.cells.insert(2, nbformat.v4.new_code_cell(KILL_THE_WORKER)))
    result = run_reports("pavia", notebooks_dir=notebooks, out_dir=tmp_path, executor="dask", **NARROW)
    status = {r.job.name: (r.status, r.message) for r in result.results}
    assert status.pop("bilancio") == ("fallito", "ValueError: spesa negativa nel file di prova")
    killed, message = status.pop("verifica_annuale")
    assert killed == "fallito" and "processo di esecuzione Dask si è interrotto" in message, message
    assert {s for s, _ in status.values()} == {"riuscito"}, status
    out = tmp_path / "pavia" / "2023"
    assert (out / "bilancio.errore.html").is_file() and not (out / "bilancio.html").exists()
    assert entries(out)["verifica_annuale"]["stato"] == "fallito" and result.exit_code == 1


@pytest.mark.parametrize("executor, scheduler, name, hint", [
    ("spark", None, "executor", "locale, dask"), ("locale", "tcp://h:1", "scheduler", "solo con --executor dask"),
    ("dask", "http://127.0.0.1:8786", "scheduler", "tcp://host:porta"),
    ("dask", "tcp://127.0.0.1", "scheduler", "tcp://host:porta")])
def test_a_bad_executor_or_scheduler_is_refused_before_planning(executor, scheduler, name, hint):
    with pytest.raises(ParameterError) as caught:
        check_executor(executor, scheduler)
    assert caught.value.name == name and hint in str(caught.value)


def test_a_scheduler_address_is_accepted():
    assert check_executor("dask", "tcp://10.0.0.5:8786") == "dask"
    assert check_executor("DASK", "tls://[::1]:8786") == "dask"
    assert check_executor(None, None) == "locale"


def shown_pages(out: Path) -> dict[str, tuple[str, str]]:
    """Each report's state and the hash of what its executed notebook showed, from the manifest."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["nome"]: (e["stato"], e["hash_risultato"]) for e in manifest["rapporti"]}


@pytest.mark.suite
@pytest.mark.dask
@pytest.mark.kernel
def test_the_real_suite_gives_the_same_pages_on_dask_as_on_the_local_pool(tmp_path):
    """The project's own notebooks for Pavia, narrowed to one area and one comune, run by both executors."""
    narrowed = {"areas": "anziani", "comuni": ["018110"], "progress": "none", "jobs": 2}
    local = run_reports("pavia", out_dir=tmp_path / "locale", **narrowed)
    dask = run_reports("pavia", out_dir=tmp_path / "dask", executor="dask", **narrowed)
    assert local.exit_code == 0 and dask.exit_code == 0, local.summary() + dask.summary()
    pages_local = shown_pages(tmp_path / "locale" / "pavia" / "2023")
    pages_dask = shown_pages(tmp_path / "dask" / "pavia" / "2023")
    assert set(pages_local) == {"panoramica", "bisogni_area_anziani", "verifica_annuale", "bilancio",
                                "quadro_sindaci", "scheda_comune_018110"}
    assert all(state == "riuscito" and len(digest) == 64 for state, digest in pages_local.values()), pages_local
    different = {name: (page, pages_dask.get(name)) for name, page in pages_local.items()
                 if pages_dask.get(name) != page}
    assert not different, f"pagine diverse tra locale e Dask: {different}"


def sigint_as_in_a_terminal() -> None:
    """In the child: SIGINT delivered as a terminal does (a suite started in the background ignores it)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def session(sid: int) -> set[int]:
    """The live processes of a session (from /proc), whoever their parent is now."""
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[3]) == sid:
                found.add(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    return {pid for pid in found if alive(pid)}


@pytest.mark.dask
@pytest.mark.kernel
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="serve /proc per elencare i processi")
def test_ctrl_c_on_dask_leaves_no_partial_report_and_no_process(tmp_path, notebooks):
    reports = tmp_path / "reports"
    out = reports / "pavia" / "2023"
    command = [sys.executable, "-m", "pianozona.cli", "run", "--notebooks", str(notebooks), "--out", str(reports),
               "--areas", "anziani", "--comuni", "018110", "--processi", "2", "--executor", "dask"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    before, first_done = published(out), (out / "panoramica.html").stat().st_mtime_ns
    edit_notebook(notebooks / "bisogni_area.ipynb",
                  lambda nb: nb.cells.insert(4, nbformat.v4.new_code_cell("import time\ntime.sleep(120)")))
    proc = subprocess.Popen(command + ["--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=sigint_as_in_a_terminal)
    try:  # a fast job published again by this run, the slow one asleep in its kernel
        assert wait_until(lambda: (out / "panoramica.html").stat().st_mtime_ns != first_done and ours(proc.pid)
                          and list(out.glob(TEMP_PREFIX + "*")), 180), "nessun rapporto pubblicato dal run su Dask"
        time.sleep(1)
        running, kernels = descendants(proc.pid), kernel_pids()
        assert kernels & running, "nessun kernel sotto l'esecuzione"
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    assert proc.returncode == 130, stderr
    assert "interrotto" in stderr and "Traceback" not in stderr, stderr
    assert wait_until(lambda: not any(alive(pid) for pid in running) and not session(proc.pid), 10), \
        [pid for pid in running if alive(pid)] + sorted(session(proc.pid))  # Dask workers, templates, kernels
    assert not list(out.glob(TEMP_PREFIX + "*")) and not list(reports.rglob(TEMP_PREFIX + "*"))
    after = published(out)
    assert set(after) == set(before)
    assert after["bisogni_area_anziani.html"] == before["bisogni_area_anziani.html"]  # the interrupted job's page
    manifest = json.loads(after["manifest.json"])  # complete, valid JSON
    for name, content in after.items():  # no page cut short
        if name.endswith(".html"):
            assert content.rstrip().endswith(b"</html>"), name
        elif name.endswith(".ipynb"):
            nbformat.reads(content.decode("utf-8"), as_version=4)
    states = {e["nome"]: e["stato"] for e in manifest["rapporti"]}
    assert set(states.values()) == {"riuscito"}, states


@pytest.mark.dask
@pytest.mark.kernel
def test_a_cluster_given_by_address_gives_the_same_pages_with_its_workers_own_templates(both_runs, tmp_path):
    root, notebooks, _, _ = both_runs
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  memory_limit=0, death_timeout=60) as cluster:  # and Dask's 30 s to connect
        remote = run_reports("pavia", notebooks_dir=notebooks, out_dir=tmp_path, executor="dask",
                             scheduler=cluster.scheduler_address, **NARROW)
    assert remote.exit_code == 0, remote.summary()
    out_local, out_remote = root / "locale" / "pavia" / "2023", tmp_path / "pavia" / "2023"
    assert entries(out_remote) == entries(out_local)  # states, key figures, keys and hash_risultato
    assert all(len(e["hash_risultato"]) == 64 for e in entries(out_remote).values())


def test_only_distributeds_sync_cancel_race_is_kept_off_the_terminal():
    import logging

    from pianozona.publish import executor_dask

    def record_of(source: str, name: str) -> logging.LogRecord:
        namespace: dict = {}
        exec(compile(source, name, "exec"), namespace)
        try:
            namespace["cancel"]()
        except Exception as exc:  # noqa: BLE001
            info = (type(exc), exc, exc.__traceback__)
        return logging.LogRecord("tornado.application", logging.ERROR, name, 1, "Exception in callback", (), info)

    race = "def cancel():\n    if future is not None:\n        future.cancel()\n    future = None\n"
    keep = executor_dask._SyncCancelRace().filter
    assert not keep(record_of(race, "/venv/site-packages/distributed/utils.py"))
    assert keep(record_of(race, "/srv/elsewhere/utils.py"))  # the same error anywhere else is shown
    assert keep(record_of("def cancel():\n    raise ValueError('x')\n", "/venv/distributed/utils.py"))
    assert keep(logging.LogRecord("tornado.application", logging.ERROR, "x", 1, "no exception", (), None))
