"""Shared fixtures: the project root, the 2022 edition and its (synthetic) data."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiegel.params import load_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "2022.yml"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def edition():
    """The 2022 edition; its data files must exist (``make test`` generates them first)."""
    ed = load_params(PARAMS)
    missing = [str(s.path) for s in ed.sources.values() if not s.path.exists()]
    if missing:
        pytest.fail(f"data files missing (run `make data` first): {missing}")
    return ed


@pytest.fixture(scope="session")
def gemeenten(edition):
    """The chapter 2 sources, loaded once for all tests."""
    from spiegel.chapters import gemeenten

    return gemeenten.load(edition)
