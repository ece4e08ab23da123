from __future__ import annotations

import time

import pytest

from pianozona.data.config import CODICE_RULE, data_root, district_folder, read_config
from pianozona.errors import DataError, ValidationError


def test_pavia_config():
    config = read_config(district_folder("pavia"))
    assert config.nome == "Distretto Sociale di Pavia"
    assert list(config.comuni)[:2] == ["018110", "018030"] and len(config.comuni) == 12
    assert [(c.livello, c.codice) for c in config.confronti] == [("provincia", "018"), ("regione", "03")]


def test_data_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PIANOZONA_DATA_DIR", str(tmp_path))
    assert data_root() == tmp_path
    with pytest.raises(DataError, match="nessuno"):
        district_folder("pavia")


def test_codes_are_padded_and_checked(tmp_path):
    (tmp_path / "distretto.yml").write_text("nome: X\ncomuni:\n  - {codice: 18110, nome: Pavia}\n", encoding="utf-8")
    assert list(read_config(tmp_path).comuni) == ["018110"]
    (tmp_path / "distretto.yml").write_text("nome: X\n", encoding="utf-8")
    with pytest.raises(DataError, match="comuni"):
        read_config(tmp_path)


# ---------------------------------------------------------------- issue 8: every wrong shape is one readable line


GOOD = 'codice: prova\nnome: Prova\ncomuni:\n  - {codice: "018110", nome: Pavia}\n'


def _write(folder, text, encoding="utf-8"):
    (folder / "distretto.yml").write_bytes(text.encode(encoding))
    return folder


def _fails(folder, text) -> DataError:
    _write(folder, text)
    with pytest.raises(DataError) as info:
        read_config(folder)
    assert "distretto.yml" in str(info.value)
    return info.value


@pytest.mark.parametrize("text, message, line", [
    ("nome: X\ncomuni:\n", "l'elenco 'comuni' è vuoto", 2),
    ("nome: X\ncomuni: []\n", "l'elenco 'comuni' è vuoto", 2),
    ("nome: X\ncomuni: {a: 1}\n", "deve essere un elenco", 2),
    ("nome: X\ncomuni: Pavia\n", "deve essere un elenco", 2),
    ("- a\n- b\n", "il file deve contenere chiavi", 1),
    ("solo testo\n", "il file deve contenere chiavi", 1),
    ("nome: X\ncomuni:\n  - {codice: \"018110\"}\n", "ogni comune deve avere 'codice' e 'nome'", 3),
    ("nome: X\ncomuni:\n  - Pavia\n", "ogni comune deve avere 'codice' e 'nome'", 3),
    ("nome: 12\ncomuni:\n  - {codice: \"018110\", nome: Pavia}\n", "serve un testo, trovato un numero", 1),
    ("nome: [a, b]\ncomuni:\n  - {codice: \"018110\", nome: Pavia}\n", "serve un testo, trovato un elenco", 1),
    (GOOD + "confronti:\n  - provincia\n", "non essere un elenco", 5),
    (GOOD + "confronti:\n  provincia: {nome: Provincia di Pavia}\n", "non ha un codice ISTAT valido", 5),
    (GOOD + "confronti:\n  comune: {codice: \"018\"}\n", "livello di confronto sconosciuto", 5),
    (GOOD + "aree: [anziani]\n", "'aree' deve associare", 5),
    (GOOD + "aree:\n  anziani: {eta_min: tanti}\n", "valori dell'area 'anziani' non validi", 5),
    (GOOD + "aree:\n  giovani: {eta_min: 14}\n", "area sconosciuta 'giovani'", 5),
    ("nome: [non chiuso\n", "file YAML non leggibile", 2),
])
def test_wrong_shapes_are_one_line_with_the_line(tmp_path, text, message, line):
    error = _fails(tmp_path, text)
    assert message in str(error)
    assert error.line == line and error.problem.fix
    assert "\n" not in str(error)


def test_every_problem_is_listed_at_once(tmp_path):
    _write(tmp_path, "codice: ../x\nnome: 5\ncomuni:\n  - {codice: \"1234567\", nome: Pavia}\n  - Sommo\n")
    with pytest.raises(ValidationError) as info:
        read_config(tmp_path)
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 4 and str(info.value).startswith("4 errori nei dati:")
    assert all(p.line for p in info.value.problems)


