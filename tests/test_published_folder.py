"""Only what is meant to be shared is in the published folder: no path of the machine, no notebook, no lock.

A district run (the real suite, one area, one comune, one report failing with a path in its error, PDFs
when Chromium is there) and a territory run publish into one folder; every file under it is read --
pages, manifests, key figures, the spreadsheets' XML, the PDFs' bytes -- and none may name the
temporary folder, the checkout (package, notebooks, data), the home or the private state folder, nor be
an executed notebook, a lock, a cache or a hidden or temporary file.  The executed notebooks are kept,
privately, for the operator, and every report still has its ``hash_risultato``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from pianozona.files import PACKAGE_ROOT, TEMP_PREFIX, state_folder
from pianozona.publish import site
from pianozona.publish.pdf import find_chromium
from pianozona.publish.planning import DEFAULT_NOTEBOOKS
from pianozona.publish.runner import run_reports
from pianozona.publish.territory import run_territory
from tests.conftest import ROOT

TERRITORY_DISTRICTS = ("ambito-vigevano", "ambito-pavia")
FAILING = 'from pathlib import Path\nraise ValueError(f"manca {Path.cwd() / \'segreto.csv\'}")'


def forbidden(data: Path) -> list[str]:
    """What no published file may contain: the machine's paths."""
    return sorted({tempfile.gettempdir(), str(ROOT), str(PACKAGE_ROOT), str(DEFAULT_NOTEBOOKS), str(Path.home()),
                   str(state_folder()), str(data.resolve()), "file://", "segreto.csv", "Traceback"})


def text_of(path: Path) -> str:
    """Everything a reader of the file gets: its text, the XML inside a spreadsheet, a PDF's bytes."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return path.read_bytes().decode("utf-8" if path.suffix != ".pdf" else "latin-1", "replace")


def problems(root: Path, data: Path) -> list[str]:
    found = []
    for path in sorted(root.rglob("*")):
        name = path.name
        if name.startswith((".", "~$")) or TEMP_PREFIX in name or name in ("lock", "chiave"):
            found.append(f"{path}: file nascosto, temporaneo, lucchetto o cache")
        elif path.suffix == ".ipynb":
            found.append(f"{path}: notebook eseguito")
        elif path.is_file():
            text = text_of(path)
            found += [f"{path}: contiene {needle!r}" for needle in forbidden(data) if needle in text]
    return found


@pytest.fixture
def notebooks(tmp_path) -> Path:
    """The suite's notebooks, bilancio failing with a path of this machine in its message."""
    folder = Path(shutil.copytree(DEFAULT_NOTEBOOKS, tmp_path / "notebooks"))
    nb = nbformat.read(folder / "bilancio.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell(FAILING))
    nbformat.write(nb, folder / "bilancio.ipynb")
    return folder


@pytest.mark.kernel
@pytest.mark.browser  # the PDFs, when Chromium is installed
def test_nothing_private_is_published(tmp_path, notebooks, pavia_copy, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "stato"))
    reports = tmp_path / "reports"
    out = reports / "pavia" / "2023"
    out.mkdir(parents=True)
    for leftover in ("panoramica.ipynb", ".lock"):  # what earlier versions published
        (out / leftover).write_text("{}", encoding="utf-8")
    (out.parent / ".distretto.json").write_text("{}", encoding="utf-8")
    pdf = find_chromium() is not None
    result = run_reports(pavia_copy, areas="anziani", comuni="018151", notebooks_dir=notebooks, out_dir=reports,
                         jobs=2, progress="none", pdf=pdf)
    assert [r.job.name for r in result.failed] == ["bilancio"] and "segreto.csv" in result.failed[0].message
    territory = tmp_path / "due_ambiti.yml"
    example = ROOT / "data" / "territori" / "provincia_pavia"
    territory.write_text("codice: due_ambiti\nnome: Due ambiti\ndistretti:\n"
                         + "".join(f"  - cartella: {example / name}\n" for name in TERRITORY_DISTRICTS)
                         + 'confronti:\n  provincia: {codice: "018", nome: "Provincia di Pavia"}\n'
                           '  regione: {codice: "03", nome: "Lombardia"}\n', encoding="utf-8")
    assert run_territory(territory, areas="anziani", comuni="", out_dir=reports, jobs=2,
                         progress="none").exit_code == 0

    for data in (pavia_copy, example, territory):
        assert problems(reports, data) == []
    assert (out / "bilancio.errore.html").is_file() and (reports / "pavia" / "index.html").is_file()
    assert (reports / "territori" / "due_ambiti" / "index.html").is_file()
    assert not pdf or (out / "panoramica.pdf").is_file()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    done = [e for e in manifest["rapporti"] if e["stato"] == "riuscito"]
    assert len(done) == 6 and all(len(e["hash_risultato"]) == 64 for e in done)
    assert all(site.private_notebook(out, e["nome"]).is_file() for e in done)
    assert site.private_notebook(out, "bilancio.errore").is_file()
    comparison = json.loads((reports / "territori" / "due_ambiti" / "2023" / "manifest.json").read_text("utf-8"))
    assert comparison["rapporti"][0]["parametri"] == {"territory": "due_ambiti", "year": 2023}
