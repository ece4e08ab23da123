"""Planning a run: the suite's jobs, checked parameters, incremental keys, paths kept inside the output folder."""

from __future__ import annotations

import dataclasses

import nbformat
import pytest

from pianozona.errors import ParameterError
from pianozona.publish import planning
from pianozona.publish.planning import is_up_to_date, job_key, plan_run
from pianozona.publish.runner import run_reports
from tests.publish.conftest import FIXTURES, PAVIA_COMUNI, SUITE_NAMES, edit_notebook


def test_plan_covers_the_suite_in_order_with_checked_parameters(reports_root):
    plan = plan_run("pavia", notebooks_dir=FIXTURES, out_dir=reports_root)
    assert [job.name for job in plan.jobs] == SUITE_NAMES
    assert plan.year == max(plan.district.anni) == 2023
    assert plan.out_dir == reports_root.resolve() / "pavia" / "2023"
    assert plan.jobs[0].parameters == {"district": "pavia", "year": 2023}
    assert plan.jobs[1].parameters == {"district": "pavia", "year": 2023, "area": "anziani"}
    assert plan.jobs[1].title == "Bisogni per area: Anziani"
    assert plan.jobs[1].notebook == FIXTURES.resolve() / "bisogni_area.ipynb"
    assert plan.district.dimostrativo is True and "utenti.csv" in plan.district.data_files


def test_plan_with_chosen_areas_and_year(reports_root):
    plan = plan_run("pavia", "2021", areas="minori, anziani,minori", notebooks_dir=FIXTURES, out_dir=reports_root)
    assert [job.name for job in plan.jobs][:5] == ["panoramica", "bisogni_area_minori", "bisogni_area_anziani",
                                                   "verifica_annuale", "bilancio"]
    assert plan.year == 2021 and all(job.parameters["year"] == 2021 for job in plan.jobs)


def test_one_profile_per_comune_under_its_own_heading(reports_root):
    plan = plan_run("pavia", notebooks_dir=FIXTURES, out_dir=reports_root)
    profiles = [job for job in plan.jobs if job.name.startswith("scheda_comune_")]
    assert [job.parameters["comune"] for job in profiles] == PAVIA_COMUNI and len(profiles) == 12
    smallest = next(job for job in profiles if job.parameters["comune"] == "018091")
    assert smallest.title == "Scheda del comune: Mezzana Rabattone"
    assert smallest.parameters == {"district": "pavia", "year": 2023, "comune": "018091"}
    groups = {job.name: job.group for job in plan.jobs}
    assert groups["panoramica"] == groups["bilancio"] == planning.GROUP_DISTRICT
    assert groups["quadro_sindaci"] == groups[smallest.name] == planning.GROUP_COMUNI


def test_chosen_comuni_by_code_or_name_in_the_district_order(reports_root):
    plan = plan_run("pavia", comuni="mezzana rabattone, 018110,Pavia", notebooks_dir=FIXTURES, out_dir=reports_root)
    assert [job.name for job in plan.jobs if job.group == planning.GROUP_COMUNI] == [
        "quadro_sindaci", "scheda_comune_018110", "scheda_comune_018091"]
    for none in ([], "", "  "):  # the CLI's --comuni "": no profile
        assert not [job for job in plan_run("pavia", comuni=none, notebooks_dir=FIXTURES, out_dir=reports_root).jobs
                    if job.name.startswith("scheda_comune_")]


def test_an_unknown_comune_is_refused_with_the_district_list(reports_root):
    with pytest.raises(ParameterError) as info:
        plan_run("pavia", comuni="018110,Milano", notebooks_dir=FIXTURES, out_dir=reports_root)
    assert info.value.name == "comuni" and "Milano" in str(info.value)
    assert "Mezzana Rabattone (018091)" in str(info.value) and "--comuni" in str(info.value)


@pytest.mark.parametrize("kwargs, name, hint", [
    ({"areas": "anziani,giovani"}, "area", "aree valide: anziani, minori"),
    ({"areas": ""}, "areas", "separati da virgola"),
    ({"year": 1990}, "year", "2019, 2020, 2021, 2022, 2023"),
    ({"year": "duemila"}, "year", "opzione --year"),
    ({"notebooks_dir": "/nessuna/cartella"}, "notebooks", "--notebooks"),
])
def test_bad_parameters_are_refused_with_a_readable_message(reports_root, kwargs, name, hint):
    kwargs = {"notebooks_dir": FIXTURES, **kwargs}
    with pytest.raises(ParameterError) as info:
        plan_run("pavia", out_dir=reports_root, **kwargs)
    assert info.value.name == name and hint in str(info.value)


