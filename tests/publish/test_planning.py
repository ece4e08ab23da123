"""Planning a run: the suite's jobs, checked parameters, incremental keys, paths kept inside the output folder."""

from __future__ import annotations

import dataclasses

import nbformat
import pytest

import pianozona

from pianozona.errors import ParameterError
from pianozona.publish import optional, planning, stale
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
    other_data = dataclasses.replace(plan, district=dataclasses.replace(
        plan.district, inputs={**plan.district.inputs, "utenti": "altro"}))
    assert job_key(job, other_data) != key
    other_facts = dataclasses.replace(plan, district=dataclasses.replace(plan.district, facts="altro"))
    assert job_key(job, other_facts) != key
    other_secret = dataclasses.replace(plan, district=dataclasses.replace(plan.district, secret_hash="altra"))
    assert job_key(job, other_secret) != key  # another secret hides other complements: every report reruns
    edit_notebook(job.notebook, lambda nb: nb.cells.append(nbformat.v4.new_markdown_cell("Nota")))
    assert job_key(job, plan) != key


def test_up_to_date_needs_success_same_key_and_files(tmp_path, reports_root):
    job = plan_run("pavia", notebooks_dir=FIXTURES, out_dir=reports_root).jobs[0]
    entry = {"nome": job.name, "stato": "riuscito", "chiave": "k", "html": "panoramica.html"}
    manifest = {"rapporti": [entry]}
    assert not is_up_to_date(job, "k", manifest, tmp_path)  # its page is missing
    (tmp_path / "panoramica.html").write_text("x")
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
    assert not (tmp_path / "fuori").exists() and not list(tmp_path.rglob("*.json"))


def test_the_secret_may_not_live_inside_out(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "reports" / "stato"))
    with pytest.raises(ParameterError, match="XDG_STATE_HOME"):
        plan_run("pavia", notebooks_dir=FIXTURES, out_dir=tmp_path / "reports")


def test_a_report_is_keyed_on_the_inputs_its_notebook_declares(reports_root):
    """Changing the objectives changes the annual verification's key only; a table no report reads, none."""
    plan = plan_run("pavia", areas="anziani", comuni="018110", notebooks_dir=FIXTURES, out_dir=reports_root)
    keys = {job.name: job_key(job, plan) for job in plan.jobs}

    def changed(**inputs) -> list[str]:
        other = dataclasses.replace(plan, district=dataclasses.replace(
            plan.district, inputs={**plan.district.inputs, **inputs}))
        return [job.name for job in plan.jobs if job_key(job, other) != keys[job.name]]

    assert changed(obiettivi="altro") == changed(misure="altro") == ["verifica_annuale"]
    assert changed(servizi="altro") == ["panoramica"]
    assert changed(utenti="altro") == ["bisogni_area_anziani", "verifica_annuale", "bilancio", "quadro_sindaci",
                                       "scheda_comune_018110"]  # the verification: objectives against the users
    assert changed(distretto="altro") == changed(popolazione="altro") == list(keys)
    assert changed(tabella_nuova="altro") == []
    assert {job.name: job.inputs for job in plan.jobs}["verifica_annuale"] == (
        "distretto", "popolazione", "utenti", "persone", "obiettivi", "misure")


def test_the_plan_knows_each_input_keyed_never_in_the_clear(reports_root):
    from pianozona.data.inputs import INPUTS

    plan = plan_run("pavia", areas="anziani", notebooks_dir=FIXTURES, out_dir=reports_root)
    district = pianozona.load_district("pavia")
    assert set(plan.district.inputs) == set(INPUTS)
    assert plan.district.inputs == planning.keyed_inputs(district.inputs)
    assert not set(plan.district.inputs.values()) & set(district.inputs.values())
    facts = planning.private_folder(reports_root / "pavia") / planning.FACTS
    assert facts.is_file() and not facts.is_relative_to(reports_root)
    assert not any(value in facts.read_text(encoding="utf-8") for value in district.inputs.values())


def test_a_job_that_read_other_inputs_than_planned_is_named(reports_root):
    plan = plan_run("pavia", areas="anziani", comuni="", notebooks_dir=FIXTURES, out_dir=reports_root)
    district = pianozona.load_district("pavia")
    job = {j.name: j for j in plan.jobs}["bisogni_area_anziani"]
    note = {"cartella": str(plan.district.folder.resolve()), "codice": "pavia", "ingressi": dict(district.inputs)}
    assert stale.stale_inputs(job, plan, [note, note]) == []
    assert stale.stale_inputs(job, plan, []) == []  # nothing noted: nothing to compare
    half = {**note, "ingressi": {**district.inputs, "utenti": "mezzo file", "obiettivi": "altro"}}
    assert stale.stale_inputs(job, plan, [note, half]) == ["utenti"]  # obiettivi: not an input of this job
    verification = {j.name: j for j in plan.jobs}["verifica_annuale"]
    assert stale.stale_inputs(verification, plan, [half]) == ["obiettivi", "utenti"]
    assert "utenti" in stale.stale_message(["utenti"]) and "prossima esecuzione" in stale.stale_message(["x"])
    from pianozona.data.inputs import district_facts

    facts = district_facts(district)
    assert stale.stale_inputs(verification, plan, [{**note, "fatti": facts}]) == []
    other_years = {**note, "fatti": {**facts, "anni": facts["anni"][:-1]}}  # 2023's rows not there any more
    assert stale.stale_inputs(verification, plan, [other_years]) == [stale.FACTS_INPUT]


