"""One job in a worker: retries of a kernel start that lost a port race."""

from __future__ import annotations

from pianozona.publish import execution


def test_a_kernel_that_loses_a_port_race_is_started_again(monkeypatch, tmp_path):
    """jupyter_client's free-port race ('Address already in use') is retried; other failures are final."""
    import nbformat

    calls = []

    def fake(task, output, outcomes):
        calls.append(task["name"])
        return outcomes.pop(0)

    def rendered(task, nb, error, duration):
        return {"ok": not error, "message": error}

    monkeypatch.setattr(execution, "_render_job", rendered)
    race = (None, "RuntimeError: Kernel died; ZMQError: Address already in use", True)
    good = (nbformat.v4.new_notebook(), "", False)
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "x.ipynb")
    (tmp_path / "work").mkdir()  # the run's temporary folder, where the executed notebook is written
    task = {"name": "job", "work": str(tmp_path / "work"), "notebook": str(tmp_path / "x.ipynb")}

    outcomes = [race, race, good]
    monkeypatch.setattr(execution, "_papermill", lambda t, o: fake(t, o, outcomes))
    assert execution.execute_job(task) == {"ok": True, "message": ""} and len(calls) == 3

    calls.clear()
    failure = (nbformat.v4.new_notebook(), "ValueError: boom", False)
    outcomes = [failure, good]
    assert execution.execute_job(task)["message"] == "ValueError: boom" and len(calls) == 1

    calls.clear()
    outcomes = [race, race, race, good]
    assert not execution.execute_job(task)["ok"] and len(calls) == execution.START_ATTEMPTS
