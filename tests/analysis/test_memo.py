"""analysis.memo: district-wide results cached by fingerprint, arguments and mode, handed out as copies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace

import pandas as pd
import pytest

import pianozona
from pianozona import privacy
from pianozona.analysis import memo, needs


@dataclass
class Fake:
    """A stand-in district: only the fingerprint matters to the memo."""

    fingerprint: str
    value: int = 1


CALLS: list[tuple] = []
PACKAGE_MEMOISED = tuple(memo.stats())  # at import: the package's own functions, none of these tests'


def summed(district, n, *, publish=None, extra=()):
    """A district-wide computation that records each real call."""
    CALLS.append((district.fingerprint, n, publish, extra))
    return {"frame": pd.DataFrame({"x": [district.value * n]}), "mode": privacy.is_publish_mode()}


def warm_table(district, year):
    """A warmable function: called as (district, year)."""
    CALLS.append(("warm", district.fingerprint, year))
    if year == 1900:
        raise ValueError("anno senza dati")
    return pd.DataFrame({"anno": [year]})


@pytest.fixture
def fakes(monkeypatch) -> SimpleNamespace:
    """The two functions above, memoised in a copy of the process-wide registry that the test takes with it:
    nothing registered here reaches a later test's `warm_up`, `clear`, `export` or `install`."""
    monkeypatch.setattr(memo, "_MEMOISED", list(memo._MEMOISED))
    return SimpleNamespace(summed=memo.per_district(summed),
                           warm_table=memo.per_district(warm=True, maxsize=2)(warm_table))


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv(privacy.PUBLISH_ENV_VAR, raising=False)
    memo.set_active(True)
    memo.clear()
    CALLS.clear()
    yield
    memo.set_active(None)
    memo.clear()


def test_the_fakes_live_only_in_the_tests_registry(fakes):
    assert fakes.warm_table in memo.warmable() and fakes.summed not in memo.warmable()
    assert not [name for name in PACKAGE_MEMOISED if name.startswith("tests.")]
    assert f"{__name__}.warm_table" in memo.stats() and f"{__name__}.warm_table" not in PACKAGE_MEMOISED


def test_hit_and_miss_by_fingerprint_and_arguments(fakes):
    a = Fake("aaa")
    assert fakes.summed(a, 2)["frame"]["x"].tolist() == [2]
    assert fakes.summed(a, 2)["frame"]["x"].tolist() == [2]
    assert len(CALLS) == 1 and fakes.summed.cache_info() == {"hits": 1, "misses": 1, "size": 1}
    fakes.summed(a, 3)
    fakes.summed(Fake("bbb"), 2)
    fakes.summed(a, 2, extra=[1, 2])  # a list argument is keyed by its content
    fakes.summed(a, 2, extra=[1, 2])
    assert len(CALLS) == 4


def test_mode_is_part_of_the_key(fakes, monkeypatch):
    a = Fake("aaa")
    assert fakes.summed(a, 2)["mode"] is False
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    assert fakes.summed(a, 2)["mode"] is True  # same arguments, other mode: computed again
    fakes.summed(a, 2, publish=True)  # the explicit mode equal to the resolved one: a hit
    fakes.summed(a, 2, publish=False)  # explicit exploring mode inside publication mode: its own entry
    assert len(CALLS) == 3


def test_results_are_copies_a_caller_cannot_corrupt(fakes):
    a = Fake("aaa")
    first = fakes.summed(a, 2)
    first["frame"].loc[0, "x"] = 999
    first["mode"] = "rotto"
    again = fakes.summed(a, 2)
    assert again["frame"]["x"].tolist() == [2] and again["mode"] is False
    assert again["frame"] is not fakes.summed(a, 2)["frame"]


def test_no_fingerprint_no_cache_and_clear(fakes):
    blank = Fake("")
    fakes.summed(blank, 1)
    fakes.summed(blank, 1)
    assert len(CALLS) == 2
    a = Fake("aaa")
    fakes.summed(a, 1)
    memo.clear()
    fakes.summed(a, 1)
    assert len(CALLS) == 4


