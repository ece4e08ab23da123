"""Sample ISTAT files for the tests of the istat readers, written in tmp_path (not a test module)."""

from __future__ import annotations

import zipfile

import pytest

from pianozona.errors import DataError

TITLE_2023 = "Popolazione residente al 1° gennaio 2023 per età, sesso e stato civile - Comuni"
HEADER = "Codice comune;Comune;Età;Totale maschi;Totale femmine"
POSAS_ROWS = [
    "18159;Torre d'Isola;0;10;9",
    "18159;Torre d'Isola;1;11;12",
    "18159;Torre d'Isola;100;0;1",
    "18159;Torre d'Isola;999;21;22",
    "18189;Zerbolò;0;5;6",
    "18189;Zerbolò;999;5;6",
]


def write(folder, name, lines, encoding="utf-8-sig"):
    path = folder / name
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def posas(folder, name="POSAS_2023_it_Comuni.csv", rows=POSAS_ROWS, title=TITLE_2023,
          header=HEADER, encoding="utf-8-sig", sep=";"):
    lines = ([title] if title else []) + [header] + rows
    return write(folder, name, [ln.replace(";", sep) for ln in lines], encoding)


def value(df, code, sex, age):
    sel = df[(df.codice_comune == code) & (df.sesso == sex) & (df.eta == age)]
    assert len(sel) == 1
    return int(sel.residenti.iloc[0])


def error(func, *args, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        func(*args, **kwargs)
    return info.value


def make_zip(folder, members):
    path = folder / "POSAS_2023_it_Comuni.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# ------------------------------------------------------------ ricostruzione
AGES = list(range(101))


def recon_header(total=True, hundred="100 e oltre"):
    labels = [str(a) for a in AGES[:-1]] + [hundred]
    return ";".join(["Codice comune", "Comune", *labels] + (["Totale"] if total else []))


def recon_row(code, name, counts, total=True):
    cells = [str(code), name, *map(str, counts)] + ([str(sum(counts))] if total else [])
    return ";".join(cells)


def recon_lines(year, citizenship="Tutte le cittadinanze", factor=1, total=True, header=True):
    m = [factor * (a % 3) for a in AGES]
    f = [factor * (a % 4) for a in AGES]
    out = [f"{citizenship} - Anno: {year} - Provincia: Pavia"]
    for marker, counts in (("Maschi", m), ("Femmine", f), ("Totale", [x + y for x, y in zip(m, f)])):
        out += [marker] + ([recon_header(total)] if header else [])
        out += [recon_row(18110, "Pavia", counts, total), recon_row(18189, "Zerbolò", counts, total)]
    return out
