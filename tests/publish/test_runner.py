"""The report runner end to end: incremental reruns, atomic publishing, failures and limits, Ctrl-C, kill -9."""

from __future__ import annotations

import html
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
from click.testing import CliRunner
from filelock import FileLock

import pianozona
from pianozona.cli import main
from pianozona.data.areas import AREE
from pianozona.errors import ExecutionError, ParameterError
from pianozona.files import TEMP_PREFIX, digest, file_hash, folder_fingerprint
from pianozona.publish import keys, planning, runner, site, tasks
from pianozona.publish.planning import METRICS_PARAMETER, plan_run
from pianozona.publish.runner import run_reports
from tests.publish.conftest import FAULTS, FIXTURES, SUITE_NAMES, edit_notebook

ONE = ["018110"]  # one comune's profile: runs narrowed to one area stay small


def published(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


# ---------------------------------------------------------------------------
# refused before any kernel starts


def test_a_bad_declaration_stops_the_run_before_any_kernel(tmp_path, notebooks, monkeypatch):
    edit_notebook(notebooks / "bilancio.ipynb",
                  lambda nb: setattr(nb.cells[0], "source", nb.cells[0].source.replace("int", "str")))
    calls = []

    class Recording:  # started before the checks (its template imports meanwhile): never given a task
        def __init__(self, setup):
            calls.append("start")

        def run(self, given):
            calls.append("run")
            yield from ()

        def stop(self):
            calls.append("stop")

    monkeypatch.setitem(tasks.EXECUTORS, "locale", Recording)
    with pytest.raises(ParameterError, match="year"):
        run_reports("pavia", notebooks_dir=notebooks, out_dir=tmp_path, progress="none")
    assert calls == ["start", "stop"]
    out = tmp_path / "pavia" / "2023"
    assert not list(out.glob("*.html")) and not list(out.glob(TEMP_PREFIX + "*"))


def test_a_second_run_on_the_same_folder_is_refused(reports_root):
    plan = plan_run("pavia", notebooks_dir=FIXTURES, out_dir=reports_root)
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(site.lock_path(plan.out_dir)).acquire(timeout=0):  # another run holds it
        with pytest.raises(ExecutionError, match="un'altra esecuzione"):
            run_reports("pavia", notebooks_dir=FIXTURES, out_dir=reports_root, progress="none")


def test_cli_bad_parameter_is_one_line_and_exit_2(reports_root):
    result = CliRunner().invoke(main, ["run", "--areas", "anziani,giovani", "--notebooks", str(FIXTURES),
                                       "--out", str(reports_root)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "pianozona: parametro 'area' non valido: 'giovani'. aree valide: " + ", ".join(AREE)]


# ---------------------------------------------------------------------------
# end to end on the fixture notebooks


@pytest.mark.kernel
def test_full_run_publishes_everything_then_skips_what_is_up_to_date(tmp_path):
    result = run_reports("pavia", notebooks_dir=FIXTURES, out_dir=tmp_path, jobs=2, progress="none")
    out = tmp_path / "pavia" / "2023"
    assert result.exit_code == 0 and [r.status for r in result.results] == ["riuscito"] * len(SUITE_NAMES)
    for name in SUITE_NAMES:
        for suffix in (".html", ".metrics.json"):
            assert (out / f"{name}{suffix}").is_file(), name + suffix
        assert site.private_notebook(out, name).is_file(), name  # kept for the operator, not published
    assert not list(out.glob(TEMP_PREFIX + "*")) and not list(out.glob("*.ipynb"))

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["esito"] == "riuscito" and manifest["anno"] == 2023
    assert manifest["distretto"]["codice"] == "pavia" and manifest["distretto"]["dimostrativo"] is True
    assert manifest["pianozona"]["versione"] and len(manifest["pianozona"]["sorgenti"]) == 64
    assert "commit_git" in manifest["pianozona"] and "utenti.csv" in manifest["dati"]["file"]
    entry = next(e for e in manifest["rapporti"] if e["nome"] == "bisogni_area_minori")
    assert entry["parametri"] == {"district": "pavia", "year": 2023, "area": "minori"}
    assert entry["stato"] == "riuscito" and entry["durata_s"] > 0 and len(entry["hash_notebook"]) == 64
    # the key figures, written by the notebook where the runner said, from a kernel in publication mode
    assert entry["cifre_chiave"] == {"utenti_totali": 60, "anno": 2023, "pubblicazione": "1"}
    assert METRICS_PARAMETER not in entry["parametri"]

    page = (out / "bisogni_area_minori.html").read_text(encoding="utf-8")
    assert "Area: minori" in page and "plt.subplots" not in page and "metrics_path" not in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{name}.html"' in index for name in SUITE_NAMES)

    before = published(out)
    start = time.perf_counter()
    again = run_reports("pavia", notebooks_dir=FIXTURES, out_dir=tmp_path, jobs=2, progress="none")
    assert time.perf_counter() - start < 3
    assert [r.status for r in again.results] == ["invariato"] * len(SUITE_NAMES)
    after = published(out)
    assert {k: v for k, v in after.items() if k.endswith(".html")} == \
           {k: v for k, v in before.items() if k.endswith(".html")} | {"index.html": after["index.html"]}

    forced = run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=FIXTURES, out_dir=tmp_path, force=True,
                         progress="none")
    assert [r.job.name for r in forced.results if r.status == "riuscito"] == [
        "panoramica", "bisogni_area_anziani", "verifica_annuale", "bilancio", "livelli_essenziali",
        "quadro_sindaci", f"scheda_comune_{ONE[0]}"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [e["nome"] for e in manifest["rapporti"]] == SUITE_NAMES  # the other areas stay published


def run_cli(notebooks: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pianozona.cli", "run", "--notebooks", str(notebooks), "--out",
                           str(out), "--areas", "anziani", "--comuni", ONE[0], *extra], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.kernel
def test_a_failing_notebook_keeps_the_last_good_report_and_exits_1(tmp_path, notebooks):
    out = tmp_path / "reports" / "pavia" / "2023"
    assert run_cli(notebooks, tmp_path / "reports").returncode == 0
    good = (out / "bilancio.html").read_bytes()
    shutil.copy(FIXTURES / "errore.ipynb", notebooks / "bilancio.ipynb")

    proc = run_cli(notebooks, tmp_path / "reports")
    assert proc.returncode == 1, proc.stderr
    assert "NON RIUSCITO bilancio: ValueError: spesa negativa nel file di prova" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert (out / "bilancio.html").read_bytes() == good
    error_page = html.unescape((out / "bilancio.errore.html").read_text(encoding="utf-8"))
    assert "Rapporto non aggiornato" in error_page and "errore durante l'esecuzione del notebook" in error_page
    assert "raise ValueError(" not in error_page and "spesa negativa" not in error_page  # details: private
    assert 'href="bilancio.html"' in error_page
    assert nbformat.read(site.private_notebook(out, "bilancio.errore"), as_version=4).cells
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["rapporti"] if e["nome"] == "bilancio")
    assert manifest["esito"] == "con errori" and entry["stato"] == "fallito"
    assert entry["errore"] == "errore durante l'esecuzione del notebook"
    assert entry["ultimo_successo"]["html"] == "bilancio.html"
    others = [e["stato"] for e in manifest["rapporti"] if e["nome"] != "bilancio"]
    assert others == ["riuscito"] * 6  # with livelli_essenziali: bundled Pavia has the staff table
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Non riuscito" in index and 'href="bilancio.errore.html"' in index

    shutil.copy(FIXTURES / "bilancio.ipynb", notebooks / "bilancio.ipynb")
    assert run_cli(notebooks, tmp_path / "reports").returncode == 0
    assert not (out / "bilancio.errore.html").exists() and not site.private_notebook(out, "bilancio.errore").exists()


def ours(root: int) -> set[int]:
    """The template and kernel processes under `root`."""
    return kernel_pids() & descendants(root)


def kernel_pids() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"template_main" in (entry / "cmdline").read_bytes():
                found.add(int(entry.name))
        except OSError:
            pass
    return found


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child: SIGINT as a terminal delivers it.  A test suite started in the background
    (``make test &``, a non-interactive shell) inherits SIGINT ignored, and Python then installs no
    KeyboardInterrupt handler: the run would never see the Ctrl-C this test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.kernel
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="serve /proc per elencare i processi")
def test_ctrl_c_leaves_no_partial_report_and_no_kernel(tmp_path, notebooks):
    reports = tmp_path / "reports"
    out = reports / "pavia" / "2023"
    assert run_cli(notebooks, reports).returncode == 0
    before = published(out)
    edit_notebook(notebooks / "bisogni_area.ipynb",
                  lambda nb: nb.cells.insert(4, nbformat.v4.new_code_cell("import time\ntime.sleep(60)")))
    proc = subprocess.Popen([sys.executable, "-m", "pianozona.cli", "run", "--notebooks", str(notebooks), "--out",
                             str(reports), "--areas", "anziani", "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_ctrl_c_as_in_a_terminal)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (list(out.glob(TEMP_PREFIX + "*")) and ours(proc.pid)):
        time.sleep(0.05)
    time.sleep(2)  # the fast jobs are done, the slow notebook sleeps in its kernel
    running = ours(proc.pid)  # not the kernels of other runs on this machine (another test, another user)
    assert running, "nessun kernel avviato"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does in a terminal
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrotto" in stderr and "Traceback" not in stderr
    time.sleep(0.3)
    assert not (running & kernel_pids())
    assert not list(out.glob(TEMP_PREFIX + "*"))
    after = published(out)
    assert after["bisogni_area_anziani.html"] == before["bisogni_area_anziani.html"]
    assert set(after) == set(before)
    json.loads(after["manifest.json"])  # complete, valid JSON


@pytest.mark.kernel
def test_inside_a_threaded_process_without_template_kernels_still_work(tmp_path):
    """What a planner gets calling run_reports from JupyterLab: spawned workers, ordinary kernels."""
    import threading

    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()  # a second thread: forking would be unsafe, the runner must spawn
    try:
        result = run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=FIXTURES, out_dir=tmp_path,
                             preload=False,
                             progress="none")
    finally:
        stop.set()
    assert [r.status for r in result.results] == ["riuscito"] * 7
    assert result.results[1].metrics["pubblicazione"] == "1"


# ---------------------------------------------------------------------------
# faults: never a broken page, never a blocked next run (issue 8)


def kernels_in(folder: Path) -> set[int]:
    """Template and kernel processes working in `folder` (other people's runs on this machine are elsewhere)."""
    found = set()
    for pid in kernel_pids():
        try:
            if Path(os.readlink(f"/proc/{pid}/cwd")).is_relative_to(folder) and alive(pid):
                found.add(pid)
        except OSError:
            pass
    return found


def descendants(root: int) -> set[int]:
    """Every process below `root` (from /proc: parent pids)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            pass
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def job(result, name: str):
    return next(r for r in result.results if r.job.name == name)


@pytest.mark.kernel
def test_a_notebook_that_stops_early_fails_and_keeps_the_last_good_page(tmp_path, notebooks):
    out = tmp_path / "pavia" / "2023"
    assert run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=notebooks, out_dir=tmp_path, jobs=1,
                       progress="none").exit_code == 0
    good = (out / "bilancio.html").read_bytes()
    expected = {"sys_exit": "alla cella di codice 2 (SystemExit: 0)",  # numbered as in the planner's notebook
                "raise_system_exit": "SystemExit", "exit": "exit() o quit()",
                "quit": "exit() o quit()", "os_exit": "il kernel si è interrotto",
                "keyboard_interrupt": "KeyboardInterrupt"}
    for fault, hint in expected.items():
        shutil.copy(FAULTS / f"{fault}.ipynb", notebooks / "bilancio.ipynb")
        result = run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=notebooks, out_dir=tmp_path, jobs=1,
                             progress="none")
        failed = job(result, "bilancio")
        assert result.exit_code == 1 and failed.status == "fallito", fault
        assert hint in failed.message, (fault, failed.message)
        assert (out / "bilancio.html").read_bytes() == good, fault
        assert [r.status for r in result.results if r.job.name != "bilancio"] == ["invariato"] * 6
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        entry = next(e for e in manifest["rapporti"] if e["nome"] == "bilancio")
        assert entry["stato"] == "fallito" and entry["ultimo_successo"]["html"] == "bilancio.html", fault


@pytest.mark.kernel
def test_cli_exits_1_for_a_notebook_that_calls_sys_exit(tmp_path, notebooks):
    shutil.copy(FAULTS / "sys_exit.ipynb", notebooks / "bilancio.ipynb")
    proc = run_cli(notebooks, tmp_path / "reports", "--processi", "2")
    assert proc.returncode == 1, proc.stderr
    assert "NON RIUSCITO bilancio: il notebook si è fermato" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "reports" / "pavia" / "2023" / "bilancio.html").exists()


@pytest.mark.kernel
def test_an_endless_loop_is_stopped_at_the_time_limit_and_the_others_go_on(tmp_path, notebooks):
    shutil.copy(FAULTS / "endless_loop.ipynb", notebooks / "bilancio.ipynb")
    start = time.perf_counter()
    result = run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=notebooks, out_dir=tmp_path, jobs=2,
                         timeout=5,
                         progress="none")
    assert time.perf_counter() - start < 40
    assert job(result, "bilancio").message.startswith("superato il tempo massimo di 5 s")
    others = [r for r in result.results if r.job.name != "bilancio"]
    assert [r.status for r in others] == ["riuscito"] * 6, [r.message for r in others]
    assert 5 <= job(result, "bilancio").duration_s < 15
    assert wait_until(lambda: not kernels_in(notebooks), 5)


@pytest.mark.kernel
def test_a_memory_hog_fails_with_the_memory_message(tmp_path, notebooks):
    shutil.copy(FAULTS / "memory_hog.ipynb", notebooks / "bilancio.ipynb")
    result = run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=notebooks, out_dir=tmp_path, jobs=2,
                         memory_mb=2048, progress="none")
    assert job(result, "bilancio").message.startswith("memoria esaurita (limite 2048 MB)")
    assert [r.status for r in result.results if r.job.name != "bilancio"] == ["riuscito"] * 6


@pytest.mark.parametrize("option, value, name", [("--tempo-massimo", "0", "timeout"), ("--timeout", "dieci", "timeout"),
                                                 ("--memoria", "10", "memoria")])
def test_cli_bad_limits_are_one_line_and_exit_2(reports_root, option, value, name):
    result = CliRunner().invoke(main, ["run", "--notebooks", str(FIXTURES), "--out", str(reports_root),
                                       option, value])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pianozona: parametro '{name}' non valido")


@pytest.mark.kernel
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="serve /proc per elencare i processi")
def test_kill_9_of_the_runner_leaves_no_process_and_the_next_run_proceeds(tmp_path, notebooks):
    reports = tmp_path / "reports"
    out = reports / "pavia" / "2023"
    edit_notebook(notebooks / "bisogni_area.ipynb",
                  lambda nb: nb.cells.insert(4, nbformat.v4.new_code_cell("import time\ntime.sleep(120)")))
    proc = subprocess.Popen([sys.executable, "-m", "pianozona.cli", "run", "--notebooks", str(notebooks), "--out",
                             str(reports), "--areas", "anziani", "--processi", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until(lambda: (out / "panoramica.html").is_file() and len(descendants(proc.pid)) >= 4, 90)
        time.sleep(1)  # the slow notebook sleeps in its kernel
        children = descendants(proc.pid)  # workers, template, kernels
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert wait_until(lambda: not any(alive(pid) for pid in children), 10), \
        [pid for pid in children if alive(pid)]
    FileLock(site.lock_path(out)).acquire(timeout=0).lock.release()  # released by the OS
    shutil.copy(FIXTURES / "bisogni_area.ipynb", notebooks / "bisogni_area.ipynb")
    again = run_cli(notebooks, reports)
    assert again.returncode == 0, again.stdout + again.stderr
    assert not list(out.glob(TEMP_PREFIX + "*"))


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs (needs the right to mount: root here; skipped elsewhere)."""
    mount = tmp_path / "disco"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True,
                          timeout=30)
    if proc.returncode != 0:
        pytest.skip("montare un tmpfs non è permesso qui")
    try:
        yield mount
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(mount)], capture_output=True, timeout=30)
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=30)


