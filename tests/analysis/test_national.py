"""The comparison with the region, Italy and the region's ambiti, on real ISTAT rows and on generated files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pianozona
from pianozona import privacy
from pianozona.analysis import definitions, definitions_national, national
from tests.data import ats_samples

EXCERPT = Path(__file__).parents[1] / "fixtures" / "istat_ats" / "excerpt_2021.csv"


def _with_ambito(folder: Path, code: str) -> Path:
    config = folder / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("ente_capofila:", f'ambito_istat: "{code}"\n'
                                                                   "ente_capofila:"), encoding="utf-8")
    return folder


@pytest.fixture
def lombardia(pavia_copy):
    """The Pavia copy named as ambito T03007 of a generated whole-Lombardia file (2020, 2021)."""
    rows = ats_samples.lombardia(n_ambiti=90, years=(2020, 2021), named={"T03007": "Ambito di Pavia (generato)"})
    folder = pavia_copy.parent / "istat_ats"
    folder.mkdir()
    ats_samples.write(folder / "ats.csv", rows)
    return pianozona.load_district(_with_ambito(pavia_copy, "T03007")), rows


def test_real_rows_merate_beside_lombardia(pavia_copy):
    folder = pavia_copy.parent / "istat_ats"
    folder.mkdir()
    shutil.copy(EXCERPT, folder)
    survey = national.load(pianozona.load_district(_with_ambito(pavia_copy, "T03042")))
    assert (survey.nome, survey.regione, survey.nome_regione, survey.anni) == (
        "Distretto di Merate", "ITC4", "Lombardia", [2021])
    [row] = national.spending(survey).to_dict("records")
    assert (row["area"], row["anno"], row["ambito"], row["regione"]) == ("Famiglia e minori", 2021, 176, 383)
    assert (row["posizione"], row["ambiti"], row["spesa_euro"]) == (1, 1, 3_438_320)
    assert np.isnan(row["italia"]) and not survey.italia
    assert "Disabili" in national.missing_areas(survey) and "Famiglia e minori" not in national.missing_areas(survey)
    assert national.users(survey, 2023).empty  # the excerpt has spending only


def test_spending_rank_and_spread_against_the_file(lombardia):
    district, rows = lombardia
    survey = national.load(district)
    assert survey.nome == "Ambito di Pavia (generato)" and survey.anni == [2020, 2021]
    assert not survey.data["territorio"].str.startswith("T01").any()  # Piemonte's ambiti not kept
    table = national.spending(survey).set_index(["area_istat", "anno"])
    assert len(table) == 7 * 2
    values = {r[0]: r[7] for r in rows
              if r[2] == "EXPTPOP" and r[3] == "ELD" and r[6] == 2021 and r[0].startswith("T03")}
    own = values["T03007"]
    row = table.loc[("ELD", 2021)]
    assert row["ambito"] == own and row["ambiti"] == 90
    assert row["posizione"] == 1 + sum(v > own for v in values.values())  # 1 = the highest
    assert row["mediana"] == np.median(list(values.values()))
    assert (row["minimo"], row["massimo"]) == (min(values.values()), max(values.values()))
    region = next(r[7] for r in rows if r[:4] == ("ITC4", "Lombardia", "EXPTPOP", "ELD") and r[6] == 2021)
    assert row["regione"] == region and np.isfinite(row["italia"])
    sentence = next(s for s in national.sentences(national.spending(survey), survey) if s.startswith("Anziani"))
    assert f"{int(row['posizione'])}° su 90 ambiti della regione" in sentence and "Lombardia" in sentence


def test_points_mark_the_ambito_and_carry_region_and_italy(lombardia):
    survey = national.load(lombardia[0])
    shown, refs = national.points(survey, "FAM")
    assert len(shown) == 90 * 2 and shown["evidenza"].sum() == 2
    assert set(shown.loc[shown["evidenza"], "nome"]) == {"Ambito di Pavia (generato)"}
    assert sorted(refs["nome"].unique()) == ["Italia", "Lombardia"] and set(refs["anno"]) == {"2020", "2021"}


def test_small_user_counts_are_hidden_when_publishing(pavia_copy):
    rows = ats_samples.lombardia(n_ambiti=30, years=(2021,), named={"T03007": "Piccolo"})
    counts = {"HOMECARE": 3, "REMASS": 40}
    rows = [(*r[:7], counts[r[4]]) if r[0] == "T03007" and r[2] == "USSSPM" and r[4] in counts else r for r in rows]
    folder = pavia_copy.parent / "istat_ats"
    folder.mkdir()
    ats_samples.write(folder / "ats.csv", rows)
    survey = national.load(pianozona.load_district(_with_ambito(pavia_copy, "T03007")))
    raw = national.users(survey, 2023, publish=False).set_index("servizio")
    assert raw.loc["Assistenza domiciliare socio-assistenziale", "utenti"] == 3
    shown = national.users(survey, 2023, publish=True).set_index("servizio")
    home = shown.loc["Assistenza domiciliare socio-assistenziale"]
    assert np.isnan(home["utenti"]) and np.isnan(home["utenti_per_pop"]) and home["utenti_soppresso"]
    assert np.isnan(home["posizione"]) and np.isfinite(home["regione"])  # no rank for a hidden value
    view = national.users_view(shown.reset_index())
    hidden = view.set_index("servizio").loc["Assistenza domiciliare socio-assistenziale"]
    assert hidden["posizione_regione"] == "n.d." and hidden["utenti_istat_soppresso"]
    assert view.attrs[privacy.ATTRS_KEY]["derived"] == {"utenti_per_abitante_istat": "utenti_istat"}
    other = shown.loc["Telesoccorso e teleassistenza"]
    assert other["utenti"] == 40 and not other["utenti_soppresso"] and other["posizione"] >= 1


def test_availability_says_why_in_one_line(pavia_copy):
    district = pianozona.load_district(pavia_copy)
    assert "non indica ambito_istat" in national.availability(district)
    district = pianozona.load_district(_with_ambito(pavia_copy, "T03007"))
    assert "nessun file dell'indagine ISTAT" in national.availability(district)
    folder = pavia_copy.parent / "istat_ats"
    folder.mkdir()
    shutil.copy(EXCERPT, folder)
    reason = national.availability(pianozona.load_district(pavia_copy))
    assert "l'ambito T03007 di distretto.yml non è nei file" in reason and str(folder) not in reason
    (folder / "rotto.csv").write_text(EXCERPT.read_text(encoding="utf-8").replace("2021,176", "2021,x"),
                                      encoding="utf-8")
    reason = national.availability(pianozona.load_district(pavia_copy))
    assert reason == "confronto_italia non eseguito: file rotto.csv, riga 12: valore non numerico"
    with pytest.raises(pianozona.DataError, match="valore non numerico"):
        national.load(pianozona.load_district(pavia_copy))


def test_key_figures(lombardia):
    survey = national.load(lombardia[0])
    table = national.spending(survey)
    figures = national.metrics(survey, table, 2023)
    assert figures["ambito_istat"] == "T03007" and figures["anni_istat"] == [2020, 2021]
    assert figures["aree_confrontate"] == 7 and set(figures["aree"]) == {"FAM", "DIS", "ELD", "IMMNOM", "POV", "ADD",
                                                                       "MULBEN"}
    latest = table[table["anno"] == 2021]
    assert figures["aree_sopra_mediana"] == int((latest["ambito"] > latest["mediana"]).sum())
    view = national.spending_view(table)
    assert view["posizione_regione"].str.fullmatch(r"\d+° su 90").all()
    labels = national.spending_labels(survey)
    assert "Lombardia" not in view.columns and labels["spesa_regione"] == "Regione Lombardia (euro per abitante)"


def test_an_ambito_without_a_value_has_no_rank_and_no_sentence(lombardia):
    district, rows = lombardia
    folder = district.config.folder.parent / "istat_ats"
    ats_samples.write(folder / "ats.csv", [(*r[:7], "") if r[0] == "T03007" and r[2] == "EXPTPOP" and r[3] == "ADD"
                                           else r for r in rows])
    survey = national.load(pianozona.load_district(district.config.folder))
    table = national.spending(survey)
    add = table[table["area_istat"] == "ADD"]
    assert add["ambito"].isna().all() and add["posizione"].isna().all() and (add["ambiti"] == 89).all()
    assert not any(s.startswith("Dipendenze") for s in national.sentences(table, survey))
    assert "ADD" not in national.metrics(survey, table, 2023)["aree"]


def test_every_column_the_reports_show_is_an_indicator_of_the_one_registry_under_its_name(lombardia):
    """The drift check on the comparison's tables: number columns have the dictionary's keys and names."""
    survey = national.load(lombardia[0])
    shown = [(national.spending_view(national.spending(survey)), national.spending_labels(survey)),
             (national.users_view(national.users(survey, 2023)), national.users_labels(survey))]
    for view, labels in shown:
        assert set(view.columns) - {"utenti_istat_soppresso"} == set(labels)
        numbers = [c for c in view.columns if c != "anno" and pd.api.types.is_numeric_dtype(view[c])
                   and not pd.api.types.is_bool_dtype(view[c])]
        assert len(numbers) >= 4
        for key in numbers:
            item = definitions.for_column(key)
            assert item is not None and item.gruppo == definitions_national.GRUPPO_ISTAT, key
            assert definitions.header_matches(item, labels[key]), (key, labels[key])
    assert definitions.nome("utenti_istat") == "Utenti dei servizi (ISTAT)"
    assert "DCIS_SPESESERSOC1_5" in definitions.get("spesa_per_abitante_istat").fonte