def test_the_private_folder_is_per_output_folder_and_outside_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "stato"))
    first, second = planning.private_folder(tmp_path / "r" / "pavia" / "2023"), planning.private_folder(
        tmp_path / "altri" / "pavia" / "2023")
    assert first != second and first.name.startswith("pavia-2023-")
    assert first.is_relative_to(tmp_path / "stato" / "pianozona") and first == planning.private_folder(
        tmp_path / "r" / "x" / ".." / "pavia" / "2023")


def test_a_protection_that_cannot_hold_stops_the_run_before_any_kernel(reports_root, monkeypatch):
    """The run-level audit (analysis.protection.audit) is checked while planning: one clear line, exit 2."""
    from pianozona.analysis import protection
    from pianozona.errors import DataError

    monkeypatch.setattr(protection, "audit", lambda district: ["Dipendenze: 1 celle nascoste ricavabili"])
    with pytest.raises(DataError, match="protezione incompleta.*Dipendenze"):
        plan_run("pavia", 2023, out_dir=reports_root / "altrove")
    monkeypatch.undo()
    assert plan_run("pavia", 2023, out_dir=reports_root / "ancora").jobs  # the real audit finds nothing


# ---------------------------------------------------------------- optional reports (ISTAT survey, LEPS)
def _ambito(folder, code="T03007"):
    config = folder / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("ente_capofila:", f'ambito_istat: "{code}"\n'
                                                                   "ente_capofila:"), encoding="utf-8")


def test_optional_reports_run_only_with_their_data_and_say_why_not(pavia_copy, tmp_path):
    from tests.data import ats_samples

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for path in FIXTURES.glob("*.ipynb"):
        (notebooks / path.name).write_bytes(path.read_bytes())
    (notebooks / "confronto_italia.ipynb").write_bytes((FIXTURES / "bilancio.ipynb").read_bytes())
    out = tmp_path / "out"
    plan = plan_run(pavia_copy, notebooks_dir=notebooks, out_dir=out)
    names = [job.name for job in plan.jobs]
    assert "livelli_essenziali" in names and "confronto_italia" not in names
    assert optional.note_lines([plan]) == [
        "pavia: confronto_italia non eseguito: distretto.yml non indica ambito_istat (il codice ISTAT dell'ambito, "
        'es. "T03042")']
    _ambito(pavia_copy)
    (pavia_copy / "personale.csv").unlink()
    (pavia_copy / "leps.csv").unlink()
    rows = ats_samples.lombardia(n_ambiti=10, years=(2021,))
    folder = pavia_copy.parent / "istat_ats"
    folder.mkdir()
    ats_samples.write(folder / "ats.csv", rows)
    plan = plan_run(pavia_copy, notebooks_dir=notebooks, out_dir=out)
    names = [job.name for job in plan.jobs]
    assert names.index("bilancio") + 1 == names.index("confronto_italia") and "livelli_essenziali" not in names
    assert optional.note_lines([plan])[0].startswith("pavia: livelli_essenziali non eseguito")
    assert "istat_ats/ats.csv" in plan.district.data_files  # the survey keys the district's reports
    keys = {job.name: job_key(job, plan) for job in plan.jobs}
    ats_samples.write(folder / "ats.csv", [(*r[:7], r[7] + 1) if r[0] == "T03007" else r for r in rows])
    changed = plan_run(pavia_copy, notebooks_dir=notebooks, out_dir=out)
    after = {job.name: job_key(job, changed) for job in changed.jobs}
    assert after["confronto_italia"] != keys["confronto_italia"]  # a new ISTAT file reruns the comparison
    assert after["panoramica"] == keys["panoramica"]  # and only the reports that read it


def test_note_lines_group_districts_with_the_same_reason():
    info = planning.DistrictInfo("a", "A", FIXTURES, (2023,), False, skipped=(("x", "x non eseguito: perché"),))
    other = dataclasses.replace(info, codice="b")
    plans = [planning.Plan(i, 2023, (), FIXTURES, FIXTURES) for i in (info, other)]
    assert optional.note_lines(plans) == ["a, b: x non eseguito: perché"]


def test_the_plan_knows_the_districts_own_areas_for_its_dictionary(tmp_path, pavia_copy):
    """The dictionary's population at risk is the district's (distretto.yml may move an area's band), not a copy."""
    config = pavia_copy / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8") + "\naree:\n  anziani:\n    eta_min: 75\n", encoding="utf-8")
    areas = dict((code, (label, text)) for code, label, text in planning.district_info(pavia_copy, tmp_path).aree)
    assert list(areas) == ["anziani", "minori", "disabili", "immigrazione", "poverta", "dipendenze", "salute_mentale"]
    assert areas["anziani"] == ("Anziani", "residenti di 75 anni e oltre")
    assert areas["minori"] == ("Minori e famiglia", "residenti di 0-17 anni")