def test_a_notebook_missing_from_the_folder_is_named(reports_root, notebooks):
    (notebooks / "bilancio.ipynb").unlink()
    with pytest.raises(ParameterError, match="manca bilancio.ipynb"):
        plan_run("pavia", notebooks_dir=notebooks, out_dir=reports_root)


def test_job_key_changes_with_notebook_data_and_parameters(reports_root, notebooks):
    plan = plan_run("pavia", areas="anziani", notebooks_dir=notebooks, out_dir=reports_root)
    job = plan.jobs[1]
    key = job_key(job, plan)
    assert job_key(job, plan) == key
    assert job_key(dataclasses.replace(job, parameters={**job.parameters, "area": "minori"}), plan) != key
    other_data = dataclasses.replace(plan, district=dataclasses.replace(plan.district, data_hash="altro"))
    assert job_key(job, other_data) != key
    other_secret = dataclasses.replace(plan, district=dataclasses.replace(plan.district, secret_hash="altra"))
    assert job_key(job, other_secret) != key  # another secret hides other complements: every report reruns
    edit_notebook(job.notebook, lambda nb: nb.cells.append(nbformat.v4.new_markdown_cell("Nota")))
    assert job_key(job, plan) != key


def test_up_to_date_needs_success_same_key_and_files(tmp_path, reports_root):
    job = plan_run("pavia", notebooks_dir=FIXTURES, out_dir=reports_root).jobs[0]
    entry = {"nome": job.name, "stato": "riuscito", "chiave": "k", "html": "panoramica.html",
             "notebook_eseguito": "panoramica.ipynb"}
    manifest = {"rapporti": [entry]}
    assert not is_up_to_date(job, "k", manifest, tmp_path)  # files missing
    (tmp_path / "panoramica.html").write_text("x")
    (tmp_path / "panoramica.ipynb").write_text("x")
    assert is_up_to_date(job, "k", manifest, tmp_path)
    assert not is_up_to_date(job, "altra", manifest, tmp_path)
    entry["stato"] = "fallito"
    assert not is_up_to_date(job, "k", manifest, tmp_path)


def test_a_new_secret_makes_every_report_rerun_once(tmp_path, monkeypatch):
    plan = plan_run("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=tmp_path)
    key = job_key(plan.jobs[0], plan)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "altro-stato"))
    assert job_key(plan.jobs[0], plan) != key


def test_every_path_the_run_writes_stays_inside_out(tmp_path, monkeypatch):
    with pytest.raises(ParameterError) as info:
        planning.inside(tmp_path.resolve(), tmp_path / ".." / "x", "../x")
    assert info.value.name == "codice" and "fuori dalla cartella dei rapporti" in str(info.value)
    real = planning.read_config

    def escaping(folder):
        return dataclasses.replace(real(folder), codice="../../fuori")

    monkeypatch.setattr(planning, "read_config", escaping)
    with pytest.raises(ParameterError, match="fuori dalla cartella dei rapporti"):
        run_reports("pavia", notebooks_dir=FIXTURES, out_dir=tmp_path / "a" / "b", progress="none")
    assert not (tmp_path / "fuori").exists() and not list(tmp_path.rglob(".distretto.json"))


def test_the_secret_may_not_live_inside_out(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "reports" / "stato"))
    with pytest.raises(ParameterError, match="XDG_STATE_HOME"):
        plan_run("pavia", notebooks_dir=FIXTURES, out_dir=tmp_path / "reports")


def test_a_protection_that_cannot_hold_stops_the_run_before_any_kernel(reports_root, monkeypatch):
    """The run-level audit (analysis.protection.audit) is checked while planning: one clear line, exit 2."""
    from pianozona.analysis import protection
    from pianozona.errors import DataError

    monkeypatch.setattr(protection, "audit", lambda district: ["Dipendenze: 1 celle nascoste ricavabili"])
    with pytest.raises(DataError, match="protezione incompleta.*Dipendenze"):
        plan_run("pavia", 2023, out_dir=reports_root / "altrove")
    monkeypatch.undo()
    assert plan_run("pavia", 2023, out_dir=reports_root / "ancora").jobs  # the real audit finds nothing


def test_the_plan_knows_the_districts_own_areas_for_its_dictionary(tmp_path, pavia_copy):
    """The dictionary's population at risk is the district's (distretto.yml may move an area's band), not a copy."""
    config = pavia_copy / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\naree:\n  anziani:\n    eta_min: 75\n", encoding="utf-8")
    areas = dict((code, (label, text)) for code, label, text in planning.district_info(pavia_copy, tmp_path).aree)
    assert list(areas) == ["anziani", "minori", "disabili", "immigrazione", "poverta", "dipendenze", "salute_mentale"]
    assert areas["anziani"] == ("Anziani", "residenti di 75 anni e oltre")
    assert areas["minori"] == ("Minori e famiglia", "residenti di 0-17 anni")
