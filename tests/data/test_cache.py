"""data.cache, the one cache: loaded districts by their files' content (key: tests/data/test_datasets.py),
district-wide results by the district's content."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import pandas as pd
import pytest

import pianozona
from pianozona import privacy
from pianozona.analysis import needs
from pianozona.data import cache


@dataclass
class Fake:
    """A stand-in district: its content is its key."""

    table: pd.DataFrame
    value: int = 1


CALLS: list[tuple] = []


def mode(district, arguments) -> bool:
    return privacy.is_publish_mode()


@cache.per_district(context=mode)
def summed(district, n, *, publish=None, extra=()):
    """A district-wide computation that records each real call."""
    CALLS.append((district.value, n, publish, extra))
    return {"frame": pd.DataFrame({"x": [district.value * n]}), "mode": privacy.is_publish_mode()}


@cache.per_district
def failing(district, year):
    CALLS.append(("failing", year))
    raise ValueError("anno senza dati")


def fake(value: int = 1) -> Fake:
    return Fake(pd.DataFrame({"a": [1, 2, 3]}), value)


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv(privacy.PUBLISH_ENV_VAR, raising=False)
    cache.clear()
    CALLS.clear()
    yield
    cache.clear()


def test_kept_values_are_deep_copies_and_bounded(monkeypatch):
    value = {"tabella": [1, 2]}
    cache.remember(("k",), value)
    value["tabella"].append(3)  # the caller's object is not the kept one
    got = cache.recall(("k",))
    assert got == {"tabella": [1, 2]}
    got["tabella"].clear()
    assert cache.recall(("k",)) == {"tabella": [1, 2]}
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for n in range(3):
        cache.remember((n,), n)
    assert cache.recall(("k",)) is None and cache.recall((2,)) == 2  # the least recently used went first
    cache.clear()
    assert cache.recall((2,)) is None


def test_results_hit_by_content_and_arguments():
    a = fake()
    assert summed(a, 2)["frame"]["x"].tolist() == [2]
    assert summed(fake(), 2)["frame"]["x"].tolist() == [2]  # another object, the same content: a hit
    assert len(CALLS) == 1 and summed.cache_info() == {"hits": 1, "misses": 1}
    summed(a, 3)
    summed(fake(2), 2)
    summed(a, 2, extra=[1, 2])  # a list argument is keyed by its content
    summed(a, 2, extra=[1, 2])
    assert len(CALLS) == 4


def test_a_table_changed_in_place_is_a_new_key():
    a = fake()
    summed(a, 2)
    a.table.loc[0, "a"] = 99  # what a planner may do in JupyterLab
    summed(a, 2)
    assert len(CALLS) == 2
    summed(replace(a, value=1), 2)  # equal content again: a hit
    assert len(CALLS) == 2


def test_the_context_is_part_of_the_key(monkeypatch):
    a = fake()
    assert summed(a, 2)["mode"] is False
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    assert summed(a, 2)["mode"] is True  # same arguments, other publication mode: computed again
    assert len(CALLS) == 2


def test_results_are_copies_a_caller_cannot_corrupt():
    a = fake()
    first = summed(a, 2)
    first["frame"].loc[0, "x"] = 999
    first["mode"] = "rotto"
    again = summed(a, 2)
    assert again["frame"]["x"].tolist() == [2] and again["mode"] is False
    assert again["frame"] is not summed(a, 2)["frame"]


def test_errors_are_not_cached():
    a = fake()
    for _ in range(2):
        with pytest.raises(ValueError, match="anno senza dati"):
            failing(a, 1900)
    assert CALLS == [("failing", 1900)] * 2


def test_warmable_lists_the_package_functions_declared_warm():
    from pianozona.analysis import profile, territory

    warm = cache.warmable()
    assert profile.area_analyses in warm and territory.district_rows in warm
    assert needs.analyse not in warm and summed not in warm


def test_needs_analyse_is_cached_per_loaded_district():
    district = pianozona.load_district("pavia")
    first = needs.analyse(district, "anziani", 2023, publish=True)
    reloaded = pianozona.load_district("pavia")  # another copy of the same files: the same content
    second = needs.analyse(reloaded, "anziani", 2023, publish=True)
    assert needs.analyse.cache_info()["hits"] >= 1
    pd.testing.assert_frame_equal(first.coverage, second.coverage)
    assert second.table.attrs == first.table.attrs  # the protection record travels with the copy
    second.coverage.loc[0, "utenti"] = -1
    assert needs.analyse(reloaded, "anziani", 2023, publish=True).coverage.loc[0, "utenti"] != -1


def test_publish_none_and_publish_true_are_one_call_when_publishing(monkeypatch):
    """The warm-up analyses with publish=None in publication mode; the verification asks the protection
    with publish=True: one key, so a report's kernel finds what the warm-up computed."""
    from pianozona.analysis import protection

    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    district = pianozona.load_district("pavia")
    needs.analyse(district, "anziani", 2023)
    before = protection.protect_area.cache_info()
    protection.protect_area(district, "anziani", publish=True)
    after = protection.protect_area.cache_info()
    assert (after["hits"] - before["hits"], after["misses"] - before["misses"]) == (1, 0)
    monkeypatch.delenv(privacy.PUBLISH_ENV_VAR)  # outside publication, publish=True protects: another key
    protection.protect_area(district, "anziani", publish=True)
    protection.protect_area(district, "anziani")
    assert protection.protect_area.cache_info()["misses"] - after["misses"] == 2


def test_a_changed_district_is_never_served_from_the_cache():
    district = pianozona.load_district("pavia")
    before = needs.analyse(district, "anziani", 2023, publish=False)
    doubled = district.utenti.assign(utenti=district.utenti["utenti"] * 2)
    after = needs.analyse(replace(district, utenti=doubled), "anziani", 2023, publish=False)
    assert after.district["utenti"] == 2 * before.district["utenti"]
    district.utenti.loc[:, "utenti"] = doubled["utenti"]  # in place
    assert needs.analyse(district, "anziani", 2023, publish=False).district["utenti"] == after.district["utenti"]


def test_a_district_read_elsewhere_names_its_files_from_here(tmp_path, monkeypatch):
    """The cache does not depend on the working directory: a problem's file is named from the current one."""
    from pianozona.data.config import district_folder

    folder = district_folder("pavia").resolve()
    monkeypatch.chdir(folder.parent)
    first = pianozona.load_district("pavia", strict=False)
    monkeypatch.chdir(tmp_path)
    again = pianozona.load_district("pavia", strict=False)  # from the cache
    rebased = 0
    for mine, theirs in zip(first.problems.items, again.problems.items, strict=True):
        if mine.file and not os.path.isabs(mine.file):
            name, theirs_name = mine.file.split(" [foglio ")[0], theirs.file.split(" [foglio ")[0]
            assert os.path.normpath(folder.parent / name) == os.path.normpath(tmp_path / theirs_name)
            rebased += 1
    assert rebased  # pavia has a note naming its (missing) istat folder
