"""Pytest's settings for the whole checkout: tests/ and the notebooks nbval checks (notebooks/).

Here rather than in tests/conftest.py so that it holds whatever path pytest is given.
"""

import pytest


def pytest_collection_modifyitems(items):
    """nbval's notebook cells start a kernel: mark them so that the fast loop (``-m "not kernel"``) leaves them out."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.kernel)