def test_inactive_outside_publication_mode_by_default(fakes, monkeypatch):
    memo.set_active(None)
    a = Fake("aaa")
    fakes.summed(a, 1)
    fakes.summed(a, 1)
    assert len(CALLS) == 2 and not memo.is_active()
    monkeypatch.setenv(privacy.PUBLISH_ENV_VAR, "1")
    fakes.summed(a, 1)
    fakes.summed(a, 1)
    assert len(CALLS) == 3 and memo.is_active()


def test_bounded_least_recently_used_dropped(fakes):
    a = Fake("aaa")
    for year in (2021, 2022, 2023):
        fakes.warm_table(a, year)
    assert fakes.warm_table.cache_info()["size"] == 2
    fakes.warm_table(a, 2021)  # dropped: computed again
    assert CALLS.count(("warm", "aaa", 2021)) == 2


def test_errors_are_not_cached_and_warm_up_reports_them(fakes):
    a = Fake("aaa")
    assert fakes.warm_table in memo.warmable() and fakes.summed not in memo.warmable()
    errors = _own(memo.warm_up(a, 1900))
    assert list(errors.values()) == ["ValueError: anno senza dati"]
    with pytest.raises(ValueError, match="anno senza dati"):
        fakes.warm_table(a, 1900)  # computed again by the caller, with its own error
    assert _own(memo.warm_up(a, 2023)) == {}
    fakes.warm_table(a, 2023)  # warmed: served from the cache
    assert CALLS.count(("warm", "aaa", 2023)) == 1


def _own(errors: dict[str, str]) -> dict[str, str]:
    """The warm-up errors of this module's functions (the package's own warmable functions, registered when
    their modules are imported by other tests, fail on the fake district: that is not what is tested here)."""
    return {name: text for name, text in errors.items() if name.startswith(__name__ + ".")}


def test_needs_analyse_is_cached_per_loaded_district():
    district = pianozona.load_district("pavia")
    assert district.fingerprint
    first = needs.analyse(district, "anziani", 2023, publish=True)
    reloaded = pianozona.load_district("pavia")  # another copy of the same files: same fingerprint
    second = needs.analyse(reloaded, "anziani", 2023, publish=True)
    assert needs.analyse.cache_info()["hits"] == 1
    pd.testing.assert_frame_equal(first.coverage, second.coverage)
    assert second.table.attrs == first.table.attrs  # the protection record travels with the copy
    second.coverage.loc[0, "utenti"] = -1
    assert needs.analyse(reloaded, "anziani", 2023, publish=True).coverage.loc[0, "utenti"] != -1


def test_a_changed_district_is_never_served_from_the_cache():
    district = pianozona.load_district("pavia")
    before = needs.analyse(district, "anziani", 2023, publish=False)
    doubled = district.utenti.assign(utenti=district.utenti["utenti"] * 2)
    changed = replace(district, utenti=doubled)
    assert changed.fingerprint == ""
    after = needs.analyse(changed, "anziani", 2023, publish=False)
    assert after.district["utenti"] == 2 * before.district["utenti"]
    district.utenti = doubled  # assignment empties the fingerprint too
    assert district.fingerprint == ""
    assert needs.analyse(district, "anziani", 2023, publish=False).district["utenti"] == after.district["utenti"]


def test_export_and_install_carry_results_to_another_process(fakes):
    import pickle

    a = Fake("aaa")
    fakes.summed(a, 5)
    state = pickle.loads(pickle.dumps(memo.export()))  # as the warm-up helper sends it through a pipe
    memo.clear()
    assert memo.install(state) >= 1
    assert fakes.summed(a, 5)["frame"]["x"].tolist() == [5] and len(CALLS) == 1  # no second computation
    assert memo.install({"altro.modulo.funzione": [(("k",), 1)]}) == 0  # unknown here: skipped
