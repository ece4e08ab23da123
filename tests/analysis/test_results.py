"""results: an analysis result shows a short Italian summary in a notebook, its figures the result's own, escaped."""

from __future__ import annotations

import dataclasses

import pytest

import pianozona
from pianozona.analysis import needs, profile, results
from pianozona.formatting import num

MEZZANA = "018091"  # the smallest comune: hidden areas when publishing


@pytest.fixture(scope="module")
def pavia():
    return pianozona.load_district("pavia")


def test_a_needs_analysis_shows_the_district_figures_and_says_its_data_are_raw(pavia):
    analysis = needs.analyse(pavia, "anziani", 2023, publish=False)
    shown, text = analysis._repr_html_(), repr(analysis)
    whole = analysis.district
    assert shown.startswith('<div class="pz-sintesi">') and "<table>" in shown
    assert "Analisi dei bisogni: Anziani, 2023" in text and results.MODE_RAW in text
    assert f"Utenti dei servizi: {num(whole['utenti'], 0)}" in text
    assert f"Popolazione a rischio: {num(whole['popolazione_a_rischio'], 0)}" in text
    assert f"{num(whole['copertura'])} (intervallo al 95%: {num(whole['lower'])}–{num(whole['upper'])})" in text
    comuni = analysis.coverage[analysis.coverage["comune"] != needs.TOTAL_LABEL]
    counted = sum(int(part.split()[0]) for part in text.split("Comuni rispetto al distretto: ")[1]
                  .splitlines()[0].split(", "))
    assert counted == len(comuni) == len(pavia.comuni)
    assert f"Andamento: {analysis.trend.verdict} (2019–2023)" in text
    assert len(text.splitlines()) < 12 and "DataFrame" not in text and "dtype" not in text  # not a wall of text


def test_a_protected_analysis_says_so_and_counts_what_cannot_be_compared(pavia):
    analysis = needs.analyse(pavia, "disabili", 2023, publish=True)
    text = repr(analysis)
    assert results.MODE_PROTECTED in text and results.MODE_RAW not in text
    hidden = len(analysis.hidden_comuni)
    assert hidden and f"{hidden} non confrontabil" in text  # the comuni whose count is hidden


def test_a_profile_names_its_comune_escapes_what_comes_from_the_data_and_gives_its_notes(pavia):
    shown = profile.comune_profile(pavia, 2023, MEZZANA, publish=True)
    text = repr(shown)
    assert text.startswith("Profilo di Mezzana Rabattone (Distretto Sociale di Pavia), 2023")
    assert f"Residenti: {num(shown.residents, 0)} al 1° gennaio {shown.population_year}" in text
    assert shown.population_note in text and results.MODE_PROTECTED in text
    hostile = dataclasses.replace(shown, comune="<img src=x onerror=alert(1)>", district="A & B")
    page = hostile._repr_html_()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "A &amp; B" in page
