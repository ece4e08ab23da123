from __future__ import annotations

import pandas as pd
import pytest

from pianozona.errors import DataError
from pianozona.data import istat
from pianozona.data.population import (GEOPOP_SOURCE, codes_for_name, combine_sources, comuni_italia, geopop_years,
                                       istat_download_hint, istat_name, italy_population, names_match,
                                       similar_comuni)
from pianozona.names import fold

from .istat_samples import make_zip, posas, recon_lines, write

REFERENCE = {  # shared/reference/istat_formats.md
    "018110": (70_380, 70_636), "018030": (1_428, 1_424), "018041": (6_649, 6_643), "018091": (467, 463),
    "018135": (4_010, 4_005), "018137": (6_326, 6_276), "018151": (1_145, 1_141), "018159": (2_387, 2_408),
    "018162": (4_402, 4_434), "018179": (770, 745), "018189": (1_645, 1_630), "018190": (3_075, 3_055),
}


def test_years_and_long_layout():
    assert geopop_years() == (2022, 2023)
    pop = italy_population(comuni=["018110"])
    assert list(pop.columns) == ["anno", "codice_comune", "eta", "sesso", "residenti"]
    assert set(pop["sesso"]) == {"M", "F"} and pop["eta"].min() == 0 and pop["eta"].max() == 100


def test_reference_populations_of_the_twelve_comuni():
    totals = italy_population(comuni=list(REFERENCE)).groupby(["codice_comune", "anno"])["residenti"].sum()
    for code, (y22, y23) in REFERENCE.items():
        assert (totals[(code, 2022)], totals[(code, 2023)]) == (y22, y23)


def test_registry_of_comuni():
    registry = comuni_italia().set_index("codice_comune")
    assert registry.loc["018110", "provincia"] == "Pavia"
    assert registry.loc["018110", "codice_regione"] == "03"


def test_missing_year_says_which_exist():
    with pytest.raises(DataError, match="2022, 2023") as info:
        italy_population([2019])
    assert "demo.istat.it" in info.value.problem.fix and "POSAS_2019_it_Comuni.zip" in info.value.problem.fix


def test_download_hint_from_2019_names_posas_strasa_and_the_command():
    hint = istat_download_hint(2021, "pavia")
    assert "demo.istat.it" in hint and "Popolazione residente al 1° gennaio" in hint
    assert "'pianozona import-istat POSAS_2021_it_Comuni.zip --distretto pavia'" in hint
    assert "STRASA_2021_it_Comuni.zip" in hint and "ricostruzione" not in hint


def test_download_hint_before_2019_names_the_ricostruzione_and_pop_file():
    hint = istat_download_hint(2015)
    assert "ricostruzione intercensuaria" in hint and "2002-2019" in hint and "pop2015" in hint
    assert "POSAS" not in hint and "'pianozona import-istat FILE'" in hint and "<codice>" not in hint
    assert "--distretto pavia'" in istat_download_hint(2015, "pavia")


def test_the_file_names_of_the_hints_are_read_as_the_kind_they_name(tmp_path):
    """A file saved under the name the hint gives is recognised as that kind by our readers."""
    header = "Codice comune;Comune;Età;Maschi;Femmine"
    strasa_rows = ["18110;Pavia;0;3;4", "18110;Pavia;999;3;4"]
    files = {
        "posas": make_zip(tmp_path, {"POSAS_2021_it_Comuni.csv": "\n".join(
            ["Popolazione residente al 1° gennaio 2021", "Codice comune;Comune;Età;Totale maschi;Totale femmine",
             "18110;Pavia;0;3;4", "18110;Pavia;999;3;4"])}),
        "strasa": posas(tmp_path, name="STRASA_2021_it_Comuni.csv", rows=strasa_rows, header=header,
                        title="Popolazione residente al 1° gennaio 2021"),
        "pre2019": write(tmp_path, "pop2015.csv", ["Popolazione residente al 1° gennaio 2015",
                                                   "Codice comune,Denominazione,Età,Totale Maschi,Totale Femmine",
                                                   "18110,Pavia,0,3,4", "18110,Pavia,999,3,4"]),
        "ricostruzione": write(tmp_path, "ricostruzione_2002_2019_Pavia.csv", recon_lines(2015)),
    }
    hints = istat_download_hint(2021) + istat_download_hint(2015)
    for kind, path in files.items():
        assert istat.detect_kind(path) == kind, path.name
    assert "POSAS_2021_it_Comuni.zip" in hints and "STRASA_2021_it_Comuni.zip" in hints and "pop2015" in hints


def test_combine_sources_prefers_own_files():
    package = italy_population(comuni=["018091"])
    own = package[package["anno"] == 2023].assign(residenti=1)
    merged, sources = combine_sources(own, package, "file del distretto")
    assert merged.query("anno == 2023")["residenti"].sum() == 202
    assert merged.query("anno == 2022")["residenti"].sum() == 467
    assert sources.to_dict("records") == [
        {"anno": 2022, "fonte": GEOPOP_SOURCE, "scartata": ""},
        {"anno": 2023, "fonte": "file del distretto", "scartata": GEOPOP_SOURCE},
    ]
    alone, _ = combine_sources(None, package, "x")
    pd.testing.assert_frame_equal(alone, package)


# ---------------------------------------------------------------- issue 8: comune names against ISTAT codes



@pytest.mark.parametrize("name", ["Travacò Siccomario", "Travaco' Siccomario", "TRAVACO SICCOMARIO",
                                  " travacò-siccomario "])
def test_names_match_ignores_accents_case_apostrophes(name):
    assert names_match("018162", name)
    assert not names_match("018110", name)


def test_name_lookups_suggest_codes_and_names():
    assert fold("Torre d'Isola") == "torre d isola"
    assert codes_for_name("Pavia") == ("018110",)
    assert codes_for_name("Atlantide") == ()
    assert ("018162", "Travacò Siccomario") in similar_comuni("Travacco Sicomario")
    assert istat_name("018110") == "Pavia" and istat_name("999999") is None
