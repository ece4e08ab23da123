"""A territory file: its districts (folders or codes), comparators, and every mistake named with file, line and fix."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pianozona.data import territory
from pianozona.data.config import read_config
from pianozona.errors import DataError, ValidationError
from pianozona.files import is_data_file

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "data" / "territori"
SEATS = ["018110", "018046", "018192", "018177", "018102", "018069", "018182", "018024", "018037"]


def _district(folder: Path, code: str, comuni: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"codice: {code}", f"nome: Distretto {code}", "comuni:"]
    lines += [f'  - {{codice: "{c}", nome: "{n}"}}' for c, n in comuni.items()]
    (folder / "distretto.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A data root with districts 'nord' (a folder of the root) and 'sud' (a folder elsewhere)."""
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(tmp_path))
    _district(tmp_path / "nord", "nord", {"018110": "Pavia", "018030": "Carbonara al Ticino"})
    _district(tmp_path / "altrove" / "sud", "sud", {"018182": "Voghera"})
    (tmp_path / "territori").mkdir()
    return tmp_path


def _write(root: Path, text: str, name: str = "prova") -> Path:
    path = root / "territori" / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = ('codice: prova\nnome: "Prova"\ndistretti:\n  - nord\n  - cartella: ../altrove/sud\n'
        'confronti:\n  regione: {codice: "03", nome: Lombardia}\n')


def test_districts_by_code_and_by_folder_relative_to_the_file(root):
    _write(root, GOOD)
    found = territory.read_territory("prova")
    assert [m.codice for m in found.members] == ["nord", "sud"]
    assert found.folders == [(root / "nord").resolve(), (root / "altrove" / "sud").resolve()]
    assert [m.line for m in found.members] == [4, 5]
    assert [(c.livello, c.codice, c.nome) for c in found.confronti] == [("regione", "03", "Lombardia")]
    assert territory.available() == ["prova"]
    assert territory.read_territory(root / "territori" / "prova.yml").codice == "prova"  # a path works too


def test_unknown_territory_lists_the_available_ones(root):
    _write(root, GOOD)
    with pytest.raises(DataError, match="territorio 'nessuno' non trovato") as info:
        territory.read_territory("nessuno")
    assert "prova" in info.value.problem.fix


@pytest.mark.parametrize("text, message, line, value", [
    (GOOD.replace("  - nord\n", "  - ovest\n"), "distretto non trovato", 4, "ovest"),
    (GOOD.replace("  - nord\n", "  - {dove: nord}\n"), "voce di 'distretti' non valida", 4, None),
    (GOOD.replace("  - nord\n", "  - nord\n  - nord\n"), "distretto ripetuto (già alla riga 4)", 5, "nord"),
    (GOOD.replace('codice: "03"', 'codice: "3a"'), "il confronto 'regione' non ha un codice ISTAT valido", 6, None),
    (GOOD.replace("distretti:\n  - nord\n  - cartella: ../altrove/sud\n", "distretti: []\n"),
     "l'elenco 'distretti' manca o è vuoto", 3, None),
    (GOOD.replace("codice: prova", "codice: Prova Uno"), "non è un nome di cartella sicuro", 1, "Prova Uno"),
])
def test_each_mistake_names_file_line_value_and_fix(root, text, message, line, value):
    path = _write(root, text)
    with pytest.raises(DataError) as info:
        territory.read_territory("prova")
    problem = info.value.problem
    assert message in problem.message and problem.line == line and problem.file == str(path) and problem.fix
    if value is not None:
        assert problem.value == value


def test_a_comune_claimed_by_two_districts_is_named_with_both(root):
    _district(root / "bis", "bis", {"018110": "Pavia"})
    _write(root, GOOD.replace("  - nord\n", "  - nord\n  - bis\n"))
    with pytest.raises(DataError, match=r"il comune Pavia \(018110\) è anche nel distretto nord \(riga 4\)") as info:
        territory.read_territory("prova")
    assert info.value.problem.line == 5 and "un solo ambito" in info.value.problem.fix


def test_every_problem_is_reported_at_once(root):
    _write(root, 'codice: prova\ndistretti:\n  - ovest\n  - {x: 1}\nconfronti: [1]\n')
    with pytest.raises(ValidationError) as info:
        territory.read_territory("prova")
    assert sorted(p.line for p in info.value.problems if p.line) == [3, 4, 5]
    assert any(p.column == "nome" for p in info.value.problems)


def test_aliases_are_refused_and_codes_stay_text(root):
    _write(root, GOOD.replace("  - nord\n", "  - &a nord\n  - *a\n"))
    with pytest.raises(DataError, match="alias e ancore"):
        territory.read_territory("prova")
    _write(root, GOOD.replace('codice: "03"', "codice: 03"))  # unquoted: BaseLoader keeps the text "03"
    assert territory.read_territory("prova").confronti[0].codice == "03"


def test_the_example_covers_the_province_once_with_nine_illustrative_ambiti():
    found = territory.read_territory(EXAMPLE / "provincia_pavia.yml")
    configs = [read_config(folder) for folder in found.folders]
    comuni = [code for config in configs for code in config.comuni]
    assert len(found.members) == 9 and len(comuni) == len(set(comuni)) == 186
    assert all(code.startswith("018") for code in comuni)
    assert [next(c for c in SEATS if c in config.comuni) for config in configs] == SEATS  # each seat in its ambito
    assert all("illustrativo" in config.nome for config in configs)
    text = (EXAMPLE / "provincia_pavia.yml").read_text(encoding="utf-8")
    assert "ILLUSTRATIVO" in text and "non la composizione reale" in text
    assert "NON è l'appartenenza reale" in (EXAMPLE / "provincia_pavia" / "LEGGIMI.txt").read_text(encoding="utf-8")
    for folder in found.folders:
        rows = (folder / "utenti.csv").read_text(encoding="utf-8").splitlines()[1:]
        assert {line.split(";")[-1] for line in rows} == {"dimostrativo"}


def test_example_is_small_and_reproduced_byte_for_byte(tmp_path):
    committed = {p.relative_to(EXAMPLE): p.read_bytes() for p in EXAMPLE.rglob("*")
                 if p.is_file() and is_data_file(p.relative_to(EXAMPLE))}  # not the protection secret a run leaves
    assert sum(len(b) for b in committed.values()) < 2_500_000
    subprocess.run([sys.executable, str(ROOT / "scripts" / "genera_territorio_pavia.py"), str(tmp_path)], check=True,
                   capture_output=True, timeout=300)
    made = tmp_path / "territori"
    regenerated = {p.relative_to(made): p.read_bytes() for p in made.rglob("*") if p.is_file()}
    assert regenerated.keys() == committed.keys()
    assert regenerated == committed, "scripts/genera_territorio_pavia.py no longer reproduces data/territori: rerun it"


def test_each_example_district_passes_validate(tmp_path):
    from pianozona.cli import main
    from click.testing import CliRunner

    for folder in territory.read_territory(EXAMPLE / "provincia_pavia.yml").folders:
        result = CliRunner().invoke(main, ["validate", str(folder)])
        assert result.exit_code == 0, result.output
        assert " 0 errori" in result.output


def test_load_districts_reads_each_member_in_order(root):
    shutil.copytree(EXAMPLE / "provincia_pavia" / "ambito-vigevano", root / "vig")
    _write(root, "nome: Uno\ndistretti:\n  - cartella: ../vig\n")
    found = territory.read_territory("prova")
    districts = territory.load_districts(found)
    assert [d.codice for d in districts] == ["ambito-vigevano"] and districts[0].dimostrativo
