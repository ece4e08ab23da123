"""The profile of one comune: figures from the protected area analyses, spine ranges, the Italian text."""

import re

import numpy as np
import pandas as pd
import pytest

import pianozona
from pianozona import privacy
from pianozona.analysis import needs, profile, profile_text
from pianozona.data.population import comuni_italia
from pianozona.errors import ParameterError
from pianozona.formatting import num

MEZZANA = "018091"  # Mezzana Rabattone, 463 residents: the smallest comune, many hidden cells


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")  # each area is analysed once for the whole module (data.cache)


@pytest.fixture(scope="module")
def mezzana(pavia):
    return profile.comune_profile(pavia, 2023, MEZZANA, publish=True)


@pytest.fixture(scope="module")
def mezzana_raw(pavia):
    return profile.comune_profile(pavia, 2023, MEZZANA, publish=False)


def test_comune_by_code_or_name(pavia):
    assert profile.resolve_comune(pavia, "018110") == ("018110", "Pavia")
    assert profile.resolve_comune(pavia, "travaco' siccomario") == ("018162", "Travacò Siccomario")
    assert profile.resolve_comune(pavia, "18091") == (MEZZANA, "Mezzana Rabattone")


def test_unknown_comune_names_the_value_and_the_district_comuni(pavia):
    with pytest.raises(ParameterError) as err:
        profile.comune_profile(pavia, 2023, "018099")
    message = str(err.value)
    assert "'018099'" in message and "018091 Mezzana Rabattone" in message and "018110 Pavia" in message


def test_every_area_figure_is_the_area_report_row(pavia, mezzana):
    areas = mezzana.areas.set_index("area")
    assert list(areas.index) == list(pavia.aree)
    for area in pavia.aree:
        analysis = needs.analyse(pavia, area, 2023, publish=True)
        shared = needs.shareable_coverage(analysis).set_index("comune")
        row, mine, whole = areas.loc[area], shared.loc["Mezzana Rabattone"], shared.loc[needs.TOTAL_LABEL]
        for column in ["utenti", "popolazione_a_rischio", "copertura", "lower", "upper"]:
            assert row[column] == pytest.approx(mine[column], nan_ok=True), (area, column)
        assert row["utenti_soppresso"] == mine["utenti_soppresso"]
        assert row["confronto"] == mine["confronto"]
        assert row["copertura_distretto"] == pytest.approx(whole["copertura"], nan_ok=True)
        assert row["variazione"] == analysis.change.set_index("comune").loc["Mezzana Rabattone", "verdetto"]
        spend = analysis.spending.set_index("anno").loc[2023, "spesa_per_residente"]
        assert row["spesa_per_residente_distretto"] == pytest.approx(spend)


def test_hidden_areas_show_no_number_of_the_comune(mezzana, mezzana_raw):
    areas = mezzana.areas
    hidden = areas[areas["utenti_soppresso"]]
    assert set(hidden["area"]) >= {"disabili", "poverta", "dipendenze", "salute_mentale"}
    assert hidden[["utenti", "copertura", "lower", "upper", "copertura_precedente"]].isna().all().all()
    assert (hidden["confronto"] == needs.NOT_COMPARABLE).all()
    assert mezzana_raw.areas["utenti_soppresso"].sum() == 0  # exploring: raw data, nothing flagged
    shown = privacy.format_suppressed(areas).set_index("area")
    assert (shown.loc[hidden["area"], "utenti"] == privacy.MARKER).all()
    assert (shown.loc[hidden["area"], "copertura"] == privacy.MARKER).all()


