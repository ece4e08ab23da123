"""The runner's promises whatever executor runs the jobs, checked with a fake executor: no kernel starts here.

Order of the results, one failure never stops the others, each folder published as its jobs finish, Ctrl-C,
an executor that loses its workers or forgets a job; and the executors' registry and option checks.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from pianozona.data.config import district_folder
from pianozona.errors import ParameterError
from pianozona.publish import runner, tasks
from pianozona.files import TEMP_PREFIX
from pianozona.publish.runner import RunOptions, run_reports
from pianozona.publish.tasks import ExecutorLost, Outcome, Reason, Status, Task
from tests.publish.conftest import FIXTURES
from tests.publish.test_territory import small_territory

ONE = ["018110"]
NARROW = {"areas": "anziani", "comuni": ONE, "notebooks_dir": FIXTURES, "progress": "none", "executor": "finto"}


class FakeExecutor:
    """Writes each task's page and notebook as a job would, and yields outcomes as `SCRIPT` says."""

    script: dict = {}  # task name -> "fail" | "forget" | "interrupt" | "lost"; anything else succeeds
    made: list[FakeExecutor] = []

    def __init__(self, setup: tasks.ExecutorSetup) -> None:
        self.setup, self.stopped, self.received = setup, False, []
        FakeExecutor.made.append(self)

    def run(self, given: list[Task]):
        self.received = list(given)
        for task in reversed(given):  # in another order than the plan's
            what = self.script.get(task.name, "ok")
            if what == "interrupt":
                raise KeyboardInterrupt
            if what == "lost":
                raise ExecutorLost("scheduler Dask perso durante l'esecuzione")
            if what == "forget":
                continue
            if what == "stale":  # its kernel read users other than those the run was planned on
                note = {"cartella": str(district_folder(task.parameters["district"]).resolve()), "codice": "pavia",
                        "ingressi": {"utenti": "salvato durante l'esecuzione"}}
                yield Outcome(task.key, duration_s=1.0, reads=(note,))
                continue
            (task.work / f"{task.name}.html").write_text(f"<html>{task.key} {what}</html>", encoding="utf-8")
            (task.work / f"{task.name}.ipynb").write_text("{}", encoding="utf-8")
            if task.docx:  # asked by default: a job that succeeds leaves its Word document
                (task.work / f"{task.name}.docx").write_bytes(b"PK")
            yield (Outcome(task.key, Reason.ERROR, f"ValueError: {task.name}") if what == "fail"
                   else Outcome(task.key, duration_s=1.0 + len(task.name), result_hash="0" * 64))
            yield Outcome(task.key)  # a repeated outcome is ignored
            yield Outcome("sconosciuto")  # and so is one of no task

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture(autouse=True)
def fake_executor(monkeypatch):
    monkeypatch.setitem(tasks.EXECUTORS, "finto", FakeExecutor)
    FakeExecutor.script, FakeExecutor.made = {}, []
    yield


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_results_come_in_the_plans_order_and_each_job_is_published(tmp_path):
    result = run_reports("pavia", out_dir=tmp_path, **NARROW)
    names = [job.name for job in result.plan.jobs]
    assert [r.job.name for r in result.results] == names  # the executor answered in reverse
    assert [r.status for r in result.results] == [Status.DONE] * 7 and result.exit_code == 0
    out = result.plan.out_dir
    assert all((out / f"{name}.html").read_text(encoding="utf-8").startswith(f"<html>{name}") for name in names)
    assert {e["nome"]: e["stato"] for e in manifest(out)["rapporti"]} == dict.fromkeys(names, "riuscito")
    assert FakeExecutor.made[0].stopped and not list(out.glob(TEMP_PREFIX + "*"))
    # the next forced run gives the longest jobs first (last run's durations), keyed by name
    again = run_reports("pavia", out_dir=tmp_path, force=True, **NARROW)
    received = [t.name for t in FakeExecutor.made[1].received]
    assert received == sorted(names, key=len, reverse=True) and again.exit_code == 0


def test_a_failed_job_fails_alone_and_keeps_its_last_good_page(tmp_path):
    run_reports("pavia", out_dir=tmp_path, **NARROW)
    FakeExecutor.script = {"bilancio": "fail"}
    result = run_reports("pavia", out_dir=tmp_path, force=True, **NARROW)
    failed = {r.job.name: (r.reason, r.message) for r in result.failed}
    assert failed == {"bilancio": (Reason.ERROR, "ValueError: bilancio")} and result.exit_code == 1
    assert sum(r.status == Status.DONE for r in result.results) == 6
    out = result.plan.out_dir
    assert (out / "bilancio.html").read_text(encoding="utf-8").endswith("ok</html>")  # the last good page
    failure = html.unescape((out / "bilancio.errore.html").read_text(encoding="utf-8"))
    assert "errore durante l'esecuzione del notebook" in failure and "ValueError" not in failure  # words, no trace
    assert "NON RIUSCITO bilancio: ValueError: bilancio" in result.summary()


def test_ctrl_c_keeps_what_was_published_and_removes_the_rest(tmp_path):
    FakeExecutor.script = {"panoramica": "interrupt"}  # the first job of the plan: the last the fake runs
    with pytest.raises(KeyboardInterrupt):
        run_reports("pavia", out_dir=tmp_path, **NARROW)
    out = tmp_path / "pavia" / "2023"
    entries = manifest(out)["rapporti"]  # complete: rewritten after each job
    assert len(entries) == 6 and "panoramica" not in {e["nome"] for e in entries}
    assert FakeExecutor.made[0].stopped and not list(out.glob(TEMP_PREFIX + "*"))


