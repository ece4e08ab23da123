"""Readers for the ISTAT population files a planner downloads.

Every reader returns the same long table, one row per comune, sex and age:
`anno` (int), `codice_comune` (6-digit string, "018110"), `comune` (str),
`eta` (int 0..100, 100 = 100 and over), `sesso` ("M"/"F"), `residenti`
(int >= 0), sorted by anno, codice_comune, sesso, eta.  Totals (age 999 or
'Totale' rows, a 'Totale' column or block) are never added to the ages: they
only cross-check them, and a mismatch is a `DataError` naming the line.

Line numbers in errors are those a text editor shows (1-based, title included).
Parsing is vectorised with pandas; no Python loop runs over the data rows.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from pianozona.errors import DataError, ParameterError
from pianozona.data.tabular import decode_bytes, parse_number, read_bytes_bounded, sniff_separator

COLUMNS = ["anno", "codice_comune", "comune", "eta", "sesso", "residenti"]
MAX_AGE = 100
HEAD_LINES = 30  # the header must be within the first HEAD_LINES lines
ROW = "_riga"
Source = tuple[str, str, list[str]]  # (text, file name for messages, names to find a year in)

# Normalised header aliases (see `_norm`); the first one present wins, so
# 'Totale maschi' is preferred to marital-status columns such as 'Maschi celibi'.
ALIASES = {
    "code": ("codice comune", "codice istat", "municipality code"),
    "name": ("comune", "denominazione", "municipality", "denominazione comune"),
    "age": ("età", "eta", "eta'", "age"),
    "M": ("totale maschi", "total males", "maschi", "males"),
    "F": ("totale femmine", "total females", "femmine", "females"),
}
EXPECTED = {
    "posas": "'Codice comune', 'Comune', 'Età', 'Totale maschi', 'Totale femmine'",
    "strasa": "'Codice comune', 'Comune', 'Età', 'Maschi', 'Femmine'",
    "pre2019": "'Codice comune', 'Denominazione', 'Età', 'Totale Maschi', 'Totale Femmine'",
}
TOTAL_LABELS = ("999", "totale", "total")
SEX_MARKERS = {"maschi": "M", "males": "M", "femmine": "F", "females": "F", "totale": "T",
               "total": "T", "maschi e femmine": "T", "totale maschi e femmine": "T"}
_HUNDRED_PLUS = r"100\s*(?:\+|e\s*(?:oltre|più|piu)|and over|or more)"
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_YEAR_JANUARY = re.compile(r"(?:gennaio|january)\s+((?:19|20)\d{2})(?!\d)", re.IGNORECASE)
_BLOCK = r"^\W*(?P<cit>[^;]*?)\s*-?\s*anno\s*:\s*(?P<anno>(?:19|20)\d{2})"
_DOWNLOAD = "scaricare di nuovo il file dal sito ISTAT senza modificarlo"


# ----------------------------------------------------------------- loading
def _norm(label: object) -> str:
    """Normalise a header label: NFC, no quotes or underscores, lower case, single spaces."""
    text = unicodedata.normalize("NFC", str(label)).strip().strip('"').replace("_", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


#: the largest ISTAT download read (bytes, also for the CSV inside a zip): the national
#: ricostruzione intercensuaria is the biggest file ISTAT offers and stays well below this
MAX_ISTAT_BYTES = 300 * 1024 * 1024


def _read_zip(path: Path) -> tuple[bytes, str]:
    """Return the bytes and name of the single CSV inside a zip archive."""
    try:
        with zipfile.ZipFile(io.BytesIO(read_bytes_bounded(path, MAX_ISTAT_BYTES))) as archive:
            members = [m for m in archive.namelist()
                       if m.lower().endswith(".csv") and not m.startswith("__MACOSX/")]
            if len(members) != 1:
                raise DataError(f"l'archivio zip deve contenere un solo file CSV, ne contiene "
                                f"{len(members)} ({', '.join(members) or 'nessuno'})", file=path,
                                fix="estrarre il CSV giusto e passare il percorso del file .csv")
            if archive.getinfo(members[0]).file_size > MAX_ISTAT_BYTES:
                raise DataError(f"il CSV nell'archivio zip è troppo grande (oltre {MAX_ISTAT_BYTES // 2**20} MB)",
                                file=path, fix=_DOWNLOAD)
            return archive.read(members[0]), members[0]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, zlib.error) as exc:
        raise DataError("archivio zip danneggiato o non valido", file=path, fix=_DOWNLOAD) from exc


def _load(path: str | Path) -> Source:
    """Read and decode a .csv (or the CSV in a .zip); refuse missing and empty files."""
    path = Path(path)
    if not path.exists() and not path.is_symlink():  # special files are refused by read_bytes_bounded
        raise DataError("file mancante", file=path,
                        fix="controllare il nome del file e la cartella in cui è stato salvato")
    names, raw, shown = [path.name], None, str(path)
    if path.suffix.lower() == ".zip":
        raw, member = _read_zip(path)
        shown = f"{path} [{member}]"
        names.append(Path(member).name)
    raw = read_bytes_bounded(path, MAX_ISTAT_BYTES) if raw is None else raw
    if not raw.strip():
        raise DataError("il file è vuoto", file=shown, fix=_DOWNLOAD)
    return decode_bytes(raw, shown), shown, names


def _head(text: str) -> list[str]:
    return [ln.rstrip("\r") for ln in text.split("\n", HEAD_LINES)[:HEAD_LINES]]


def _header_cells(line: str) -> set[str]:
    return {_norm(c) for c in re.split(r"[;,\t]", line)}


def _find_header(head: list[str]) -> int | None:
    """Index of the first line with a 'Codice comune' cell, or None."""
    return next((i for i, ln in enumerate(head) if _header_cells(ln) & set(ALIASES["code"])), None)


# ------------------------------------------------------------------ checks
def _fail_if(mask, values, lines, file, column, message: str, fix: str) -> None:
    """Raise a DataError at the first row where `mask` holds; `column` may be a Series."""
    flags = np.asarray(pd.Series(mask).fillna(False), dtype=bool)
    if not flags.any():
        return
    i, count = int(flags.argmax()), int(flags.sum())
    if count > 1:
        message += f" (e altre {count - 1} righe con lo stesso problema)"
    col = column.iloc[i] if isinstance(column, pd.Series) else column
    raise DataError(message, file=file, line=int(lines.iloc[i]), column=col, value=values.iloc[i], fix=fix)


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not str(year).strip().isdigit() or not 1900 <= int(year) <= 2100:
        raise ParameterError("year", year, "indicare l'anno di riferimento con quattro cifre, ad esempio 2023")
    return int(year)


def _resolve_year(year, title: list[str], names: list[str], file: str, kind: str) -> int:
    """Year from the argument, else the title (after 'gennaio' first), else the file name."""
    if year is not None:
        return _check_year(year)
    text = " ".join(title)
    match = _YEAR_JANUARY.search(text) or _YEAR.search(text)
    for name in names:
        match = match or _YEAR.search(name)
    if not match:
        raise DataError("anno di riferimento non trovato né nel titolo né nel nome del file", file=file,
                        fix=f"passare l'anno, ad esempio read_{kind}(percorso, year=2023), oppure mettere "
                            f"l'anno nel nome del file, ad esempio {kind.upper()}_2023_it_Comuni.csv")
    return int(match.group(1))


def _parse_codes(values: pd.Series, lines, file, column) -> pd.Series:
    text = values.str.strip()
    _fail_if(~text.str.fullmatch(r"\d{1,6}"), values, lines, file, column,
             "codice comune non valido (atteso un numero fino a 6 cifre)",
             "correggere il codice ISTAT del comune, ad esempio 18110 o 018110")
    return text.str.zfill(6)


def _parse_ages(values: pd.Series, lines, file, column) -> tuple[pd.Series, pd.Series]:
    """Return (age, is_total); age is -1 on total rows (999, 'Totale')."""
    text = values.str.strip()
    low = text.str.lower()
    total = low.isin(TOTAL_LABELS)
    words = ~text.str.isdigit()  # regex only on the few non-numeric cells
    text = text.mask(words & low.where(words, "").str.fullmatch(_HUNDRED_PLUS), "100")
    ages = pd.to_numeric(text.mask(total, "-1"), errors="coerce")
    fix = "l'età deve essere un numero intero da 0 a 100 (999 o 'Totale' per la riga di totale)"
    _fail_if(ages.isna(), values, lines, file, column, "età non numerica", fix)
    unknown = ~total & ((ages % 1 != 0) | (ages < 0) | (ages > MAX_AGE))
    _fail_if(unknown, values, lines, file, column, "codice di età sconosciuto", fix)
    return ages.astype("int64"), total


def _parse_counts(values: pd.Series, lines, file, column) -> pd.Series:
    text = values.str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    retry = ~text.str.fullmatch(r"-?\d+") & (text != "")
    if retry.any():  # rare: Italian thousands dots ("1.234"), decimal commas
        numbers = numbers.mask(retry, parse_number(text[retry])[0])
    fix = "il numero di residenti deve essere un intero maggiore o uguale a 0"
    _fail_if(text == "", values, lines, file, column, "numero di residenti mancante", fix)
    _fail_if(numbers.isna(), values, lines, file, column, "numero di residenti non numerico", fix)
    _fail_if(numbers % 1 != 0, values, lines, file, column, "numero di residenti non intero", fix)
    _fail_if(numbers < 0, values, lines, file, column, "numero di residenti negativo", fix)
    return numbers.astype("int64")


def _check_sums(totals, parts, keys, values, file, labels: dict) -> None:
    """Raise at the first total row that differs from the sum of `parts` over `keys`.

    `labels` maps a value column to the column named in the error; missing = the row's `_label`.
    """
    if totals.empty:
        return
    merged = totals.join(parts.groupby(keys)[values].sum().add_suffix("_sum"), on=keys)
    for value in values:
        expected = merged[f"{value}_sum"].fillna(0).astype("int64")
        bad = (merged[value] != expected).to_numpy()
        if bad.any():
            i = int(np.argmax(bad))
            row, found = merged.iloc[i], int(merged[value].iloc[i])
            raise DataError(f"il totale del comune {row['codice_comune']} ({row['comune']}) non coincide "
                            f"con la somma delle età: {found} nel file, {expected.iloc[i]} sommando le età",
                            file=file, line=int(row[ROW]), column=labels.get(value) or row["_label"],
                            value=found, fix="il file è incompleto o è stato modificato: " + _DOWNLOAD)


def _finish(long: pd.DataFrame, file: str) -> pd.DataFrame:
    """Reject repeated ages, then shape, type and sort the output table."""
    long = long.sort_values(["anno", "codice_comune", "sesso", "eta", ROW])
    dup = long[long.duplicated(["anno", "codice_comune", "sesso", "eta"])].sort_values(ROW)
    _fail_if(dup[ROW] > 0, dup["eta"], dup[ROW], file, dup["_label"], "età ripetuta per lo stesso comune, "
             "anno e sesso", "ogni età deve comparire una sola volta per comune: " + _DOWNLOAD)
    out = long[COLUMNS]
    out = out.astype({"anno": "int64", "eta": "int64", "residenti": "int64",
                      "codice_comune": "str", "comune": "str", "sesso": "str"})
    return out.reset_index(drop=True)


# ---------------------------------------- POSAS, STRASA, pre-2019 (one row per age)
def _read_body(text: str, header: int, file: str) -> pd.DataFrame:
    """Read from the header line on, as text, with the editor line number in `_riga`."""
    start = 0
    for _ in range(header):
        start = text.index("\n", start) + 1
    body = text[start:]
    sep = sniff_separator(body[:20000])
    try:
        frame = pd.read_csv(io.StringIO(body), sep=sep, dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise DataError(f"riga con più colonne dell'intestazione (separatore '{sep}')", file=file,
                        line=int(match.group(1)) + header if match else None,
                        fix="controllare separatori e virgolette in quella riga") from exc
    frame = frame.fillna("")
    frame[ROW] = np.arange(len(frame)) + header + 2
    return frame


def _map_columns(columns: list[str], file: str, line: int, kind: str) -> dict[str, str]:
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    found = {key: next((by_norm[a] for a in names if a in by_norm), None) for key, names in ALIASES.items()}
    missing = [f"'{ALIASES[key][0]}'" for key, col in found.items() if col is None]
    if missing:
        raise DataError(f"intestazione non riconosciuta: mancano le colonne {', '.join(missing)}; "
                        f"colonne attese: {EXPECTED[kind]}", file=file, line=line,
                        fix="controllare di aver scaricato il file ISTAT giusto e di non averlo modificato")
    return found


def _read_flat(source: Source, year, kind: str) -> pd.DataFrame:
    """Shared reader of POSAS, STRASA and pre-2019 files."""
    text, file, names = source
    head = _head(text)
    header = _find_header(head)
    if header is None:
        raise DataError(f"intestazione non trovata nelle prime {HEAD_LINES} righe: nessuna colonna "
                        f"'Codice comune'; colonne attese: {EXPECTED[kind]}", file=file,
                        fix="controllare di aver scaricato il file ISTAT giusto (comuni, per età e sesso)")
    year = _resolve_year(year, head[:header], names, file, kind)
    frame = _read_body(text, header, file)
    cols = [c for c in frame.columns if c != ROW]
    col = _map_columns(cols, file, header + 1, kind)
    # blank lines and one-cell notes such as 'Fonte: Istat' are skipped
    notes = frame[cols[1:]].eq("").all(axis=1) & ~frame[cols[0]].str.strip().str.fullmatch(r"\d+")
    frame = frame[~notes]
    if frame.empty:
        raise DataError("il file non contiene righe di dati sotto l'intestazione", file=file, fix=_DOWNLOAD)
    lines = frame[ROW]
    ages, total = _parse_ages(frame[col["age"]], lines, file, col["age"])
    wide = pd.DataFrame({
        "anno": year, "codice_comune": _parse_codes(frame[col["code"]], lines, file, col["code"]),
        "comune": frame[col["name"]].str.strip(), "eta": ages, ROW: lines,
        "M": _parse_counts(frame[col["M"]], lines, file, col["M"]),
        "F": _parse_counts(frame[col["F"]], lines, file, col["F"])})
    _check_sums(wide[total], wide[~total], ["codice_comune"], ["M", "F"], file, col)
    long = wide[~total].melt(id_vars=["anno", "codice_comune", "comune", "eta", ROW],
                             value_vars=["M", "F"], var_name="sesso", value_name="residenti")
    long["_label"] = col["age"]
    return _finish(long, file)


def read_posas(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Read a POSAS file (residents at 1 January by age and sex, 2019 on), .csv or .zip.

    The header is the first line with a 'Codice comune' cell (Italian or English
    names, any case/spacing; marital-status columns are ignored). The year comes
    from `year`, else the title (the year after 'gennaio' first), else the file name.
    """
    return _read_flat(_load(path), year, "posas")


