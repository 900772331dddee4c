"""A copy of the project for tests and benchmarks that build it: the tracked files as they are in
the working tree, the generated data, and the venv linked (not copied)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


def copy_project(root: Path, dest: Path, *, venv: bool = True, data: bool = True) -> Path:
    """The tracked files of the project at ``root`` (the package included) in ``dest``, with its
    ``data/`` unless ``data`` is false; with ``venv``, ``dest/.venv`` links to ``root/.venv``."""
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    for rel in tracked.splitlines():
        src = root / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    if data:
        shutil.copytree(root / "data", dest / "data", copy_function=shutil.copy2)
    if venv:
        os.symlink(root / ".venv", dest / ".venv")
    return dest
