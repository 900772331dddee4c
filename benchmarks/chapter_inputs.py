"""Benchmark: what `spiegel run --if-changed` re-executes after one small change, with the package
code of a base revision against the code of the working tree, in temporary copies of the project
(same machine, one run, side by side).

Each copy runs every chapter once, then, for each change below (applied on top of the previous
ones), `spiegel run --if-changed` for all chapters: the number of chapters executed and the time.

Usage: .venv/bin/python benchmarks/chapter_inputs.py [--base REV]
(without --base only the working tree is measured). Prints the times, the chapters executed and
the ratios working tree / base; asserts nothing (tests/test_chapter_inputs.py tests the behaviour).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from project_copy import copy_project  # noqa: E402 - the same copy as the build tests make

PARAMS = "params/2022.yml"


def _append(rel: str, text: str):
    def change(project: Path) -> None:
        with open(project / rel, "a", encoding="utf-8") as f:
            f.write(text)
    return change


def _params_value(project: Path) -> None:
    path = project / PARAMS
    text = path.read_text("utf-8")
    new = re.sub(r"(?m)^(    caseload_threshold: )75$", r"\g<1>76", text, count=1)
    assert new != text, "analysis.gemeenten.caseload_threshold: 75 not found"
    path.write_text(new, "utf-8")


CHANGES = {
    "chapters/uwv/__init__.py edited": _append("src/spiegel/chapters/uwv/__init__.py", "\n# benchmark\n"),
    "analysis.gemeenten.caseload_threshold 75 -> 76": _params_value,
    "a comment in the params file": _append(PARAMS, "\n# benchmark\n"),
    "chapters/wsp/synth.py edited": _append("src/spiegel/chapters/wsp/synth.py", "\n# benchmark\n"),
}


def copy_project_at(dest: Path, base: str | None) -> None:
    """The project copied (tests/project_copy.py), with the package code of ``base`` if given."""
    copy_project(ROOT, dest)
    if base:  # the package code of the base revision
        shutil.rmtree(dest / "src")
        archive = subprocess.run(["git", "archive", base, "src"], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest, filter="data")


def run(project: Path, *args: str) -> tuple[float, int]:
    """Seconds and number of chapters executed by one `spiegel run`."""
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "SPIEGEL_LOCK", "SPIEGEL_STATE", "SPIEGEL_BUILD_ROOT"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(project / "src")  # the copy's package code, also in the kernels
    started = time.perf_counter()
    done = subprocess.run([str(project / ".venv" / "bin" / "spiegel"), "--params", PARAMS, "run", "--quiet", *args],
                          cwd=project, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stdout + done.stderr)
    return seconds, len(re.findall(r"run: \S+\.ipynb: executing", done.stderr))


def measure(base: str | None) -> dict[str, tuple[float, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp)
        copy_project_at(project, base)
        out = {"first run (all chapters)": run(project)}
        out["nothing changed"] = run(project, "--if-changed")
        for name, change in CHANGES.items():
            change(project)
            out[name] = run(project, "--if-changed")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", help="git revision whose package code (src/) is compared with the working tree's")
    args = p.parse_args()
    if not (ROOT / ".venv" / "bin" / "spiegel").exists():
        print("run `make venv` first", file=sys.stderr)
        return 1
    results = {}
    if args.base:
        results[f"base {args.base}"] = measure(args.base)
    results["working tree"] = measure(None)
    names = list(next(iter(results.values())))
    header = "".join(f"{label:>26}" for label in results)
    print(f"{'':48}{header}")
    for name in names:
        cells = "".join(f"{results[label][name][0]:13.1f} s, {results[label][name][1]} run" for label in results)
        ratio = ""
        if len(results) == 2:
            (b, _), (w, _) = (results[label][name] for label in results)
            ratio = f"   ratio {w / b:.2f}"
        print(f"{name:48}{cells}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
