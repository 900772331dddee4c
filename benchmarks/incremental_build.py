"""Benchmark: a full `make report` against a second one with nothing changed, against one after
touching every input (new dates, same bytes: nothing re-runs, the build follows content), and
against a re-run after changing one notebook, in a temporary copy of the project (same machine,
one run).

Usage: .venv/bin/python benchmarks/incremental_build.py
Prints the wall-clock times and their ratios; asserts nothing (see tests/test_build.py for the
behaviour that is tested: the second run executes no notebook).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copy_project(dest: Path) -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for rel in tracked.splitlines():
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    if (ROOT / "data").exists():
        shutil.copytree(ROOT / "data", dest / "data", copy_function=shutil.copy2)
    os.symlink(ROOT / ".venv", dest / ".venv")


def timed_make(project: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["make", "report"], cwd=project, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    if not (ROOT / ".venv" / "bin" / "spiegel").exists():
        print("run `make venv` first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        copy_project(project)
        full = timed_make(project)
        unchanged = timed_make(project)
        for folder in ("params", "data", "data_contracts", "notebooks"):
            for path in (project / folder).rglob("*"):
                if path.is_file():
                    path.touch()
        touched = timed_make(project)
        notebook = sorted((project / "notebooks").glob("*.ipynb"))[0]
        nb = json.loads(notebook.read_text("utf-8"))
        nb["metadata"]["benchmark"] = True  # other bytes, same computation
        notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")
        one_chapter = timed_make(project)
    print(f"full build            {full:8.2f} s")
    print(f"nothing changed       {unchanged:8.2f} s   ratio {unchanged / full:.4f}")
    print(f"every input touched   {touched:8.2f} s   ratio {touched / full:.4f}")
    print(f"one notebook changed  {one_chapter:8.2f} s   ratio {one_chapter / full:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
