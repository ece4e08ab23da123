"""Illustrative tables for any district: valid, marked dimostrativo, sized on the comuni, reproducible."""

from __future__ import annotations

import pandas as pd
import pytest

from pianozona import load_district
from pianozona.data import demo, new_district
from pianozona.data.areas import AREE
from pianozona.data.comuni import parse_names
from pianozona.data.population import italy_population

# a real ambito of another province: the Lodigiano (Lodi)
COMUNI = "Codogno, Casalpusterlengo, Lodi, Sant'Angelo Lodigiano, Maleo, Somaglia, Fombio, Castiglione d'Adda"


@pytest.fixture(scope="module")
def demo_district(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    result = new_district.create_district("lodigiano", parse_names(COMUNI), root=root, demo_data=True)
    return result, load_district(result.folder)  # strict: raises on any error


def test_demo_folder_validates_strictly_and_says_it_is_illustrative(demo_district):
    result, district = demo_district
    assert district.dimostrativo
    assert not district.problems.errors
    assert {p.message for p in district.problems.warnings} == {
        "popolazione 2022 usata come stima per gli anni 2019-2021 nei rapporti",
        "area immigrazione, anni 2019-2023: mancano i residenti stranieri (ISTAT STRASA), la copertura si calcola "
        "su tutti i residenti (i rapporti lo dicono)"}  # nothing else: no false alarm on the illustrative tables
    for name in new_district.DEMO_TABLES:
        table = getattr(district, name)
        assert len(table) and set(table["fonte"]) == {"dimostrativo"}, name
    readme = (result.folder / new_district.README_FILE).read_text(encoding="utf-8")
    assert "NON REALI" in readme
    assert "DIMOSTRATIVE" in (result.folder / "distretto.yml").read_text(encoding="utf-8")


def test_years_areas_services_and_no_plan_history(demo_district):
    _, district = demo_district
    assert district.anni_dati == list(demo.YEARS)
    assert set(district.utenti["area"]) == set(AREE)
    assert set(district.utenti["codice_comune"]) == set(district.config.comuni)
    assert set(district.utenti["servizio"]) == {s for services in demo.SERVICES.values() for s, _, _ in services}
    assert district.misure["anno"].min() == 2019 and district.obiettivi["anno_base"].min() == 2019
    assert set(district.obiettivi["anno_target"]) == {2023}
    assert not district.obiettivi["obiettivo"].str.contains("Pavia|SMS|Gate|Reciproc", regex=True).any()
    services = set(district.servizi["servizio"])
    assert {"Segretariato sociale", "Servizio sociale professionale"} <= services


def test_sizes_follow_the_population_at_risk():
    codes = ["098019", "098031"]  # Codogno, Lodi (about 16 and 45 thousand residents)
    tables = demo.demo_tables(codes)
    users = tables["utenti"]
    sad = users[(users["servizio"] == "Assistenza domiciliare (SAD)") & (users["anno"] == 2023)]
    elderly = AREE["anziani"].popolazione_a_rischio(italy_population([2023], comuni=codes))
    per_1000 = sad.set_index("codice_comune")["utenti"] / elderly.droplevel("anno") * 1000
    # 14 per 1,000 in 2019, +4% a year, a comune effect around 1: plausible, not exact
    assert ((per_1000 > 5) & (per_1000 < 40)).all(), per_1000
    spending = tables["spesa"].groupby("anno")["importo_euro"].sum()
    residents = italy_population([2023], comuni=codes)["residenti"].sum()
    assert 20 < spending[2019] / residents < 40  # about 30 euro per resident


def test_objectives_are_measured_from_the_users(demo_district):
    _, district = demo_district
    measures = district.misure.set_index(["codice_obiettivo", "anno"])["valore"]
    sad = district.utenti[district.utenti["servizio"] == "Assistenza domiciliare (SAD)"]
    assert (sad.groupby("anno")["utenti"].sum().to_dict()
            == {y: measures[("ANZ-01", y)] for y in demo.YEARS})
    base = district.obiettivi.set_index("codice")
    assert base.at["ANZ-01", "valore_base"] == measures[("ANZ-01", 2019)]
    assert base.at["ANZ-02", "target"] < base.at["ANZ-02", "valore_base"]  # lower is better


def test_same_seed_same_bytes_other_seed_other_tables():
    codes = ["098019", "098010", "098047"]
    first = {k: demo.csv_bytes(t) for k, t in demo.demo_tables(codes).items()}
    again = {k: demo.csv_bytes(t) for k, t in demo.demo_tables(codes).items()}
    other = {k: demo.csv_bytes(t) for k, t in demo.demo_tables(codes, seed=7).items()}
    assert first == again
    assert first["utenti"] != other["utenti"]


def test_written_files_are_reproducible(tmp_path):
    a = new_district.create_district("a", parse_names("Codogno, Maleo"), root=tmp_path, demo_data=True)
    b = new_district.create_district("a", parse_names("Codogno, Maleo"), root=tmp_path / "b", demo_data=True)
    for name in new_district.DEMO_TABLES:
        assert (a.folder / f"{name}.csv").read_bytes() == (b.folder / f"{name}.csv").read_bytes()


def test_csv_is_italian():
    table = pd.DataFrame({"anno": [2019], "importo_euro": [1234.5], "valore": [12.0], "nota": ["x"]})
    assert demo.csv_bytes(table) == "anno;importo_euro;valore;nota\n2019;1234,50;12;x\n".encode()
