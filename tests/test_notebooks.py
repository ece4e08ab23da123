"""The suite notebooks run under papermill with parameters, and their metrics agree with the library."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import nbformat
import papermill as pm
import pytest

import pianozona
from pianozona.analysis import budget, needs, overview, verification

from .conftest import ROOT, execute_notebook

NOTEBOOKS = ROOT / "notebooks"
SUITE = ["panoramica", "bisogni_area", "verifica_annuale", "bilancio", "quadro_sindaci", "scheda_comune"]


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


def _run(tmp_path, name: str, **parameters) -> dict:
    metrics = tmp_path / f"{name}.json"
    execute_notebook(NOTEBOOKS / f"{name}.ipynb", tmp_path / f"{name}.ipynb",
                     parameters={**parameters, "metrics_path": str(metrics)}, cwd=str(NOTEBOOKS))
    return json.loads(metrics.read_text(encoding="utf-8"))


@pytest.mark.kernel
@pytest.mark.parametrize("area", list(pianozona.AREE))
def test_bisogni_area_metrics_match_the_library(tmp_path, pavia, area):
    got = _run(tmp_path, "bisogni_area", area=area, year=2023)
    assert got == json.loads(json.dumps(needs.metrics(needs.analyse(pavia, area, 2023))))


@pytest.mark.kernel
def test_district_notebooks_run_for_2022(tmp_path, pavia):
    assert _run(tmp_path, "panoramica", year=2022) == overview.metrics(pavia, 2022)
    assert _run(tmp_path, "verifica_annuale", year=2022) == verification.metrics(
        verification.objectives_table(pavia, 2022), 2022)
    assert _run(tmp_path, "bilancio", year=2022) == json.loads(json.dumps(budget.metrics(pavia, 2022)))
    assert _run(tmp_path, "bisogni_area", area="minori", year=2022)["anno"] == 2022


@pytest.mark.kernel
def test_profile_and_overview_metrics_match_the_library_when_publishing(tmp_path, pavia, monkeypatch):
    """In publication mode the smallest comune's key figures count its hidden areas, as the library does."""
    from pianozona.analysis import profile, profile_text, rug

    monkeypatch.setenv("PIANOZONA_PUBBLICAZIONE", "1")
    got = _run(tmp_path, "scheda_comune", comune="018091", year=2023)
    expected = profile_text.metrics(profile.comune_profile(pavia, 2023, "018091", publish=True))
    assert got == json.loads(json.dumps(expected)) and got["aree_non_pubblicate"] >= 1
    assert _run(tmp_path, "quadro_sindaci", year=2023) == rug.metrics(rug.overview(pavia, 2023, publish=True), 2023)