@pytest.mark.parametrize("code", ["../../x", "Pavia Nord", "/tmp/x", "a" * 65, "-pavia", "pàvia"])
def test_district_code_must_be_a_safe_folder_name(tmp_path, code):
    error = _fails(tmp_path, GOOD.replace("codice: prova", f"codice: \"{code}\""))
    assert "non è un nome di cartella sicuro" in str(error) and CODICE_RULE in error.problem.fix
    assert error.problem.value == code


def test_folder_name_is_the_default_code_and_must_be_safe(tmp_path):
    folder = tmp_path / "Distretto Nord"
    folder.mkdir()
    error = _fails(folder, GOOD.replace("codice: prova\n", ""))
    assert "il nome della cartella 'Distretto Nord'" in str(error)
    ok = tmp_path / "nord-2"
    ok.mkdir()
    assert read_config(_write(ok, GOOD.replace("codice: prova\n", ""))).codice == "nord-2"


def test_cp1252_and_bom_config_is_read(tmp_path):
    text = GOOD.replace("Pavia}", "Pavia}\n  - {codice: \"018162\", nome: Travacò Siccomario}")
    for encoding in ("cp1252", "utf-8-sig"):
        assert read_config(_write(tmp_path, text, encoding)).comuni["018162"] == "Travacò Siccomario"


def test_alias_bomb_is_refused_at_once(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.monotonic()
    error = _fails(tmp_path, "\n".join(lines) + "\nnome: *i\ncomuni: []\n")
    assert time.monotonic() - started < 2
    assert "alias e ancore YAML" in str(error) and error.line == 1


def test_oversized_config_is_refused(tmp_path):
    error = _fails(tmp_path, GOOD + "# " + "x" * (1024 * 1024) + "\n")
    assert "file troppo grande" in str(error)


def test_unquoted_codes_keep_what_was_typed_and_warn_once(tmp_path):
    text = "nome: X\ncomuni:\n  - {codice: 015146, nome: Milano}\n  - {codice: 18110, nome: Pavia}\n"
    config = read_config(_write(tmp_path, text))
    assert list(config.comuni) == ["015146", "018110"]  # not 006758 (YAML 1.1 octal)
    [warning] = config.problems
    assert warning.severity == "avviso" and warning.line == 3
    assert "'015146' letto come '015146' e altri 1" in warning.message and "virgolette" in warning.fix


def test_repeated_comune_names_the_first_line(tmp_path):
    error = _fails(tmp_path, GOOD + "  - {codice: \"018110\", nome: Pavia}\n")
    assert "comune ripetuto (già alla riga 4)" in str(error) and error.line == 5


def test_control_character_is_one_line_with_its_line(tmp_path):
    error = _fails(tmp_path, GOOD + "ente_capofila: Consorzio\x1f\n")
    assert "carattere non ammesso" in str(error) and error.line == 5


def _ambito(tmp_path, value: str, regione: str = "03"):
    (tmp_path / "distretto.yml").write_text(
        f"nome: X\nambito_istat: {value}\ncomuni:\n  - {{codice: \"018110\", nome: Pavia}}\n"
        f"confronti:\n  regione: {{codice: \"{regione}\", nome: R}}\n", encoding="utf-8")
    return read_config(tmp_path)


def test_ambito_istat_is_optional_checked_and_normalised(tmp_path):
    assert read_config(district_folder("pavia")).ambito_istat is None
    assert _ambito(tmp_path, '"t03042"').ambito_istat == "T03042"
    assert _ambito(tmp_path, '""').ambito_istat is None  # nuovo-distretto leaves it empty
    with pytest.raises(DataError) as info:
        _ambito(tmp_path, '"T3042"')
    assert info.value.line == 2 and info.value.column == "ambito_istat" and "T03042" in str(info.value)
    config = _ambito(tmp_path, '"T05042"')
    assert [p.message for p in config.problems] == ["l'ambito T05042 è della regione 05, il confronto regionale è 03"]
