"""Benchmark: `make report` against the naive path, side by side in one run.

The naive path is what a build without spiegel's orchestration does: each chapter notebook executed
in turn with the papermill command line (a fresh kernel each), the text filled in from its findings
register, then the book rendered. Against it, in a temporary copy of the project (the .venv linked,
the data copied; the same machine, one run):

- cold build       `make report` with no build state and no _book/<edition>/ (venv and data present)
- no-op            `make report` again, nothing changed
- chapter edited   a sentence in one chapter's notebook changed, `make report`
- params changed   one value in one chapter's analysis section changed, `make report`

Usage: .venv/bin/python benchmarks/build_speed.py [--repeat N]
Prints a table of wall-clock times (median of N runs, default 1) and their ratio to the naive path.
Asserts nothing: the behaviour is tested in tests/test_build.py; the timings live here only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from project_copy import copy_project  # noqa: E402 - the same copy as the build tests make

EDITION = "2022"
# named, not the default (the newest edition): the cases below edit this edition's files
REPORT = ["make", "report", f"EDITION={EDITION}"]
NAIVE_RENDER = """
import sys
from pathlib import Path
from spiegel.params import load_params
from spiegel.findings import load
from spiegel.chapter import findings_path
from spiegel.text import fill_cells
from spiegel.render import render_book
import nbformat

edition = load_params(sys.argv[1])
out = Path(sys.argv[2])
executed = {}
for chapter in edition.chapters:
    path = out / "notebooks" / chapter.notebook.name
    nb = nbformat.read(path, as_version=4)
    fill_cells(nb, load(findings_path(edition, chapter.id)), edition.raw, chapter=chapter.id,
               notebook=chapter.notebook.name)
    nbformat.write(nb, path)
    executed[chapter.id] = path
render_book(edition, executed, out / "_book" / str(edition.edition))
"""


def env() -> dict[str, str]:
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SPIEGEL_LOCK", "SPIEGEL_COMMAND"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env())
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return seconds


def naive(project: Path) -> float:
    """Each notebook in turn with the papermill CLI, then filled in and rendered."""
    out = project / "naive"
    shutil.rmtree(out, ignore_errors=True)
    (out / "notebooks").mkdir(parents=True)
    params = project / "params" / f"{EDITION}.yml"
    py = str(project / ".venv" / "bin" / "python")
    started = time.perf_counter()
    for nb in sorted((project / "notebooks").glob("*.ipynb")):
        subprocess.run([str(project / ".venv" / "bin" / "papermill"), "--no-progress-bar", "-p", "params_path",
                        str(params), str(nb), str(out / "notebooks" / nb.name), "--cwd", str(nb.parent)],
                       cwd=project, check=True, capture_output=True, env=env())
    subprocess.run([py, "-c", NAIVE_RENDER, str(params), str(out)], cwd=project, check=True,
                   capture_output=True, env=env())
    return time.perf_counter() - started


def cold(project: Path) -> float:
    subprocess.run(["make", "clean"], cwd=project, check=True, capture_output=True, env=env())
    return timed(REPORT, project)


def edit_chapter(project: Path, run: int) -> None:
    """A sentence of chapter 4's text changed, as an inspector would (a Markdown cell)."""
    path = project / "notebooks" / "04_wsp.ipynb"
    nb = json.loads(path.read_text("utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown" and len("".join(c["source"])) > 200)
    ordinal = ("eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste")[run % 8]
    cell["source"] = ["".join(cell["source"]) + f" Dit is de {ordinal} bewerking."]  # no typed numbers
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", "utf-8")


def change_params(project: Path, run: int) -> None:
    """One value in chapter 2's analysis section (the caseload threshold) changed."""
    path = project / "params" / f"{EDITION}.yml"
    text = path.read_text("utf-8")
    before, after = ("caseload_threshold: 75", "caseload_threshold: 76")[:: 1 if run % 2 == 0 else -1]
    if before not in text:
        raise SystemExit(f"{path.name} has no `{before}` (analysis.gemeenten) to change")
    path.write_text(text.replace(before, after, 1), "utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs per case; the table shows medians")
    args = ap.parse_args()
    if not (ROOT / ".venv" / "bin" / "spiegel").exists() or not (ROOT / "data" / EDITION).is_dir():
        print("run `make data` first (the benchmark needs the venv and the data)", file=sys.stderr)
        return 1
    cases: dict[str, list[float]] = {k: [] for k in ("naive", "cold", "no-op", "chapter edited", "params changed")}
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        copy_project(ROOT, project)
        timed(REPORT, project)  # warm the file cache and byte-compile, like a second day
        for run in range(args.repeat):
            cases["naive"].append(naive(project))
            cases["cold"].append(cold(project))
            cases["no-op"].append(timed(REPORT, project))
            edit_chapter(project, run)
            cases["chapter edited"].append(timed(REPORT, project))
            change_params(project, run)
            cases["params changed"].append(timed(REPORT, project))
    base = statistics.median(cases["naive"])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"spiegel build benchmark, {cores} cores, median of {args.repeat} run(s) per case")
    print(f"{'case':<34} {'seconds':>8} {'ratio to naive':>15}")
    labels = {"naive": "naive (papermill in turn + render)", "cold": "make report, cold",
              "no-op": "make report, nothing changed", "chapter edited": "make report, one chapter edited",
              "params changed": "make report, one params value"}
    for key, values in cases.items():
        seconds = statistics.median(values)
        print(f"{labels[key]:<34} {seconds:8.2f} {seconds / base:15.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
