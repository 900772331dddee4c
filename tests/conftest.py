"""Shared fixtures: the project root, the 2022 edition and its (synthetic) data."""

from __future__ import annotations

import os
import subprocess
import time
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


def nested_env(**extra: str) -> dict[str, str]:
    """The environment of a nested build: not inside the lock or the make that runs the tests."""
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SPIEGEL_LOCK", "SPIEGEL_COMMAND"}
    return {**{k: v for k, v in os.environ.items() if k not in drop}, **extra}


@pytest.fixture(scope="session")
def built_project(root, edition, tmp_path_factory):
    """One project copy after one `make report EDITION=2022` (the specification's edition, named
    so that a newer edition in params/ does not change what these tests read), built once per test
    session for the tests that read the built book (test_browser.py, then test_build.py, which goes
    on to change the copy: copy what must stay as built). Returns (project, seconds, make output)."""
    from project_copy import copy_project

    project = copy_project(root, tmp_path_factory.mktemp("spiegel"))
    started = time.perf_counter()
    result = subprocess.run(["make", "report", f"EDITION={edition.edition}"], cwd=project, capture_output=True,
                            text=True, timeout=900, env=nested_env())
    assert result.returncode == 0, result.stdout + result.stderr
    return project, time.perf_counter() - started, result.stdout + result.stderr
