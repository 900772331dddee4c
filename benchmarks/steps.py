"""Benchmark: the validation and the synthetic generation of a base commit against this code, side
by side in one run (same machine, same data, old and new alternating), each step in a fresh
process (imports included), in temporary copies of the project.

It also checks that both give the same results: the same validation reports (on the synthetic
data, and on a copy with broken data in five datasets so that the failure path runs) and the same
bytes of every generated file.

Usage: .venv/bin/python benchmarks/steps.py [--base REF] [--repeat N]
  --base    the commit whose code is "old" (default: 10bd128, before issue 9's cheaper steps)
  --repeat  runs per step and side (default 3); the best of them are compared
Prints the best (least) wall-clock and CPU (user + sys) seconds of the runs and the ratios
old / new; asserts nothing about time (tests/test_synth_up_to_date.py and tests/test_contracts.py
test the behaviour). The machine may be shared: other work only adds time, so the best run is the
fairest, and the CPU ratio is steadier than the wall clock.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from project_copy import copy_project  # noqa: E402 - the same copy as the build tests make

PYTHON = ROOT / ".venv" / "bin" / "python"
PARAMS = "params/2022.yml"

VALIDATE = "import sys; from spiegel.contracts import main_validate; sys.exit(main_validate({params!r}, {out!r}))"
SYNTH = ("from spiegel.params import load_params; from spiegel.synth import generate; "
         "generate(load_params({params!r}){extra})")


def old_source(base: str, dest: Path) -> Path:
    """``src/`` of commit ``base``, unpacked into ``dest``."""
    archive = subprocess.run(["git", "archive", base, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"


def timed(code: str, src: Path, cwd: Path, ok_codes=(0,)) -> tuple[float, float]:
    """Run ``python -c code`` with ``src`` first on the path; (wall, user + sys CPU) seconds."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([str(PYTHON), "-c", code], cwd=cwd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok_codes:
        sys.exit(f"step failed ({proc.returncode}) in {cwd} with {src}:\n{proc.stdout}{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def break_data(project: Path) -> None:
    """Invalid values in five datasets (CSV and Parquet, with and without identifier columns, rules
    with and without a row condition), so that the detailed second pass runs."""
    import pandas as pd

    data = project / "data" / "2022"
    for name, old, new in (("klanten_pw.csv", ",ja,", ",misschien,"),
                           ("wsp_regios.csv", ",ja,", ",jazeker,")):
        path = data / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new, 3), encoding="utf-8")
    staff = pd.read_csv(data / "uwv_medewerkers.csv", dtype=str, keep_default_na=False)
    not_asked = staff.index[staff["caseload_ww"] != "ja"][:4]
    staff.loc[not_asked, "bel_registratie_ww"] = "sterk"  # answered although not asked
    staff.loc[[1, 2], "functie"] = "directeur"
    staff.to_csv(data / "uwv_medewerkers.csv", index=False, lineterminator="\n")
    starts = pd.read_parquet(data / "cbs_srg_starts.parquet")
    starts.loc[[5, 50, 500], "startmaand"] = "2018-13"
    starts.to_parquet(data / "cbs_srg_starts.parquet", index=False)
    persons = pd.read_parquet(data / "cbs_srg_personen.parquet")
    persons.loc[[7, 70], "leeftijd"] = "130_plus"
    persons.to_parquet(data / "cbs_srg_personen.parquet", index=False)


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*")) if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="10bd128")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not PYTHON.exists() or not (ROOT / "data").is_dir():
        print("run `make venv` and `make data` first", file=sys.stderr)
        return 1
    new_src = ROOT / "src"
    results: dict[str, dict[str, list[tuple[float, float]]]] = {}
    checks: list[tuple[str, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "old").mkdir()
        src = {"old": old_source(args.base, tmp / "old"), "new": new_src}
        valid = copy_project(ROOT, tmp / "valid", venv=False)
        broken = copy_project(ROOT, tmp / "broken", venv=False)
        break_data(broken)
        unchanged = {side: copy_project(ROOT, tmp / f"unchanged-{side}", venv=False) for side in ("old", "new")}
        scratch = {side: copy_project(ROOT, tmp / f"scratch-{side}", venv=False, data=False) for side in ("old", "new")}
        synth = SYNTH.format(params=PARAMS, extra="")
        # The new code records what produced the data the first time it runs (the files keep
        # their bytes): afterwards it finds them up to date.
        timed(synth, new_src, unchanged["new"])
        # step -> side -> (code, project); the old code has no force: it always generates
        steps = {
            "validate, data valid": {s: (VALIDATE.format(params=PARAMS, out=f"build-{s}"), valid) for s in src},
            "validate, data broken": {s: (VALIDATE.format(params=PARAMS, out=f"build-{s}"), broken) for s in src},
            "synth, data unchanged": {s: (synth, unchanged[s]) for s in src},
            "synth, unchanged, forced": {"old": (synth, unchanged["old"]),
                                         "new": (SYNTH.format(params=PARAMS, extra=", force=True"), unchanged["new"])},
            "synth, no data yet": {s: (synth, scratch[s]) for s in src},
        }
        for _ in range(args.repeat):
            for name, sides in steps.items():
                for side, (code, project) in sides.items():
                    if name == "synth, no data yet":
                        shutil.rmtree(project / "data", ignore_errors=True)
                    ok = (1,) if "broken" in name else (0,)
                    results.setdefault(name, {}).setdefault(side, []).append(timed(code, src[side], project, ok))

        for project, label in ((valid, "valid"), (broken, "broken")):
            same = digests(project / "build-old") == digests(project / "build-new")
            checks.append((f"validation reports (json, md, html) identical, data {label}", same))
        files = {side: digests(scratch[side] / "data" / "2022") for side in ("old", "new")}
        checks.append((f"generated files identical ({len(files['new'])} files, sha256)",
                       files["old"] == files["new"] and len(files["new"]) > 0))
        checks.append(("unchanged data kept its bytes",
                       digests(unchanged["old"] / "data" / "2022") == digests(unchanged["new"] / "data" / "2022")
                       == digests(ROOT / "data" / "2022")))

    print(f"old: {args.base}   new: this checkout   runs per step and side: {args.repeat}   (best of them)")
    print(f"{'step':28s} {'old wall':>9s} {'new wall':>9s} {'ratio':>7s}   "
          f"{'old cpu':>8s} {'new cpu':>8s} {'ratio':>7s}")
    for name, sides in results.items():
        (ow, oc), (nw, nc) = [[min(t[i] for t in sides[side]) for i in (0, 1)]
                              for side in ("old", "new")]
        print(f"{name:28s} {ow:8.2f}s {nw:8.2f}s {ow / nw:6.1f}x   {oc:7.2f}s {nc:7.2f}s {oc / nc:6.1f}x")
    for label, ok in checks:
        print(f"{'OK  ' if ok else 'DIFF'} {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