def fill(folder: Path) -> None:
    with open(folder / "riempitivo", "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError:
            pass
        try:
            handle.close()
        except OSError:
            pass


@pytest.mark.kernel
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="serve /proc per elencare i processi")
def test_a_full_disk_is_one_line_exit_1_and_changes_nothing_published(small_disk, notebooks):
    reports = small_disk / "reports"
    out = reports / "pavia" / "2023"
    assert run_cli(notebooks, reports).returncode == 0
    before = published(out)
    fill(small_disk)
    proc = run_cli(notebooks, reports, "--forza", "--processi", "2")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("pianozona: disco pieno"), proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert published(out) == before
    assert not list(out.glob(TEMP_PREFIX + "*")) and not list(out.glob(".parziale-*"))
    assert wait_until(lambda: not kernels_in(notebooks), 5)


@pytest.mark.kernel
def test_a_read_only_folder_up_to_date_succeeds_and_a_forced_run_is_one_line(small_disk, notebooks):
    reports = small_disk / "reports"
    out = reports / "pavia" / "2023"
    assert run_cli(notebooks, reports).returncode == 0
    before = published(out)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True, timeout=30)
    up_to_date = run_cli(notebooks, reports)
    assert up_to_date.returncode == 0, up_to_date.stderr
    assert "7 invariati" in up_to_date.stdout
    forced = run_cli(notebooks, reports, "--forza")
    assert forced.returncode == 1
    lines = forced.stderr.strip().splitlines()  # the progress head, then the one error line
    assert lines[-1].startswith("pianozona: la cartella dei rapporti") and "non è scrivibile" in lines[-1]
    assert [line for line in lines if line.startswith("pianozona:")] == lines[-1:]
    assert "Traceback" not in forced.stdout + forced.stderr
    assert published(out) == before