def read_strasa(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Read a STRASA file (foreign residents by age and sex); `residenti` = foreign residents."""
    return _read_flat(_load(path), year, "strasa")


def read_pre2019(path: str | Path, year: int | None = None) -> pd.DataFrame:
    """Read a demo.istat.it pop{YYYY} file (before 2019); 'Totale Maschi'/'Totale Femmine' are used."""
    return _read_flat(_load(path), year, "pre2019")


# ------------------------------------------------------ ricostruzione 2002-2019
def _age_columns(labels: list[str] | None, width: int, file: str, line: int | None):
    """Return ({cell position: (age, label)}, position of the 'Totale' column or None).

    Without a header line the layout is positional: code; name; 0..100; [total].
    """
    fix = "le colonne delle età vanno da 0 a 100: " + _DOWNLOAD
    if labels is None:
        if width < MAX_AGE + 3:
            raise DataError(f"righe di {width} colonne senza intestazione: attese codice; comune; età 0..100",
                            file=file, fix=fix)
        return {a + 2: (a, str(a)) for a in range(MAX_AGE + 1)}, (MAX_AGE + 3 if width > MAX_AGE + 3 else None)
    ages, total = {}, None
    for pos, label in enumerate(labels[2:], start=2):
        low = _norm(label)
        digits = re.fullmatch(r"(?:età |eta )?(\d{1,3})(?: anni)?", low)
        if low in TOTAL_LABELS:
            total = pos
        elif re.fullmatch(_HUNDRED_PLUS, low) or (digits and int(digits.group(1)) <= MAX_AGE):
            ages[pos] = (int(digits.group(1)) if digits else MAX_AGE, label)
        elif low:
            raise DataError("colonna di età sconosciuta nell'intestazione", file=file, line=line,
                            column=label, value=label, fix=fix)
    missing = sorted(set(range(MAX_AGE + 1)) - {age for age, _ in ages.values()})
    if missing:
        raise DataError(f"mancano le colonne delle età {missing[:5]}", file=file, line=line, fix=fix)
    return ages, total


def _classify(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split lines into cells; tag each line with year, kept block, sex, header line, is-data."""
    lines = pd.Series(text.split("\n")).str.rstrip("\r")
    cells = lines.str.split(sniff_separator(text[:50000]), expand=True).fillna("")
    cells = cells.apply(lambda c: c.str.strip().str.strip('"').str.strip())
    first = cells[0].str.lower().str.replace(r"\s+", " ", regex=True)
    first = first.str.replace(r"^sesso\s*:\s*", "", regex=True)  # 'Sesso: Maschi' -> 'maschi'
    filled = cells.ne("").sum(axis=1)
    block = lines.str.extract(_BLOCK, flags=re.IGNORECASE)
    is_block = block["anno"].notna()
    is_marker = (filled == 1) & first.isin(list(SEX_MARKERS))
    is_header = ~is_block & first.str.match(r"(codice|cod\.|municipality code|code)")
    cit = block["cit"].str.strip().str.lower()
    tags = pd.DataFrame({
        "anno": pd.to_numeric(block["anno"]).ffill(),
        "keep": cit.isin(["", "tutte le cittadinanze"]).where(is_block).ffill(),
        "sesso": first.map(SEX_MARKERS).where(is_marker).ffill(),
        "header": pd.Series(np.where(is_header, lines.index, np.nan)).ffill(),
        "layout": lines.where(is_header).ffill().fillna(""),  # same header text = one group
        "data": ~(is_block | is_marker | is_header) & (filled >= 3),
    })
    return cells, tags


def read_ricostruzione(path: str | Path) -> pd.DataFrame:
    """Read a ricostruzione intercensuaria CSV (one province, every year found).

    Assumed layout (`;`-separated; `,` is sniffed too), blocks nested in any order:
    lines `<citizenship> - Anno: YYYY - Provincia: <name>` set the year, and blocks
    whose citizenship is not 'Tutte le cittadinanze' (e.g. 'Stranieri') are skipped;
    lines holding only `Maschi` / `Femmine` set the sex; a `Totale` (or `Maschi e
    femmine`) block is only checked against M+F. Year and sex carry forward until
    the next such line. Lines starting 'Codice comune' label the age columns 0..100
    ('100 e oltre' allowed; a `Totale` column is checked, never added); without
    them the columns are code; name; 0..100; [total]. Lines with fewer than 3
    filled cells (titles, notes, blank lines) are ignored.
    """
    return _read_recon(_load(path))


def _read_recon(source: Source) -> pd.DataFrame:
    text, file, _ = source
    cells, tags = _classify(text)
    lines = pd.Series(cells.index + 1, index=cells.index)
    data = tags["data"]
    fix = "il file deve seguire il formato della ricostruzione intercensuaria ISTAT: " + _DOWNLOAD
    _fail_if(data & tags["anno"].isna(), cells[0], lines, file, None,
             "riga di dati prima di una riga 'Tutte le cittadinanze - Anno: ...'", fix)
    data = data & tags["keep"].eq(True)
    _fail_if(data & tags["sesso"].isna(), cells[0], lines, file, None,
             "riga di dati senza una riga 'Maschi' o 'Femmine' che la preceda", fix)
    rows = cells[data]
    if rows.empty:
        raise DataError("nessuna riga di dati 'Tutte le cittadinanze' trovata", file=file, fix=fix)
    codes = _parse_codes(rows[0], lines[data], file, "codice comune")
    parts = []
    for layout, group in rows.groupby(tags["layout"][data]):
        header = tags["header"][group.index[0]]
        labels, line = (None, None) if layout == "" else (list(cells.loc[int(header)]), int(header) + 1)
        ages, total = _age_columns(labels, cells.shape[1], file, line)
        parts.append(_melt_group(group, ages, total, tags, codes, file))
    long = pd.concat(parts, ignore_index=True)
    is_total = long["sesso"] == "T"  # a 'Totale' block must equal Maschi + Femmine
    _check_sums(long[is_total], long[~is_total], ["anno", "codice_comune", "eta"], ["residenti"], file, {})
    return _finish(long[~is_total], file)


def _melt_group(group: pd.DataFrame, ages: dict, total, tags, codes, file) -> pd.DataFrame:
    """Wide rows sharing one header -> long rows; check the 'Totale' column if any."""
    wide = group[list(ages)].set_axis([str(p) for p in ages], axis=1)
    long = wide.melt(ignore_index=False, var_name="_pos", value_name="_value").sort_index(kind="stable")
    pos = long["_pos"].astype(int)
    long[ROW] = long.index + 1
    long["_label"] = pos.map({p: label for p, (_, label) in ages.items()})
    long["residenti"] = _parse_counts(long["_value"], long[ROW], file, long["_label"])
    long["codice_comune"] = codes.reindex(long.index)
    long["comune"] = group[1].reindex(long.index)
    if total is not None:
        lines = group.index.to_series() + 1
        totals = pd.DataFrame({"residenti": _parse_counts(group[total], lines, file, "Totale"), ROW: lines,
                               "codice_comune": codes.reindex(group.index), "comune": group[1]})
        _check_sums(totals, long, ROW, ["residenti"], file, {"residenti": "Totale"})
    long["eta"] = pos.map({p: age for p, (age, _) in ages.items()})
    long["anno"] = tags["anno"].reindex(long.index).astype("int64")
    long["sesso"] = tags["sesso"].reindex(long.index)
    return long.reset_index(drop=True)


# ---------------------------------------------------------------- dispatch
def _detect(source: Source) -> str:
    text, file, names = source
    head, fname = _head(text), " ".join(names).lower()
    if "ricostruz" in fname or any(re.search(_BLOCK, ln, re.IGNORECASE) for ln in head):
        return "ricostruzione"
    header = _find_header(head)
    if header is None:
        raise DataError(f"tipo di file ISTAT non riconosciuto: nessuna intestazione con 'Codice comune' "
                        f"nelle prime {HEAD_LINES} righe", file=file,
                        fix="usare un file POSAS, STRASA, pop{ANNO} di demo.istat.it o della ricostruzione")
    cols, title = _header_cells(head[header]), " ".join(head[:header]).lower()
    if "denominazione" in cols or re.search(r"(?<![a-z])pop_?\d{4}", fname):
        return "pre2019"
    if "stranier" in title or "foreign" in title or "strasa" in fname:
        return "strasa"
    if "posas" in fname or cols & {"totale maschi", "total males"}:
        return "posas"
    return "strasa" if "maschi" in cols else "posas"


def detect_kind(path: str | Path) -> str:
    """Return 'posas', 'strasa', 'pre2019' or 'ricostruzione' (first rule that fits).

    'Anno: YYYY' block lines or 'ricostruz' in the name -> ricostruzione; a
    'Denominazione' column or a pop{YYYY} name -> pre2019; 'stranier'/'foreign' in
    the title or STRASA in the name -> strasa; POSAS in the name or a 'Totale
    maschi'/'Total males' column -> posas; a bare Italian 'Maschi' -> strasa; else
    posas (so an English 'Males' header with no hint is taken as POSAS).
    """
    return _detect(_load(path))


def read_istat(path: str | Path, year: int | None = None) -> tuple[str, pd.DataFrame]:
    """Detect the kind of file and read it; return `(kind, table)`.

    For POSAS/STRASA/pre-2019 `year` overrides the year of the title or name; for a
    ricostruzione file it keeps only that year (DataError if absent); None = all.
    """
    source = _load(path)
    kind = _detect(source)
    if kind != "ricostruzione":
        return kind, _read_flat(source, year, kind)
    table = _read_recon(source)
    if year is None:
        return kind, table
    year = _check_year(year)
    if year not in set(table["anno"]):
        found = ", ".join(str(y) for y in sorted(set(table["anno"])))
        raise DataError(f"l'anno {year} non è presente nel file (anni presenti: {found})", file=source[1],
                        fix="scegliere uno degli anni presenti o scaricare la ricostruzione giusta")
    return kind, table[table["anno"] == year].reset_index(drop=True)
