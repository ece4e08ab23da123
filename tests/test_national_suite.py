"""End to end (kernels: run under the heavy lock): the comparison with Italy and the LEPS report in a real run.

A copy of Pavia with ``ambito_istat`` and a GENERATED export of ISTAT's survey for
Lombardia's ambiti (tests/data/ats_samples.py: the real layout, made-up numbers)
filed with ``pianozona import-istat``: the suite publishes ``confronto_italia``
beside Lombardia, Italy and the other ambiti, and ``livelli_essenziali`` with
residents per social worker, the ratios and the contribution; the same copy
without ``ambito_istat`` skips the comparison with one line of the run log.
"""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from pianozona.cli import main
from pianozona.publish.runner import run_reports
from tests.conftest import PAVIA
from tests.data import ats_samples


@pytest.mark.kernel
@pytest.mark.suite
def test_suite_publishes_the_comparison_and_the_leps_report(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "stato"))
    district = tmp_path / "dati" / "pavia"
    shutil.copytree(PAVIA, district)
    config = district / "distretto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("ente_capofila:", 'ambito_istat: "T03071"\n'
                                                                   "ente_capofila:"), encoding="utf-8")
    export = ats_samples.write(tmp_path / "ats_lombardia.csv", ats_samples.lombardia(
        n_ambiti=90, years=(2020, 2021), named={"T03071": "Ambito di Pavia (dati generati)"}), sep=";", bom=True)
    filed = CliRunner().invoke(main, ["import-istat", str(export), "--distretto", str(district)])
    assert filed.exit_code == 0 and "contiene l'ambito T03071" in filed.output, filed.output

    result = run_reports(district, 2023, areas="anziani", comuni="", out_dir=tmp_path / "rapporti", jobs=2,
                         progress="log", timeout=300)
    assert result.exit_code == 0, result.summary()
    out = result.plan.out_dir
    page = (out / "confronto_italia.html").read_text(encoding="utf-8")
    assert "Confronto con la regione e con l&#39;Italia" in page or "Confronto con la regione e con l'Italia" in page
    assert page.count('alt="Grafico a punti:') == 7  # one strip chart per area of the survey
    assert re.search(r"Ambito di Pavia \(dati generati\) [\d.]+ euro, \d+° su 90", page)
    assert "Lombardia" in page and "Italia" in page and "ISTAT, Interventi e servizi sociali" in page
    assert str(tmp_path) not in page and "ats_lombardia" not in page  # no path, no file name in a shared page
    leps_page = (out / "livelli_essenziali.html").read_text(encoding="utf-8")
    assert "Residenti per assistente sociale" in leps_page and "Contributo annuo stimato" in leps_page
    assert "una stima" in leps_page and "per il LEPS 1:5.000" in leps_page and "Stato dei LEPS nel 2023" in leps_page
    for name in ("confronto_italia", "livelli_essenziali"):
        assert (out / f"{name}.xlsx").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")  # the reports' headline figures on the index
    assert "Aree sopra la mediana degli ambiti della regione" in index and "Contributo annuo stimato (euro)" in index
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "istat_ats/ats_lombardia.csv" in manifest["dati"]["file"]
    # one registry: every number these reports show is defined in the dictionary, under its name
    assert [w for e in manifest["rapporti"] for w in e["avvisi"] if "dizionario" in w] == []
    _the_dictionary_defines_the_national_indicators(out)
    assert [e["nome"] for e in manifest["rapporti"]][-3:] == ["livelli_essenziali", "confronto_italia",
                                                                 "quadro_sindaci"]

    config.write_text(config.read_text(encoding="utf-8").replace('ambito_istat: "T03071"\n', ""), encoding="utf-8")
    capfd.readouterr()
    again = run_reports(district, 2023, areas="anziani", comuni="", out_dir=tmp_path / "rapporti", jobs=2,
                        progress="log", timeout=300)
    log = capfd.readouterr().err
    assert again.exit_code == 0 and "confronto_italia" not in [r.job.name for r in again.results]
    assert log.count("confronto_italia non eseguito") == 1 and "non indica ambito_istat" in log


def _the_dictionary_defines_the_national_indicators(out):
    from openpyxl import load_workbook

    from pianozona.analysis import definitions, definitions_national

    dictionary = html.unescape((out / "dizionario.html").read_text(encoding="utf-8"))
    for group in (definitions_national.GRUPPO_ISTAT, definitions_national.GRUPPO_LEPS):
        assert group in dictionary
        for item in (i for i in definitions.INDICATORI.values() if i.gruppo == group):
            assert item.nome in dictionary and item.definizione in dictionary, item.codice
    assert "DCIS_SPESESERSOC1_5" in dictionary and "D.M. 4 febbraio 2021, n. 15" in dictionary
    for report, names in (("confronto_italia", ("spesa_per_abitante_istat", "dispersione_regione", "spesa_istat")),
                          ("livelli_essenziali", ("residenti_per_as", "soglia_5000", "mancanti_5000",
                                                  "contributo_stimato", "personale_fte"))):
        sheet = load_workbook(out / f"{report}.xlsx")["Definizioni"]
        defined = {row[0].value for row in sheet.iter_rows(min_row=2)}
        assert {definitions.nome(code) for code in names} <= defined, report