@pytest.mark.kernel
def test_a_write_error_of_the_run_is_an_execution_error(tmp_path, monkeypatch):
    import errno

    from pianozona.publish import site

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=FIXTURES, out_dir=tmp_path, progress="none")
    monkeypatch.setattr(site, "write_atomic", full)
    # nothing to do: not being able to record the run is no failure
    assert run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=FIXTURES, out_dir=tmp_path,
                       progress="none").exit_code == 0
    monkeypatch.setattr(runner, "_execute", lambda *a: full(tmp_path / "x.html", ""))
    with pytest.raises(ExecutionError, match="disco pieno scrivendo .*x.html"):
        run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=FIXTURES, out_dir=tmp_path, force=True,
                    progress="none")


@pytest.mark.kernel
def test_the_published_files_hold_no_hash_of_raw_data_and_reruns_still_skip(tmp_path):
    result = run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=FIXTURES, out_dir=tmp_path,
                         progress="none")
    files = folder_fingerprint(result.plan.district.folder)
    inputs = pianozona.load_district(result.plan.district.folder).inputs
    hashes = set(files.values()) | {digest(files)} | set(inputs.values()) | {digest(inputs)}
    key_inputs = {job.name: digest({"notebook": file_hash(job.notebook), "parametri": job.parameters,
                                    "pacchetto": keys.package_fingerprint(), "fatti": result.plan.district.facts,
                                    "ingressi": {name: inputs.get(name) for name in job.inputs}})
                  for job in result.plan.jobs}
    hashes |= set(key_inputs.values())  # an unkeyed key would be a hash over the data hashes
    hashes = {h for h in hashes if len(h) == 64}  # not the words of an absent or unreadable input
    private = [planning.private_folder(result.plan.out_dir.parent) / planning.FACTS]
    texts = [p.read_text(encoding="utf-8") for p in [*(tmp_path / "pavia").rglob("*"), *private]
             if p.is_file() and p.suffix in (".json", ".html")]
    assert len(texts) > 6 and not any(h in text for h in hashes for text in texts)
    manifest = json.loads((result.plan.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formato"] == 3 and manifest["dati"] == {"file": sorted(files)}
    secret = keys.local_secret_path()
    assert secret.stat().st_mode & 0o777 == 0o600 and not secret.is_relative_to(tmp_path)
    again = run_reports("pavia", areas="anziani", comuni=ONE, notebooks_dir=FIXTURES, out_dir=tmp_path, progress="none")
    assert [r.status for r in again.results] == ["invariato"] * 7


def test_an_old_manifest_loses_its_unkeyed_keys():
    old = {"formato": 1, "rapporti": [{"nome": "bilancio", "chiave": "abc", "ultimo_successo": {"chiave": "abc"}}]}
    assert runner._upgraded(old)["rapporti"] == [{"nome": "bilancio", "ultimo_successo": {}}]




# ---------------------------------------------------------------------------
# the real suite: what reruns when an input changes, and a file saved while the run reads it


def statuses(result) -> dict[str, str]:
    return {r.job.name: r.status for r in result.results}


@pytest.mark.kernel
def test_a_change_reruns_only_the_reports_that_read_it(pavia_copy, tmp_path):
    from pianozona.publish.planning import DEFAULT_NOTEBOOKS
    from tests.conftest import replace_line

    def run():
        return run_reports(pavia_copy, areas="anziani", comuni=ONE, notebooks_dir=DEFAULT_NOTEBOOKS,
                           out_dir=tmp_path, jobs=2, progress="none")

    assert run().exit_code == 0
    line = (pavia_copy / "obiettivi.csv").read_text(encoding="utf-8").splitlines()[1]
    replace_line(pavia_copy / "obiettivi.csv", 2, line.replace(";450;", ";460;"))  # one target
    changed = statuses(run())
    assert changed == {name: "riuscito" if name == "verifica_annuale" else "invariato" for name in changed}
    line = (pavia_copy / "servizi.csv").read_text(encoding="utf-8").splitlines()[1]
    replace_line(pavia_copy / "servizi.csv", 2, line + " ")  # the same cells as read: nothing reruns
    assert set(statuses(run()).values()) == {"invariato"}
    (pavia_copy / "appunti.txt").write_text("note dell'ufficio", encoding="utf-8")  # read by no report
    assert set(statuses(run()).values()) == {"invariato"}


@pytest.mark.kernel
def test_a_file_saved_while_the_run_reads_it_is_noticed_and_redone(pavia_copy, tmp_path):
    """utenti.csv is cut short (an office's save in progress) after the run planned and while it runs: the
    reports that read it are not published, the others are; with the file whole again, the next run redoes
    exactly those."""
    from pianozona.publish.planning import DEFAULT_NOTEBOOKS

    notebooks = Path(shutil.copytree(DEFAULT_NOTEBOOKS, tmp_path / "notebooks"))
    whole = (pavia_copy / "utenti.csv").read_text(encoding="utf-8")
    lines = whole.splitlines()
    half = "\n".join(lines[: len(lines) * 9 // 10]) + "\n"  # cut short; the same years, comuni and sources
    save = (f"from pathlib import Path\nPath({str(pavia_copy / 'utenti.csv')!r}).write_text({half!r}, "
            "encoding='utf-8')")
    edit_notebook(notebooks / "panoramica.ipynb", lambda nb: nb.cells.insert(1, nbformat.v4.new_code_cell(save)))
    result = run_reports(pavia_copy, areas="anziani", comuni="", notebooks_dir=notebooks, out_dir=tmp_path / "r",
                         jobs=1, progress="none")  # one job at a time: panoramica first, as in the suite
    readers = {"bisogni_area_anziani", "verifica_annuale", "bilancio", "quadro_sindaci"}  # all but the overview
    assert statuses(result) == {name: "fallito" if name in readers else "riuscito" for name in statuses(result)}
    assert all(r.message.startswith("i dati sono cambiati durante l'esecuzione (") and "utenti" in r.message
               for r in result.failed), [r.message for r in result.failed]
    out = result.plan.out_dir
    assert not any((out / f"{name}.html").exists() for name in readers)  # nothing built from the half file
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["errore"] for e in manifest["rapporti"] if e["stato"] == "fallito"} == {
        "i dati sono cambiati durante l'esecuzione"}
    (pavia_copy / "utenti.csv").write_text(whole, encoding="utf-8")  # saved whole
    shutil.copy(DEFAULT_NOTEBOOKS / "panoramica.ipynb", notebooks / "panoramica.ipynb")
    again = run_reports(pavia_copy, areas="anziani", comuni="", notebooks_dir=notebooks, out_dir=tmp_path / "r",
                        jobs=2, progress="none")
    assert statuses(again) == {name: "riuscito" if name in readers | {"panoramica"} else "invariato"
                               for name in statuses(again)}  # panoramica: its notebook was edited back
    assert all((out / f"{name}.html").is_file() for name in readers)
