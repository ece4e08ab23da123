"""Shared by the chart tests: a non-interactive backend, and every figure closed after each test."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