def _states(text: str, number: str) -> bool:
    """True when `number` appears in `text` as a number of its own (not inside 2023, 1°, 0,5% ...)."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d,°]|\.\d)", text) is not None


def test_the_text_never_states_a_hidden_value(mezzana, mezzana_raw):
    text = " ".join([profile_text.summary(mezzana), *profile_text.hidden_notes(mezzana)])
    raw = mezzana_raw.areas.set_index("area")
    for area in mezzana.areas.loc[mezzana.areas["utenti_soppresso"], "area"]:
        count, rate = raw.loc[area, "utenti"], raw.loc[area, "copertura"]
        assert not _states(text, str(int(count))), (area, count)
        for digits in (1, 2):
            assert not _states(text, num(rate, digits)), (area, rate)
    assert "più bass" not in text.replace("più bassa:", "") and "la copertura più" not in text


def test_the_text_names_what_is_hidden_and_why(mezzana):
    summary = profile_text.summary(mezzana)
    notes = profile_text.hidden_notes(mezzana)
    hidden = mezzana.areas[mezzana.areas["utenti_soppresso"]]
    assert len(notes) == len(hidden)
    for label, note in zip(hidden["etichetta"], notes):
        assert note.startswith(label) and "tutelare la riservatezza" in note
        assert label in summary
    assert "Non sono mostrati i valori del comune" in summary and "numeri troppo piccoli" in summary
    assert "meno di 5" not in summary  # one marker: the text does not tell a small count from a complement


def test_a_comune_without_hidden_values_says_nothing_about_them(pavia):
    pavia_city = profile.comune_profile(pavia, 2023, "Pavia", publish=True)
    assert not pavia_city.areas["utenti_soppresso"].any()
    assert profile_text.hidden_notes(pavia_city) == []
    summary = profile_text.summary(pavia_city)
    assert "Non sono mostrati" not in summary and "70.636 residenti" in summary
    for label in pavia_city.areas.loc[pavia_city.areas["confronto"] == "superiore", "etichetta"]:
        assert label in summary.split("superiore")[1].split(".")[0]


def test_coverage_range_uses_only_published_values(pavia, mezzana):
    spine = mezzana.spine.set_index("codice")
    leaks_avoided = 0
    for area in pavia.aree:
        published = needs.analyse(pavia, area, 2023, publish=True).coverage
        published = published.loc[~published["utenti_soppresso"], "copertura"].dropna()
        raw = needs.analyse(pavia, area, 2023, publish=False).coverage["copertura"]
        row = spine.loc[f"copertura_{area}"]
        assert (row["minimo"], row["massimo"], row["n_unita"]) == (published.min(), published.max(), len(published))
        assert row["q1"] == pytest.approx(np.quantile(published, 0.25))
        assert row["riferimento"] == profile.DISTRICT_UNITS
        leaks_avoided += raw.min() < published.min() or raw.max() > published.max()
    assert leaks_avoided, "in Pavia's data some hidden comune lies outside the published range"
    assert spine.loc["copertura_dipendenze", "verdetto"] == needs.NOT_COMPARABLE
    assert np.isnan(spine.loc["copertura_dipendenze", "valore"])


def test_demographic_spine_spans_the_province_and_is_not_compared(mezzana):
    rows = mezzana.spine[mezzana.spine["tipo"] == "demografico"].set_index("codice")
    demography = mezzana.demography.set_index("indicatore")
    registry = comuni_italia()
    assert (rows["n_unita"] == (registry["codice_provincia"] == "018").sum()).all()
    assert (rows["verdetto"] == profile.NOT_ASSESSED).all()
    assert (rows["riferimento"] == profile.PROVINCE_UNITS).all()
    assert rows.loc["indice_vecchiaia", "valore"] == pytest.approx(demography.loc["indice_vecchiaia", "comune"])
    assert rows.loc["indice_vecchiaia", "comparatore"] == pytest.approx(demography.loc["indice_vecchiaia", "distretto"])
    assert ((rows["minimo"] <= rows["valore"]) & (rows["valore"] <= rows["massimo"])).all()
    assert set(mezzana.spine["verdetto"]) <= set(profile.VERDICTS)


def test_demography_beside_district_province_and_region(mezzana):
    table = mezzana.demography.set_index("indicatore")
    assert mezzana.residents == 463
    assert table.loc["popolazione", ["distretto", "provincia"]].tolist() == [102860, 534968]
    assert table.loc["quota_65", "regione"] == pytest.approx(23.391935, abs=1e-5)
    assert table.loc["popolazione", "decimali"] == 0 and table.loc["quota_65", "decimali"] == 1


def test_a_year_that_borrows_another_years_population_says_so(pavia):
    old = profile.comune_profile(pavia, 2021, "Sommo", publish=True)
    assert old.population_year == 2022
    assert old.population_note == "Popolazione 2022 usata come stima per il 2021 (mancano i dati ISTAT di quell'anno)."
    assert "import-istat" not in old.population_note and "POSAS" not in old.population_note  # no how-to on a page
    assert old.population_note in profile_text.summary(old)  # the same sentence everywhere
    current = profile.comune_profile(pavia, 2023, "Sommo", publish=True)
    assert current.population_note == "Popolazione residente al 1° gennaio 2023 (ISTAT)."


def test_metrics_and_key_figures_count_the_protected_verdicts(mezzana):
    m = profile_text.metrics(mezzana)
    areas = mezzana.areas
    assert m["residenti"] == 463
    assert m["aree_non_pubblicate"] == int(areas["utenti_soppresso"].sum()) >= 4
    assert m["aree_sopra"] == int((areas["confronto"] == "superiore").sum())
    assert m["aree_sopra"] + m["aree_sotto"] + m["aree_simili"] + m["aree_non_confrontabili"] == len(areas)
    figures = profile_text.key_figures(mezzana)
    assert figures["Residenti al 1° gennaio 2023"] == "463"
    assert figures["Aree con valori non pubblicati (riservatezza)"] == str(m["aree_non_pubblicate"])


def test_district_wide_work_is_computed_once(pavia):
    profile.comune_profile(pavia, 2023, "Zinasco", publish=True)
    before = profile.area_analyses.cache_info()["hits"]
    again = profile.comune_profile(pavia, 2023, "Zerbolò", publish=True)
    assert profile.area_analyses.cache_info()["hits"] == before + 1
    again.areas.loc[0, "copertura"] = -1.0  # a caller's change does not reach the next profile
    assert profile.comune_profile(pavia, 2023, "Zerbolò", publish=True).areas.loc[0, "copertura"] >= 0


def test_area_table_keeps_what_the_count_is(pavia, mezzana):
    areas = mezzana.areas.set_index("area")
    assert (areas["conteggio"] == needs.MEASURE_WORDS["utenti"]["header"]).all()
    assert areas.loc["disabili", "popolazione_descrizione"].startswith("stima")
    assert isinstance(mezzana.areas, pd.DataFrame) and mezzana.protected and mezzana.threshold == 4


def test_area_table_as_shown_keeps_the_markers_and_says_what_it_counts(mezzana):
    shown = privacy.format_suppressed(profile_text.area_table(mezzana)).set_index("etichetta")
    assert shown.loc["Disabili", "utenti"] == privacy.MARKER
    assert shown.loc["Disabili", "copertura"] == privacy.MARKER
    assert shown.loc["Minori e famiglia", "utenti"] == "7"
    labels = profile_text.area_labels(mezzana)
    assert labels["utenti"] == "Utenti dei servizi" and labels["copertura_precedente"].endswith("(2022)")
    assert set(labels) == set(profile_text.AREA_COLUMNS) - {"utenti_soppresso"}
    notes = " ".join(profile_text.area_notes(mezzana))
    assert "contati per servizio" in notes and "Disabili: stima" in notes and "non è una spesa del comune" in notes
