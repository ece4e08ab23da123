"""headlines: the few figures of each report on the index, from its protected key figures, in Italian."""

from __future__ import annotations

from pianozona.present.headlines import HEADLINES, MAX_HEADLINES, Headline, headline_figures


def test_each_suite_notebook_shows_its_figures_in_italian():
    panoramica = {"anno": 2023, "residenti": 117000, "comuni": 12, "indice_vecchiaia": 213.456, "quota_65": 25.04}
    assert headline_figures("panoramica.ipynb", panoramica) == (
        ("Residenti", "117.000"), ("Indice di vecchiaia", "213,5"), ("Quota 65+ (%)", "25,0"))
    area = {"utenti": None, "copertura_per_1000": 12.34, "tendenza": "in aumento"}
    assert headline_figures("bisogni_area", area) == (
        ("Utenti dei servizi (contati per servizio)", "n.d."),  # not published: no number is guessed
        ("Copertura per 1.000 residenti a rischio", "12,3"), ("Tendenza", "in aumento"))
    assert all(len(figures) <= MAX_HEADLINES for figures in HEADLINES.values())


def test_a_notebook_may_choose_its_own_and_missing_keys_are_skipped():
    chosen = {"in_evidenza": {"Servizi attivi": "14", "Comuni serviti": "12", "Altro": "1", "Quarto": "2"}}
    assert headline_figures("bilancio", chosen) == (("Servizi attivi", "14"), ("Comuni serviti", "12"), ("Altro", "1"))
    assert headline_figures("bilancio", {"spesa_totale_euro": 1234567.891}) == (("Spesa totale (euro)", "1.234.568"),)
    assert headline_figures("sconosciuto", {"x": 1}) == () and headline_figures("bilancio", None) == ()


def test_the_territory_comparison_shows_its_figures_and_skips_nested_values():
    comparison = {"territorio": "provincia_pavia", "anno": 2023, "ambiti": 92, "comuni": 1506, "residenti": 10_000_000,
                  "confronti_superiori": 1234, "confronti_inferiori": None, "totali_non_pubblicati": 3,
                  "aree": {"anziani": {"copertura_per_1000": 12.5, "ambiti_superiori": 4}}}
    assert headline_figures("confronto_ambiti.ipynb", comparison) == (
        ("Ambiti confrontati", "92"), ("Confronti ambito × area sopra il territorio", "1.234"),
        ("Confronti ambito × area sotto il territorio", "n.d."))
    nested = {"Bilancio": {"a": 1}, "Aree": ["anziani"], "Ambiti": 9}  # chosen figures: only single values shown
    assert headline_figures("confronto_ambiti", {"in_evidenza": nested}) == (("Ambiti", "9"),)
    HEADLINES["prova_annidata"] = (Headline("aree", "Aree"), Headline("lista", "Lista"), Headline("ambiti", "Ambiti"))
    try:
        assert headline_figures("prova_annidata", {"aree": {"x": 1}, "lista": [1, 2], "ambiti": 9}) == (
            ("Ambiti", "9"),)
    finally:
        del HEADLINES["prova_annidata"]