@pytest.mark.kernel
def test_unknown_comune_fails_with_a_clear_message(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as info:
        _run(tmp_path, "scheda_comune", comune="Milano")
    assert info.value.ename == "ParameterError" and "Mezzana Rabattone" in info.value.evalue


@pytest.mark.kernel
def test_unknown_area_fails_with_a_clear_message(tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as info:
        _run(tmp_path, "bisogni_area", area="giovani")
    assert info.value.ename == "ParameterError"
    assert "aree valide: anziani, minori" in info.value.evalue


@pytest.mark.parametrize("name", SUITE)
def test_parameters_are_documented_with_types(name):
    params = pm.inspect_notebook(str(NOTEBOOKS / f"{name}.ipynb"))
    assert {"district", "year", "metrics_path"} <= set(params)
    for param in params.values():
        assert param["inferred_type_name"] in ("str", "int") and param["help"], param


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs_except_key_figures(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "# NBVAL_CHECK_OUTPUT" in cell.source:
            assert cell.outputs and cell.metadata.get("keep_output"), "key figures must keep their output"
        else:
            assert cell.outputs == [], f"output left in a cell of {path.name}: strip it"
        assert not any("image/png" in o.get("data", {}) for o in cell.outputs)


def test_no_file_reads_in_notebooks():
    for path in NOTEBOOKS.glob("*.ipynb"):
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        for forbidden in ("read_csv", "read_excel", "open(", "read_feather"):
            assert forbidden not in code, f"{path.name} reads files itself ({forbidden}); use the library"


# ---------------------------------------------------------------- esplora: exploring in JupyterLab
NOTEBOOK_PARAMETERS = {"district", "territory", "year", "area", "comune", "metrics_path"}  # the one set of names, in English


def _text_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


def test_esplora_takes_district_and_year_and_names_no_district_in_its_narrative():
    params = pm.inspect_notebook(str(NOTEBOOKS / "esplora.ipynb"))
    assert set(params) == {"district", "year"} and all(p["help"] for p in params.values())
    assert params["year"]["default"] == "None"
    nb = nbformat.read(NOTEBOOKS / "esplora.ipynb", as_version=4)
    narrative = [c.source for c in nb.cells if "parameters" not in c.metadata.get("tags", [])]
    assert not [s for s in narrative if "pavia" in s.lower()], "esplora must work for any district"
    assert "non condividere" in nb.cells[0].source.lower()


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.name)
def test_every_notebook_uses_the_same_parameter_names_as_the_cli(path):
    from pianozona.cli import main

    params = set(pm.inspect_notebook(str(path)))
    assert ("district" in params or "territory" in params) and params <= NOTEBOOK_PARAMETERS, params
    run = {opt for p in main.commands["run"].params for opt in p.opts}
    assert {"--district", "--distretto", "--year", "--anno"} <= run  # English names, Italian aliases


@pytest.mark.kernel
def test_esplora_runs_on_another_district_with_the_raw_data_marked(tmp_path):
    folder = tmp_path / "prova"
    shutil.copytree(ROOT / "data" / "pavia", folder)
    config = (folder / "distretto.yml").read_text(encoding="utf-8")
    config = config.replace("codice: pavia", "codice: prova").replace("Distretto Sociale di Pavia", "Ambito di prova")
    (folder / "distretto.yml").write_text(config, encoding="utf-8")
    out = tmp_path / "esplora.ipynb"
    execute_notebook(NOTEBOOKS / "esplora.ipynb", out, parameters={"district": str(folder), "year": 2022},
                     cwd=str(NOTEBOOKS))
    nb = nbformat.read(out, as_version=4)
    text = _text_outputs(nb)
    assert "Ambito di prova — anno 2022" in text and "Distretto Sociale di Pavia" not in text
    assert "Dati non protetti: non condividere" in text
    widgets = [o for c in nb.cells for o in c.get("outputs", [])
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "the explorer widget is displayed"


@pytest.mark.skipif(shutil.which("make") is None, reason="make non installato")
def test_make_lab_opens_the_project_root_on_the_notebooks_folder():
    dry = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=60).stdout
    line = next(ln for ln in dry.splitlines() if "jupyter lab" in ln)
    assert f'--ServerApp.root_dir="{ROOT}"' in line and "--FileContentsManager.preferred_dir=notebooks" in line
    assert "--allow-root" in dry
    options = subprocess.run([sys.executable, "-m", "jupyterlab", "--help-all"], capture_output=True, text=True,
                             check=True, timeout=120).stdout
    assert "--ServerApp.root_dir=" in options and "preferred_dir" in options


def _verifica_outputs(path) -> str:
    """Every text/markdown and text/html output of an executed notebook, joined."""
    nb = nbformat.read(path, as_version=4)
    return "\n".join(str(o.get("data", {}).get(kind, "")) for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs for kind in ("text/markdown", "text/html"))


def _verifica_page(tmp_path, folder) -> tuple[str, str]:
    """verifica_annuale run on `folder` for 2023 while publishing: (outputs as text, rendered HTML page)."""
    import os

    from pianozona.present import render

    os.environ[pianozona.privacy.PUBLISH_ENV_VAR] = "1"
    try:
        _run(tmp_path, "verifica_annuale", district=str(folder), year=2023)
    finally:
        del os.environ[pianozona.privacy.PUBLISH_ENV_VAR]
    executed = tmp_path / "verifica_annuale.ipynb"
    page = render.render_notebook(nbformat.read(executed, as_version=4),
                                  render.PageInfo(title="Verifica", district_name="Distretto", year=2023))
    return _verifica_outputs(executed), page.html


@pytest.mark.kernel
def test_verifica_annuale_shows_progress_and_pavia_history(tmp_path, pavia_copy):
    text, page = _verifica_page(tmp_path, pavia_copy)
    assert "## Il punto di partenza\\: 2009–2011" in text  # a level-2 heading, escaped
    assert "Il punto di partenza: 2009–2011</h2>" in page and "Fonte: piano di zona 2012-2014." in page
    assert "Avanzamento degli obiettivi nel 2023</caption>" in page
    assert 'alt="Barre orizzontali della strada percorsa dalla base al target' in page
    assert "ha percorso il 61,4% della strada" in page  # ANZ-01: (416 - 362) / (450 - 362)
    assert 'id="il-punto-di-partenza' in page


@pytest.mark.kernel
def test_verifica_annuale_without_measures_before_baselines_has_no_history(tmp_path, pavia_copy):
    lines = (pavia_copy / "misure.csv").read_text(encoding="utf-8").splitlines()
    (pavia_copy / "misure.csv").write_text(
        "\n".join(line for line in lines if not line.startswith("ANZ-01;2009;")) + "\n", encoding="utf-8")
    text, page = _verifica_page(tmp_path, pavia_copy)
    assert "punto di partenza" not in page.lower() and "punto di partenza" not in text.lower()
    for pavia_only in ("2009", "2012-2014", "2012–2014", "Piano di Zona 2012"):
        assert pavia_only not in page, pavia_only
    assert "Avanzamento degli obiettivi nel 2023</caption>" in page


@pytest.mark.kernel
def test_verifica_annuale_history_title_and_source_follow_the_data(tmp_path, pavia_copy):
    lines = (pavia_copy / "misure.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if "piano di zona 2012-2014" not in line]
    kept.append("SMT-01;2016;51;<img src=x onerror=alert(1)> relazione *2017*;")
    (pavia_copy / "misure.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    text, page = _verifica_page(tmp_path, pavia_copy)
    assert "Il punto di partenza: 2016" in page
    assert "&lt;img src=x onerror=alert(1)&gt; relazione *2017*" in page  # the source, shown literally
    assert "<img src=x" not in page and "2012-2014" not in page


def _outputs_text(path) -> str:
    nb = nbformat.read(str(path), as_version=4)
    text = " ".join(str(o.get("data", {}).get("text/html", "")) + str(o.get("data", {}).get("text/markdown", ""))
                    for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return text.replace("\\", "").replace("&#39;", "'")  # markdown escapes and HTML entities


@pytest.mark.kernel
def test_panoramica_shows_where_each_service_is(tmp_path):
    _run(tmp_path, "panoramica", year=2023)
    text = _outputs_text(tmp_path / "panoramica.ipynb")
    assert "Servizi presenti nei comuni, 2011" in text
    assert "Segretariato sociale: presente in tutti i 12 comuni." in text


@pytest.mark.kernel
def test_bisogni_area_short_series_shows_services_and_the_change(tmp_path, pavia):
    got = _run(tmp_path, "bisogni_area", area="anziani", year=2021)
    assert got["variazione_anno_precedente"] == needs.metrics(needs.analyse(pavia, "anziani", 2021))[
        "variazione_anno_precedente"]
    text = _outputs_text(tmp_path / "bisogni_area.ipynb")
    assert "Utenti del servizio, 2020 e 2021" in text and "Assistenza domiciliare (SAD)" in text
    assert "rispetto all'anno precedente" in text
    assert "Tra il 2020 e il 2021 la copertura del distretto" in text
