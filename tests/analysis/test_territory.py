"""The comparison of a territory's districts: protected district totals, pooled rate, verdicts, text, the notebook."""

from __future__ import annotations

import dataclasses
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from pianozona import privacy
from pianozona.analysis import needs, overview, stats
from pianozona.data import cache
from pianozona.analysis import territory as confronto
from pianozona.data import territory as territori
from pianozona.data.areas import AREE
from pianozona.data.population import comuni_italia, italy_population
from pianozona.present.headlines import headline_figures
from tests.conftest import ROOT, execute_notebook

EXAMPLE = ROOT / "data" / "territori"
SMALL = ["ambito-vigevano", "ambito-pavia", "ambito-certosa"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A territory of three of the example's districts, and its districts loaded once."""
    base = tmp_path_factory.mktemp("terr")
    for code in SMALL:
        shutil.copytree(EXAMPLE / "provincia_pavia" / code, base / code)
    lines = ["codice: piccolo", "nome: \"Tre ambiti\"", "distretti:", *[f"  - cartella: {c}" for c in SMALL],
             "confronti:", "  provincia: {codice: \"018\", nome: \"Provincia di Pavia\"}"]
    (base / "piccolo.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = territori.read_territory(base / "piccolo.yml")
    return config, territori.load_districts(config)


@pytest.fixture(scope="module")
def published(small):
    config, districts = small
    return confronto.compare(config, 2023, publish=True, districts=districts)


def test_each_coverage_row_is_the_districts_protected_total(small, published):
    _, districts = small
    for district in districts:
        for area in district.aree:
            total = needs.district_totals(district, area, [2023], publish=True).iloc[0]
            row = published.coverage[(published.coverage["codice"] == district.codice)
                                     & (published.coverage["area"] == area)].iloc[0]
            for column in ("utenti", "popolazione_a_rischio", "copertura", "lower", "upper"):
                assert row[column] == pytest.approx(total[column], nan_ok=True), (district.codice, area, column)
    assert len(published.coverage) == 3 * 7 and published.protected


def test_verdict_and_funnel_are_against_the_pooled_rate(published):
    for _, ref in published.pooled.iterrows():
        rows = confronto.funnel_table(published, ref["area"])
        value, lower, upper = stats.rate_ci(rows["utenti"].sum(), rows["popolazione_a_rischio"].sum(), multiplier=1000)
        assert ref["copertura"] == pytest.approx(value) and ref["lower"] == pytest.approx(lower)
        assert ref["ambiti_inclusi"] == 3 and ref["ambiti_esclusi"] == 0
        expected = np.where(rows["lower"] > value, "superiore", np.where(rows["upper"] < value, "inferiore", "simile"))
        assert rows["confronto"].tolist() == expected.tolist()
        funnel = stats.funnel_significance(rows["utenti"], rows["popolazione_a_rischio"], statistic="rate",
                                           mean=value, multiplier=1000, italian=True)
        assert rows["funnel"].tolist() == list(funnel)
    assert (published.coverage["confronto"] != "simile").any()  # the example has real contrasts to show


def _with_small_total(district, area: str, users: int):
    """The district with every user of `area` removed but `users` in its first comune (a total from 1 to 4)."""
    table = district.utenti.copy()
    in_area = table.index[(table["area"] == area)]
    table.loc[in_area, "utenti"] = 0
    first = table.index[(table["area"] == area) & (table["anno"] == 2023)][0]
    table.loc[first, "utenti"] = users
    district.utenti = table
    return district


def test_a_hidden_district_total_is_not_shown_compared_pooled_or_stated(small):
    config, districts = small
    changed = [territori.load_districts(config)[0], *districts[1:]]
    _with_small_total(changed[0], "dipendenze", 2)
    result = confronto.compare(config, 2023, publish=True, districts=changed)
    row = confronto.funnel_table(result, "dipendenze").iloc[0]
    assert row["utenti_soppresso"] and row["confronto"] == confronto.NOT_COMPARABLE
    assert not np.isfinite(row["copertura"]) and row["funnel"] == stats.FUNNEL_LABELS["not_assessable"]
    ref = confronto.reference(result, "dipendenze")
    others = confronto.funnel_table(result, "dipendenze").iloc[1:]
    assert ref["ambiti_esclusi"] == 1 and ref["utenti"] == others["utenti"].sum()  # 2 is not in the territory's total
    shown = privacy.format_suppressed(confronto.funnel_table(result, "dipendenze"))
    assert shown.loc[0, "utenti"] == privacy.MARKER and shown.loc[0, "copertura"] == privacy.MARKER
    spend = confronto.spending_table(result, "dipendenze").iloc[0]
    assert spend["utenti_soppresso"] and not np.isfinite(spend["spesa_per_utente"])
    text = confronto.summary(result)
    assert "Il totale di 1 ambito non è pubblicato per tutelare la riservatezza" in text
    assert confronto.metrics(result)["aree"]["dipendenze"]["ambiti_non_confrontabili"] == 1
    explored = confronto.compare(config, 2023, publish=False, districts=changed)
    raw = confronto.funnel_table(explored, "dipendenze").iloc[0]
    assert raw["utenti"] == 2 and not raw["utenti_soppresso"] and not explored.protected


def test_summary_names_a_few_districts_and_counts_the_rest(published):
    area = "anziani"
    names = [f"Ambito {i}" for i in range(8)]
    rows = pd.DataFrame({"area": area, "etichetta": "Anziani", "ambito": names,
                         "confronto": ["superiore"] * 7 + ["simile"], "utenti_soppresso": False})
    fake = dataclasses.replace(published, coverage=rows, pooled=published.pooled[published.pooled["area"] == area])
    text = confronto.summary(fake)
    assert "superiore in 7 ambiti: Ambito 0, Ambito 1, Ambito 2 e altri 4 ambiti" in text
    assert "Ambito 5" not in text and "compatibile con quella del territorio in 1 ambito" in text
    assert "contati per servizio" in text  # users of services are not persons


def test_demography_side_by_side_with_territory_and_comparators(small, published):
    _, districts = small
    table = published.demography.set_index("territorio")
    assert table["livello"].tolist() == ["distretto"] * 3 + ["territorio", "provincia"]
    mine = overview.indicators_with_comparators(districts[0], 2023).set_index("territorio").loc[districts[0].nome]
    assert table.loc[districts[0].nome, "indice_vecchiaia"] == pytest.approx(mine["indice_vecchiaia"])
    assert table.loc["Tre ambiti", "popolazione"] == sum(table.loc[d.nome, "popolazione"] for d in districts)
    province = comuni_italia().query("codice_provincia == '018'")["codice_comune"].tolist()
    assert table.loc["Provincia di Pavia", "popolazione"] == italy_population([2023], province)["residenti"].sum()


def test_spending_per_resident_and_per_protected_user(small, published):
    _, districts = small
    spend = confronto.spending_table(published)
    assert len(spend) == 3 * 7
    first = spend[spend["ambito"] == districts[0].nome].set_index("area")
    money = districts[0].spesa.query("anno == 2023").groupby("area")["importo_euro"].sum()
    residents = districts[0].popolazione.query("anno == 2023")["residenti"].sum()
    assert first["spesa_per_residente"].to_dict() == pytest.approx((money / residents).to_dict())
    users = confronto.funnel_table(published, "anziani").set_index("ambito").loc[districts[0].nome, "utenti"]
    assert first.loc["anziani", "spesa_per_utente"] == pytest.approx(money["anziani"] / users)


@pytest.mark.kernel
def test_the_notebook_runs_on_the_example_in_publication_mode(tmp_path, monkeypatch):
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    out, metrics = tmp_path / "confronto_ambiti.ipynb", tmp_path / "cifre.json"
    execute_notebook(ROOT / "notebooks" / "confronto_ambiti.ipynb", out, cwd=str(ROOT / "notebooks"),
                     parameters={"territory": "provincia_pavia", "year": 2023, "metrics_path": str(metrics)},
                     kernel_name="python3")
    figures = json.loads(metrics.read_text(encoding="utf-8"))
    province = comuni_italia().query("codice_provincia == '018'")["codice_comune"].tolist()
    assert figures["ambiti"] == 9 and figures["comuni"] == 186
    assert figures["residenti"] == italy_population([2023], province)["residenti"].sum()
    assert set(figures["aree"]) == set(AREE)
    text = out.read_text(encoding="utf-8")
    assert "Grafico a imbuto" in text and "Dati dimostrativi" in text and "contati per servizio" in text
    assert "Traceback" not in text


@pytest.mark.kernel
def test_the_notebook_escapes_district_names_and_runs_on_another_territory(small, tmp_path, monkeypatch):
    config, _ = small
    base = tmp_path / "ostile"
    for member, name in zip(config.members[:2], ["<b>Ambito</b> *uno*", "Ambito [due](javascript:alert(1))"]):
        shutil.copytree(member.folder, base / member.codice)
        path = base / member.codice / "distretto.yml"
        text = path.read_text(encoding="utf-8").replace(f'nome: "{member.nome}"', f"nome: {json.dumps(name)}")
        path.write_text(text, encoding="utf-8")
    (base / "ostile.yml").write_text("nome: \"<i>Territorio</i>\"\ndistretti:\n"
                                     + "".join(f"  - cartella: {m.codice}\n" for m in config.members[:2]),
                                     encoding="utf-8")
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    out = tmp_path / "out.ipynb"
    execute_notebook(ROOT / "notebooks" / "confronto_ambiti.ipynb", out, cwd=str(ROOT / "notebooks"),
                     parameters={"territory": str(base / "ostile.yml"), "year": 2023}, kernel_name="python3")
    outputs = [o for c in json.loads(out.read_text(encoding="utf-8"))["cells"] for o in c.get("outputs", [])]
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in outputs)
    markdown = "".join("".join(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "&lt;b&gt;Ambito&lt;/b&gt; *uno*" in html and "<b>" not in html and "<i>" not in html
    assert r"\<i\>Territorio\</i\>" in markdown  # the territory's name, escaped in the heading and the summary
    names = [r"\<b\>Ambito\</b\> \*uno\*", r"\[due\](javascript\:alert"]
    assert any(n in markdown for n in names) or "superiore in" not in markdown and "inferiore in" not in markdown
    assert "[due](" not in markdown and "<b>Ambito" not in markdown


@pytest.fixture
def caching():
    """An empty cache, emptied again afterwards."""
    cache.clear()
    yield
    cache.clear()


@pytest.mark.slow  # compares the territory twice, from the files then from memory, ~8 s
def test_cached_comparison_is_identical_and_read_from_memory(small, published, caching):
    config, districts = small
    assert confronto.district_rows in cache.warmable()  # the runner's warm-up computes it before the kernels fork
    first = confronto.compare(config, 2023, publish=True, districts=districts)
    second = confronto.compare(config, 2023, publish=True, districts=districts)
    assert confronto.district_rows.cache_info()["hits"] == len(districts)
    for result in (first, second):
        for name in ("districts", "coverage", "pooled", "demography", "spending"):
            pd.testing.assert_frame_equal(getattr(result, name), getattr(published, name), check_exact=True)
            assert getattr(result, name).attrs == getattr(published, name).attrs, name
        assert confronto.summary(result) == confronto.summary(published)
        assert confronto.metrics(result) == confronto.metrics(published)
    second.coverage.loc[0, "utenti"] = -1  # a copy: the next caller is not affected
    assert confronto.compare(config, 2023, publish=True, districts=districts).coverage.loc[0, "utenti"] >= 0
    explored = confronto.compare(config, 2023, publish=False, districts=districts)
    assert not explored.protected and explored.coverage.attrs != published.coverage.attrs  # the mode is in the key


def test_metrics_give_the_index_its_headline_figures(published):
    figures = json.loads(json.dumps(confronto.metrics(published)))  # as the index reads the JSON back
    areas = figures["aree"].values()
    assert figures["confronti_superiori"] == sum(a["ambiti_superiori"] for a in areas) > 0
    assert figures["confronti_inferiori"] == sum(a["ambiti_inferiori"] for a in areas)
    assert figures["totali_non_pubblicati"] == int(published.coverage["utenti_soppresso"].sum())
    shown = dict(headline_figures("confronto_ambiti.ipynb", figures))
    assert shown["Ambiti confrontati"] == "3" and len(shown) == 3
    assert shown["Confronti ambito × area sopra il territorio"] == str(figures["confronti_superiori"])


def test_a_comparison_shows_a_short_summary_of_its_territory(published):
    text = repr(published)
    districts = published.districts
    assert text.startswith(f"Confronto tra ambiti: {published.nome}, 2023") and "protetti per la pubblicazione" in text
    assert f"Ambiti: {len(districts)}" in text and f"Comuni: {districts['comuni'].sum()}" in text
    assert len(text.splitlines()) < 10 and published._repr_html_().startswith('<div class="pz-sintesi">')
