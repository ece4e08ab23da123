"""import-istat files a checked ISTAT download; the district's own files then win over the package."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import pianozona
from pianozona.cli import main
from pianozona.errors import DataError
from pianozona.data.importer import import_istat_files
from pianozona.data import population
from pianozona.data.population import italy_population


def _posas(path, year: int, comuni: list[str], bump: int = 0, encoding: str = "cp1252"):
    """A POSAS-like file built from real 2022 counts (plus `bump` per cell), with the ISTAT quirks."""
    pop = italy_population([2022], comuni)
    wide = pop.pivot_table(index=["codice_comune", "eta"], columns="sesso", values="residenti").reset_index()
    lines = [f"Popolazione residente al 1° gennaio {year} per età e sesso - Comuni;;;;",
             "Codice comune;Comune;Età;Totale maschi;Totale femmine"]
    for code, group in wide.groupby("codice_comune"):
        for row in group.itertuples():
            lines.append(f"{int(code)};Zerbolò;{row.eta};{row.M + bump};{row.F + bump}")
        lines.append(f"{int(code)};Zerbolò;999;{group.M.sum() + 101 * bump};{group.F.sum() + 101 * bump}")
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_import_then_load_uses_the_new_year(pavia_copy, tmp_path):
    source = _posas(tmp_path / "POSAS_2021_it_Comuni.csv", 2021, ["018110", "018091"])
    results = import_istat_files([source], pavia_copy)
    assert results[0].kind == "posas" and results[0].years == (2021,)
    assert results[0].comuni_distretto == 2 and results[0].comuni_attesi == 12
    copied = pavia_copy / "istat" / source.name
    assert copied.read_bytes() == source.read_bytes()  # the raw file is copied byte for byte
    district = pianozona.load_district(pavia_copy)
    assert 2021 in district.anni_popolazione
    fonti = district.fonti_popolazione.set_index("anno")
    assert fonti.loc[2021, "fonte"] == "file ISTAT del distretto"
    messages = [p.message for p in district.problems.warnings]
    assert "popolazione 2021 usata come stima per gli anni 2019 e 2020 nei rapporti" in messages  # nearest: 2021
    assert not any("per il 2021" in m or "2019-2021" in m for m in messages)


def test_own_file_wins_over_the_package_and_says_so(pavia_copy, tmp_path):
    source = _posas(tmp_path / "POSAS_2023_it_Comuni.csv", 2023, ["018091"], bump=1)
    import_istat_files([source], pavia_copy)
    district = pianozona.load_district(pavia_copy)
    fonti = district.fonti_popolazione.set_index("anno")
    assert fonti.loc[2023, "fonte"] == "file ISTAT del distretto"
    assert fonti.loc[2023, "scartata"] == population.GEOPOP_SOURCE
    mezzana = district.popolazione.query("anno == 2023 and codice_comune == '018091'")["residenti"].sum()
    assert mezzana == 467 + 202  # 2022 counts + 1 per age and sex, from the district's own file


def test_refuses_file_without_district_comuni(pavia_copy, tmp_path):
    source = _posas(tmp_path / "POSAS_2021_it_Comuni.csv", 2021, ["001001"])
    with pytest.raises(DataError, match="nessun comune del distretto"):
        import_istat_files([source], pavia_copy)
    assert not (pavia_copy / "istat" / source.name).exists()


def test_refuses_to_overwrite_a_different_file(pavia_copy, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _posas(tmp_path / "a" / "POSAS_2021_it_Comuni.csv", 2021, ["018110"])
    import_istat_files([first], pavia_copy)
    second = _posas(tmp_path / "b" / "POSAS_2021_it_Comuni.csv", 2021, ["018110"], bump=2)
    with pytest.raises(DataError, match="sovrascrivi"):
        import_istat_files([second], pavia_copy)
    import_istat_files([second], pavia_copy, overwrite=True)
    assert (pavia_copy / "istat" / second.name).read_bytes() == second.read_bytes()


def test_cli_import(pavia_copy, tmp_path):
    source = _posas(tmp_path / "POSAS_2021_it_Comuni.csv", 2021, ["018110"])
    result = CliRunner().invoke(main, ["import-istat", str(source), "--distretto", str(pavia_copy)])
    assert result.exit_code == 0, result.output
    assert "POSAS 2021, 1 comuni del distretto su 12, archiviato" in result.output
    again = CliRunner().invoke(main, ["import-istat", str(source), "--distretto", str(pavia_copy)])
    assert "già presente" in again.output
    bad = tmp_path / "rotto.csv"
    bad.write_text("niente di utile\n", encoding="utf-8")
    failed = CliRunner().invoke(main, ["import-istat", str(bad), "--distretto", str(pavia_copy)])
    assert failed.exit_code == 2 and "rotto.csv" in failed.output


# ---------------------------------------------------------------- ISTAT's survey per ambito (SDMX-CSV)
def _ats(tmp_path, **write):
    from tests.data import ats_samples

    rows = ats_samples.lombardia(n_ambiti=10, years=(2021,), named={"T03007": "Ambito distrettuale di Pavia"})
    return ats_samples.write(tmp_path / "ats_2021.csv", rows, **write)


def _with_ambito(folder, code: str) -> None:
    config = folder / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("ente_capofila:", f'ambito_istat: "{code}"\n'
                                                                   "ente_capofila:"), encoding="utf-8")


def test_ats_survey_goes_beside_the_districts_and_says_it_covers_the_ambito(pavia_copy, tmp_path):
    _with_ambito(pavia_copy, "T03007")
    source = _ats(tmp_path, sep=";", bom=True)
    [result] = import_istat_files([source], pavia_copy)
    assert result.kind == "ats" and result.years == (2021,) and result.ambiti == 10 + 5
    assert result.destination == pavia_copy.parent / "istat_ats" / source.name
    assert result.destination.read_bytes() == source.read_bytes() and not (pavia_copy / "istat" / source.name).exists()
    assert result.notes == ("contiene l'ambito T03007 (Ambito distrettuale di Pavia) di Distretto Sociale di Pavia",)
    again = import_istat_files([source], pavia_copy)
    assert again[0].unchanged


def test_ats_notes_name_a_wrong_ambito_the_missing_areas_and_guess_the_code(pavia_copy, tmp_path):
    from tests.data import ats_samples

    rows = ats_samples.lombardia(n_ambiti=10, years=(2021,), named={"T03007": "Ambito distrettuale di Pavia"},
                                 areas=("FAM", "ELD"), italy=False)
    source = ats_samples.write(tmp_path / "due_aree.csv", rows)
    [result] = import_istat_files([source], pavia_copy)
    assert "il file non ha le aree DIS (Disabili), IMMNOM" in result.notes[0]
    assert 'forse ambito_istat: "T03007", Ambito distrettuale di Pavia' in result.notes[1]
    assert "non ha il dato dell'Italia" in result.notes[2]
    _with_ambito(pavia_copy, "T03099")
    notes = import_istat_files([source], pavia_copy)[0].notes
    assert "non contiene l'ambito T03099" in notes[1] and "T03001, T03002" in notes[1]


def test_cli_files_the_survey_and_refuses_another_dataflow_in_one_line(pavia_copy, tmp_path):
    _with_ambito(pavia_copy, "T03007")
    out = CliRunner().invoke(main, ["import-istat", str(_ats(tmp_path)), "--distretto", str(pavia_copy)])
    assert out.exit_code == 0, out.output
    assert "indagine ISTAT sui servizi sociali per ambito, anni 2021, 15 ambiti, archiviato" in out.output
    assert "- contiene l'ambito T03007" in out.output
    other = tmp_path / "popolazione.csv"
    other.write_text("DATAFLOW,FREQ,REF_AREA,DATA_TYPE,SEX,AGE,TIME_PERIOD,OBS_VALUE\n"
                     "IT1:22_289(1.0),A,018110,JAN,9,TOTAL,2022,71000\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["import-istat", str(other), "--distretto", str(pavia_copy)])
    assert out.exit_code == 2 and out.output.count("\n") == 1 and "un altro dataflow ISTAT" in out.output
    assert not (pavia_copy.parent / "istat_ats" / other.name).exists()
