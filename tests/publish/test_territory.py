"""A territory's run: every district's suite and the comparison, one pool, a territory index linking the districts."""

from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from pianozona.cli import main
from pianozona.data.config import data_root
from pianozona.errors import DataError, ParameterError
from pianozona.files import TEMP_PREFIX
from pianozona.publish.runner import run_reports
from pianozona.publish.territory import COMPARISON, plan_territory
from tests.publish.conftest import FIXTURES

EXAMPLE = data_root() / "territori" / "provincia_pavia"
HOSTILE = '<script>alert("ambito")</script> & **Ambito**'


def small_territory(root: Path, *, hostile: bool = False, code: str | None = None) -> Path:
    """Two small districts of the bundled example copied under `root`, and a territory file listing them."""
    for name in ("ambito-vigevano", "ambito-garlasco"):
        shutil.copytree(EXAMPLE / name, root / name)
    config = root / "ambito-garlasco" / "distretto.yml"
    text = config.read_text(encoding="utf-8")
    if hostile:
        text = text.replace('nome: "Ambito di Garlasco (illustrativo)"', f"nome: '{HOSTILE}'")
    if code:
        text = text.replace("codice: ambito-garlasco", f"codice: {code}")
    config.write_text(text, encoding="utf-8")
    path = root / "due.yml"
    path.write_text("codice: due\nnome: \"Due ambiti\"\ndistretti:\n  - cartella: ambito-vigevano\n"
                    "  - cartella: ambito-garlasco\n", encoding="utf-8")
    return path