def test_a_job_that_read_data_changed_mid_run_is_not_published_and_reruns_next_time(tmp_path):
    FakeExecutor.script = {"bisogni_area_anziani": "stale"}
    result = run_reports("pavia", out_dir=tmp_path, **NARROW)
    [stale] = result.failed
    assert stale.job.name == "bisogni_area_anziani" and stale.reason is Reason.STALE
    assert stale.message.startswith("i dati sono cambiati durante l'esecuzione (utenti)")
    out = result.plan.out_dir
    assert not (out / "bisogni_area_anziani.html").exists()
    entry = {e["nome"]: e for e in manifest(out)["rapporti"]}["bisogni_area_anziani"]
    assert entry["stato"] == "fallito" and entry["errore"] == "i dati sono cambiati durante l'esecuzione"
    FakeExecutor.script = {}
    again = run_reports("pavia", out_dir=tmp_path, **NARROW)
    assert [r.job.name for r in again.results if r.status == Status.DONE] == ["bisogni_area_anziani"]


def test_an_executor_that_loses_its_workers_or_forgets_a_job_fails_those_jobs_with_one_line(tmp_path):
    FakeExecutor.script = {"verifica_annuale": "lost"}  # after bilancio, before the others (reverse order)
    result = run_reports("pavia", out_dir=tmp_path, **NARROW)
    lost = [r for r in result.results if r.reason is Reason.LOST]
    assert [r.job.name for r in lost] == ["panoramica", "bisogni_area_anziani", "verifica_annuale"]
    assert {r.message for r in lost} == {"scheduler Dask perso durante l'esecuzione"}
    FakeExecutor.script = {"bilancio": "forget"}
    again = run_reports("pavia", out_dir=tmp_path, force=True, **NARROW)
    assert [(r.job.name, r.reason) for r in again.failed] == [("bilancio", Reason.LOST)]


def test_a_territory_publishes_each_folder_as_its_jobs_finish(tmp_path):
    territory = small_territory(tmp_path / "dati")
    seen = []

    class Watching(FakeExecutor):
        def run(self, given):
            for outcome in super().run(given):
                yield outcome
                pages = (tmp_path / "reports").rglob("*.html")
                seen.append([p for p in pages if p.name not in ("index.html", "dizionario.html")])

    tasks.EXECUTORS["finto"] = Watching
    result = run_reports(territory=territory, out_dir=tmp_path / "reports", **{**NARROW, "comuni": ""})
    assert [len(r) for r in result.per_plan] == [5, 5, 1] and result.exit_code == 0
    assert [len(s) for s in seen[::3]] == list(range(1, 12))  # one more page in place after each outcome
    keys = [t.key for t in FakeExecutor.made[0].received]
    assert "ambito-vigevano/panoramica" in keys and "ambito-garlasco/panoramica" in keys
    assert "Territorio Due ambiti" in result.summary()


def test_the_longest_jobs_go_first_and_the_comparison_as_late_as_the_others_can_fill_the_workers():
    costs = {"a": 1.0, "b": 3.0, "c": 2.0, "d": 1.0, "e": 2.0, "f": 1.0, "confronto": 4.0}
    order = tasks.schedule(list(costs), 2, lambda job: job == "confronto", costs.get)
    assert order == ["b", "c", "confronto", "e", "a", "d", "f"]  # 5 s behind its 4 s; one place later only 3 s
    assert tasks.schedule(list(costs), 1, lambda job: job == "confronto", costs.get)[-1] == "confronto"
    assert tasks.schedule(list(costs), 2, lambda job: job == "confronto", lambda job: 0.0)[-1] == "confronto"
    costs["confronto"] = 60.0  # longer than all the rest: first, as the longest job
    assert tasks.schedule(list(costs), 2, lambda job: job == "confronto", costs.get)[0] == "confronto"


def test_options_are_checked_when_made():
    assert RunOptions(jobs="3", timeout="2.5", memory_mb="2048").jobs == 3
    assert RunOptions().timeout == runner.DEFAULT_TIMEOUT_S and RunOptions().memory_mb == runner.DEFAULT_MEMORY_MB
    for bad in ({"jobs": "0"}, {"timeout": "dieci"}, {"timeout": 0}, {"memory_mb": runner.MIN_MEMORY_MB - 1},
                {"progress": "molto"}, {"executor": "spark"}, {"scheduler": "tcp://h:1"}):
        with pytest.raises(ParameterError):
            RunOptions(**bad)
    with pytest.raises(ParameterError, match="non entrambi"):
        run_reports("pavia", territory="provincia_pavia")


@pytest.mark.parametrize("executor, scheduler, name, hint", [
    ("spark", None, "executor", "locale, dask"), ("locale", "tcp://h:1", "scheduler", "solo con --executor dask"),
    ("dask", "http://127.0.0.1:8786", "scheduler", "tcp://host:porta"),
    ("dask", "tcp://127.0.0.1", "scheduler", "tcp://host:porta")])
def test_a_bad_executor_or_scheduler_is_refused(executor, scheduler, name, hint):
    with pytest.raises(ParameterError) as caught:
        tasks.check_executor(executor, scheduler)
    assert caught.value.name == name and hint in str(caught.value)


def test_a_scheduler_address_is_accepted_and_dask_is_an_optional_extra(monkeypatch):
    import importlib.util

    assert tasks.check_executor("DASK", "tls://[::1]:8786") == "dask" or importlib.util.find_spec("distributed") is None
    assert tasks.check_executor(None, None) == "locale"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # distributed not installed
    with pytest.raises(ParameterError, match=r"pianozona\[dask\]"):
        tasks.check_executor("dask", None)
