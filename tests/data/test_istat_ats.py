"""ISTAT's SDMX-CSV export of the survey per ambito: real rows, every layout IstatData writes, one line per fault."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pianozona.data import istat_ats
from pianozona.data.ats_codes import area_kind, region_of_ambito, regione
from pianozona.errors import DataError
from tests.data import ats_samples

EXCERPT = Path(__file__).parents[1] / "fixtures" / "istat_ats" / "excerpt_2021.csv"
KEY = ["territorio", "tipo", "area_istat", "servizio", "anno"]


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[KEY + ["valore"]].astype({c: str for c in KEY[:-1]}).sort_values(KEY).reset_index(drop=True)


# ---------------------------------------------------------------- the real rows
def test_real_excerpt_is_read_with_its_labels():
    summary = istat_ats.scan(EXCERPT)
    assert summary.rows == 11 and summary.years == (2021,) and summary.areas == ("FAM",)
    assert summary.territories == {"ITC4": "Lombardia", "T03042": "Distretto di Merate"}
    assert summary.ambiti == ["T03042"] and summary.covers("T03042") and not summary.covers("T03041")
    assert summary.data_types == ("EXPMUN", "EXPTPOP")
    rows = istat_ats.read([EXCERPT]).set_index(["territorio", "tipo", "servizio"])
    assert rows.loc[("T03042", "EXPTPOP", "ALL"), "valore"] == 176  # ISTAT's published value
    assert rows.loc[("ITC4", "EXPTPOP", "ALL"), "valore"] == 383
    assert rows.loc[("T03042", "EXPMUN", "ALL"), "valore"] == 3_438_320
    assert rows.loc[("T03042", "EXPMUN", "EMPLOY"), "servizio_nome"] == "Sostegno all’inserimento lavorativo"
    assert rows.loc[("ITC4", "EXPMUN", "RICSOC"), "riga"] == 2  # the line as a text editor shows it


def test_region_and_ambito_codes():
    assert area_kind("IT") == "italia" and area_kind("ITC4") == "regione" and area_kind("ITC") == "ripartizione"
    assert area_kind("T03042") == "ambito" and area_kind("T99042") is None and area_kind("018110") is None
    assert region_of_ambito("T03042") == "03" and regione("T03042")[0] == "Lombardia" and regione("X") is None


# ---------------------------------------------------------------- every layout, same values
LAYOUTS = {
    "labels": {}, "no_labels": {"labels": False}, "bom": {"bom": True}, "semicolon": {"sep": ";"},
    "semicolon_bom_no_labels": {"sep": ";", "bom": True, "labels": False}, "rest": {"rest": True},
}


@pytest.fixture(scope="module")
def generated():
    return ats_samples.lombardia(n_ambiti=12, years=(2020, 2021), named={"T03007": "Ambito di prova"})


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_every_layout_reads_the_same_values(tmp_path, generated, layout):
    reference = _values(istat_ats.read([ats_samples.write(tmp_path / "ref.csv", generated)]))
    path = ats_samples.write(tmp_path / "x.csv", generated, **LAYOUTS[layout])
    got = _values(istat_ats.read([path]))
    pd.testing.assert_frame_equal(got, reference)
    summary = istat_ats.scan(path)
    assert summary.years == (2020, 2021) and len(summary.ambiti) == 12 + 5
    assert summary.territories["T03007"] == ("" if layout in ("no_labels", "semicolon_bom_no_labels", "rest")
                                             else "Ambito di prova")


def test_sdmx_csv_2_with_code_and_label_cells(tmp_path):
    text = ("STRUCTURE,STRUCTURE_ID,ACTION,FREQ: Frequenza,REF_AREA: Territorio,DATA_TYPE: Indicatore,"
            "CATEG_OF_BENEFICIARIES: Area,CATEGORY_OF_SERVICE: Servizio,TIME_PERIOD: Periodo,OBS_VALUE: Valore\n"
            "dataflow,IT1:47_940_DF_DCIS_SPESESERSOC1_5(1.0),I,A: Annuale,T03042: Distretto di Merate,"
            "EXPTPOP: Spesa,FAM: Famiglia e minori,ALL: Tutte le voci,2021,176\n")
    path = tmp_path / "v2.csv"
    path.write_text(text, encoding="utf-8")
    rows = istat_ats.read([path])
    assert rows.loc[0, "territorio"] == "T03042" and rows.loc[0, "territorio_nome"] == "Distretto di Merate"
    assert rows.loc[0, "valore"] == 176


def test_a_spreadsheet_resaved_in_cp1252_with_decimal_commas(tmp_path):
    text = EXCERPT.read_text(encoding="utf-8").replace(",", ";").replace("2021;383", "2021;383,5")
    path = tmp_path / "excel.csv"
    path.write_bytes(text.replace("’", "'").encode("cp1252"))  # "à" is one byte, 0xE0
    rows = istat_ats.read([path])
    assert rows.loc[rows["tipo"] == "EXPTPOP", "valore"].tolist() == [383.5, 176.0]
    assert "Attività ricreative; sociali; culturali" in set(rows["servizio_nome"])


def test_unit_mult_scales_the_values(tmp_path):
    path = tmp_path / "rest.csv"
    path.write_text("DATAFLOW,FREQ,REF_AREA,DATA_TYPE,CATEG_OF_BENEFICIARIES,CATEGORY_OF_SERVICE,TIME_PERIOD,"
                    "OBS_VALUE,UNIT_MULT\nIT1:47_940_DF_DCIS_SPESESERSOC1_5(1.0),A,T03042,EXPMUN,FAM,ALL,2021,3.5,3\n",
                    encoding="utf-8")
    assert istat_ats.read([path])["valore"].tolist() == [3500.0]


# ---------------------------------------------------------------- lean reading
def test_chunks_keep_the_lines_and_the_filter_keeps_only_what_is_asked(tmp_path, generated, monkeypatch):
    path = ats_samples.write(tmp_path / "x.csv", generated)
    whole = _values(istat_ats.read([path]))
    monkeypatch.setattr(istat_ats, "CHUNK_ROWS", 97)  # many chunks
    assert istat_ats.scan(path).rows == len(generated)
    pd.testing.assert_frame_equal(_values(istat_ats.read([path])), whole)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[500].startswith("A,T0")
    broken = lines[:500] + [lines[500].replace("A,T0", "A,X0", 1)] + lines[501:]
    path.write_text("\n".join(broken) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        istat_ats.scan(path)
    assert info.value.line == 501 and info.value.column == "REF_AREA" and info.value.problem.value.startswith("X0")
    lombard = istat_ats.read([ats_samples.write(path, generated)], data_types=["EXPTPOP"],
                             territories=lambda s: s.str.startswith("T03"))
    assert set(lombard["tipo"]) == {"EXPTPOP"} and lombard["territorio"].str.startswith("T03").all()
    assert len(lombard) == 12 * 7 * 2  # 12 ambiti x 7 areas x 2 years, nothing else kept
    assert isinstance(lombard["territorio"].dtype, pd.CategoricalDtype)


def test_the_same_series_twice_with_different_values_names_both_files(tmp_path, generated):
    first = ats_samples.write(tmp_path / "a.csv", generated)
    second = ats_samples.write(tmp_path / "b.csv", [(*r[:7], r[7] + 1) if r[0] == "T03003" else r for r in generated])
    assert len(istat_ats.read([first, ats_samples.write(tmp_path / "c.csv", generated)])) == len(generated)
    with pytest.raises(DataError, match="due valori diversi") as info:
        istat_ats.read([first, second])
    assert "b.csv" in str(info.value) and info.value.file == "a.csv"


# ---------------------------------------------------------------- one clear line per fault
def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "rotto.csv"
    path.write_text(EXCERPT.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, message, line, column", [
    ("A,T03042,Distretto di Merate,EXPMUN", "A,018110,Pavia,EXPMUN", "codice di territorio non riconosciuto", 5,
     "REF_AREA"),
    (",FAM,Famiglia e minori,RICSOC", ",XYZ,Famiglia e minori,RICSOC", "area di utenza sconosciuta", 2,
     "CATEG_OF_BENEFICIARIES"),
    ("2021,5997379", "2021,5.997.379", "valore non numerico", 2, "Osservazione"),
    ("2021,614077247", "2021-Q1,614077247", "anno non valido", 3, "TIME_PERIOD"),
    ("A,ITC4,Lombardia,EXPTPOP", "M,ITC4,Lombardia,EXPTPOP", "frequenza non annuale", 4, "FREQ"),
    ("2021,3161", "2021,3161,99", "riga malformata", 6, None),
])
def test_a_bad_cell_is_one_line_with_file_line_column_and_value(tmp_path, old, new, message, line, column):
    with pytest.raises(DataError) as info:
        istat_ats.scan(_broken(tmp_path, old, new))
    text = str(info.value)
    assert message in text and info.value.line == line and info.value.column == column and "\n" not in text
    assert "rotto.csv" in text


@pytest.mark.parametrize("text, message", [
    ("DATAFLOW,FREQ,REF_AREA,DATA_TYPE,SEX,AGE,TIME_PERIOD,OBS_VALUE\nIT1:22_289(1.0),A,088009,JAN,9,TOTAL,2022,72779\n",
     "un altro dataflow ISTAT (IT1:22_289(1.0))"),
    ("FREQ,REF_AREA,DATA_TYPE,SEX,TIME_PERIOD,OBS_VALUE\nA,ITC4,JAN,9,2022,1\n",
     "senza le colonne CATEG_OF_BENEFICIARIES"),
    ("Codice comune;Età;Totale maschi\n018110;0;300\n", "non è un'esportazione SDMX-CSV"),
    ("", "file vuoto"),
    ("FREQ,REF_AREA,DATA_TYPE,CATEG_OF_BENEFICIARIES,CATEGORY_OF_SERVICE,TIME_PERIOD,OBS_VALUE\n",
     "nessuna riga di dati"),
])
def test_another_dataflow_or_no_export_is_one_line(tmp_path, text, message):
    path = tmp_path / "altro.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        istat_ats.scan(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_files_of_the_data_folder(tmp_path):
    folder = istat_ats.folder_for(tmp_path / "pavia")
    assert folder == tmp_path / "istat_ats" and istat_ats.files_in(folder) == []
    folder.mkdir()
    for name in ("b.csv", "a.CSV", ".nascosto.csv", "~$aperto.csv", "note.pdf"):
        (folder / name).write_text("x", encoding="utf-8")
    assert [p.name for p in istat_ats.files_in(folder)] == ["a.CSV", "b.csv"]
    assert istat_ats.looks_like_sdmx(EXCERPT) and not istat_ats.looks_like_sdmx(folder / "b.csv")