class Links(HTMLParser):
    """The href of every link of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def links(page: Path) -> list[str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.hrefs


@pytest.mark.slow  # plans and checks nine districts, ~15 s
def test_the_bundled_territory_plans_every_district_and_the_comparison(reports_root):
    plan = plan_territory("provincia_pavia", areas="anziani", comuni="Vigevano", notebooks_dir=FIXTURES,
                          out_dir=reports_root)
    assert len(plan.districts) == 9
    assert [p.district.codice for p in plan.districts] == [m.codice for m in plan.territory.members]
    assert {p.year for p in plan.plans} == {plan.year}
    profiles = {p.district.codice: [j.name for j in p.jobs if j.name.startswith("scheda_comune")]
                for p in plan.districts}
    assert profiles.pop("ambito-vigevano") == ["scheda_comune_018177"]
    assert not any(profiles.values())  # --comuni narrows the profiles over the whole territory
    (job,) = plan.comparison.jobs
    assert job.name == COMPARISON and job.parameters == {"territory": str(plan.territory.file.resolve()),
                                                          "year": plan.year}
    assert plan.comparison.out_dir == reports_root.resolve() / "territori" / "provincia_pavia" / str(plan.year)
    assert plan.comparison.members == tuple(p.out_dir for p in plan.districts)
    assert plan.plans[-1] is plan.comparison  # published last: its index reads the districts' manifests
    none = plan_territory("provincia_pavia", areas="anziani", comuni="", notebooks_dir=FIXTURES, out_dir=reports_root)
    assert not [j for p in none.districts for j in p.jobs if j.name.startswith("scheda_comune")]


def test_a_year_that_a_district_lacks_or_a_comune_outside_the_territory_is_refused(tmp_path, reports_root):
    territory = small_territory(tmp_path)  # two districts: the bundled nine are planned in the slow tests
    with pytest.raises(ParameterError, match="senza 1990"):
        plan_territory(territory, 1990, notebooks_dir=FIXTURES, out_dir=reports_root)
    with pytest.raises(ParameterError, match="Milano"):
        plan_territory(territory, comuni="Vigevano, Milano", notebooks_dir=FIXTURES, out_dir=reports_root)
    with pytest.raises(DataError, match="non trovato"):
        plan_territory("nessuno", notebooks_dir=FIXTURES, out_dir=reports_root)


@pytest.mark.parametrize("code, error, message", [
    ("ambito-vigevano", DataError, "distretto ripetuto"),  # the two would publish in one folder
    ("territori", ParameterError, "cartella dei territori"),  # it would publish among the territories
])
def test_a_district_code_that_would_publish_in_the_wrong_folder_is_refused(tmp_path, code, error, message):
    territory = small_territory(tmp_path, code=code)
    with pytest.raises(error, match=message) as caught:
        plan_territory(territory, notebooks_dir=FIXTURES, out_dir=tmp_path / "reports")
    assert "riga 5" in str(caught.value)  # the line listing the second district


@pytest.mark.kernel
def test_a_territory_run_publishes_every_district_and_an_index_linking_them(tmp_path):
    territory = small_territory(tmp_path / "dati", hostile=True)
    out = tmp_path / "reports"
    result = run_reports(territory=territory, areas="anziani", comuni="Vigevano", notebooks_dir=FIXTURES, out_dir=out,
                           jobs=2, progress="none")
    assert result.exit_code == 0, result.summary()
    assert [len(r) for r in result.per_plan] == [6, 5, 1]
    assert all(r.status == "riuscito" for r in result.results)
    year = result.territory.year
    index = out / "territori" / "due" / str(year) / "index.html"
    hrefs = links(index)
    for code in ("ambito-vigevano", "ambito-garlasco"):
        href = f"../../../{code}/{year}/index.html"
        assert href in hrefs and (index.parent / href).resolve().is_file()
    assert f"{COMPARISON}.html" in hrefs and (index.parent / f"{COMPARISON}.html").is_file()
    page = index.read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#34;ambito&#34;)&lt;/script&gt; &amp;" in page
    manifest = json.loads((index.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["indici_distretti"] == [f"../../../{c}/{year}/index.html" for c in ("ambito-vigevano",
                                                                                        "ambito-garlasco")]
    (entry,) = manifest["rapporti"]
    assert entry["cifre_chiave"]["ambiti"] == 2 and entry["cifre_chiave"]["pubblicazione"] == "1"
    district = json.loads((out / "ambito-garlasco" / str(year) / "manifest.json").read_text(encoding="utf-8"))
    assert district["distretto"]["nome"] == HOSTILE and len(district["rapporti"]) == 5
    assert not list(out.rglob(TEMP_PREFIX + "*")), "cartelle temporanee rimaste"


@pytest.mark.kernel
def test_a_rerun_redoes_only_what_read_the_changed_table_and_the_comparison(tmp_path):
    territory = small_territory(tmp_path / "dati")
    out = tmp_path / "reports"
    options = dict(areas="anziani", comuni=[], notebooks_dir=FIXTURES, out_dir=out, jobs=2, progress="none")
    assert run_reports(territory=territory, **options).exit_code == 0
    again = run_reports(territory=territory, **options)
    assert {r.status for r in again.results} == {"invariato"}
    spending = tmp_path / "dati" / "ambito-garlasco" / "spesa.csv"
    spending.write_text(spending.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same rows, new bytes
    assert {r.status for r in run_reports(territory=territory, **options).results} == {"invariato"}
    lines = spending.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(";")
    cells[3] = str(int(float(cells[3].replace(".", "").replace(",", "."))) + 1)  # one amount
    spending.write_text("\n".join([lines[0], ";".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    third = run_reports(territory=territory, **options)
    rerun = [[r.job.name for r in results if r.status == "riuscito"] for results in third.per_plan]
    assert rerun == [[], ["bisogni_area_anziani", "bilancio", "quadro_sindaci"], ["confronto_ambiti"]]


@pytest.mark.kernel
def test_the_cli_runs_a_territory_and_refuses_a_district_with_it(tmp_path):
    territory = small_territory(tmp_path / "dati")
    runner = CliRunner()
    both = runner.invoke(main, ["run", "--distretto", "pavia", "--territorio", str(territory)])
    assert both.exit_code == 2 and "non entrambi" in both.output
    done = runner.invoke(main, ["run", "--territorio", str(territory), "--notebooks", str(FIXTURES), "--aree",
                                "anziani", "--comuni", "Gambolò", "--out", str(tmp_path / "r"), "--processi", "2"])
    assert done.exit_code == 0, done.output
    assert re.search(r"Territorio Due ambiti, anno \d{4}: indice in .*territori/due/\d{4}/index\.html", done.output)
    assert "Ambito di Vigevano (illustrativo): 6 aggiornati" in done.output


@pytest.mark.dask
@pytest.mark.kernel
def test_a_territory_on_dask_publishes_the_same_results_as_the_local_pool(tmp_path):
    pytest.importorskip("distributed", reason="serve il pacchetto 'distributed' per l'esecutore Dask")
    territory = small_territory(tmp_path / "dati")
    options = dict(areas="anziani", comuni="Vigevano", notebooks_dir=FIXTURES, jobs=2, progress="none")
    local = run_reports(territory=territory, out_dir=tmp_path / "locale", **options)
    dask = run_reports(territory=territory, out_dir=tmp_path / "dask", executor="dask", **options)
    assert local.exit_code == 0 and dask.exit_code == 0, dask.summary()
    compared = 0
    for plan in local.plans:
        folder = plan.out_dir.relative_to((tmp_path / "locale").resolve())
        mine, theirs = (json.loads((tmp_path / root / folder / "manifest.json").read_text(encoding="utf-8"))
                        for root in ("locale", "dask"))
        assert theirs["ultima_esecuzione"]["esecutore"] == "dask"
        hashes = [{e["nome"]: (e["stato"], e["hash_risultato"]) for e in m["rapporti"]} for m in (mine, theirs)]
        assert hashes[0] == hashes[1], folder
        assert all(value for _, value in hashes[0].values())  # every report has its result's hash
        compared += len(hashes[0])
    assert compared == 12  # 6 + 5 district reports and the comparison
