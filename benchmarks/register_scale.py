"""Benchmark: chapter 2's register figures at 1x, 4x and 20x the 2022 register (the largest case at
least ten million persons), the old pandas path against the DuckDB path, in one run.

Usage: .venv/bin/python benchmarks/register_scale.py

For each size it writes register files into a temporary folder (1x: the 2022 synthetic files as
they are; larger: persons drawn with replacement from them with a fixed seed, each with the starts
of the person drawn, so starts scale likewise; tests/register_reference.py ``resample``), then runs
each path in a fresh subprocess: read the register and compute what the chapter shows from it
(Tabel 2, Figuur 3 and the register findings: the group comparisons and changes, the start counts,
the recovery). The old path is the pandas computation kept as the tests' oracle
(tests/register_reference.py: the files read whole into pandas); the new one is the chapter's
(src/spiegel/chapters/gemeenten/register.py: DuckDB over the Parquet files).

The files are built in a subprocess too, so that this process stays small: on Linux a subprocess's
``ru_maxrss`` starts from the peak of the process that started it (it is kept across fork and
exec), so a parent holding ten million rows would show in every measurement.

Reported per size and path: the wall time of reading plus computing (imports excluded), the CPU
time of the same (user + system; above the wall time when both cores work), the peak RSS of the
subprocess (``resource.getrusage(...).ru_maxrss``, imports included), and new/old ratios; then
whether the new path meets the issue's bound for ten million persons (at most 5 s and 1 GB), and
whether both paths gave the same figures at every size. The machine is shared: the load average
is printed, compare the ratios. Asserts nothing; tests/test_register_scale.py tests the results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARAMS = ROOT / "params" / "2022.yml"
FACTORS = (1, 4, 20)
AT_LEAST = 10_000_000  # the largest case has at least this many persons
BOUND_SECONDS, BOUND_MB = 5.0, 1024.0
SEED = 9


def _edition(personen: str, starts: str):
    from spiegel.params import load_params

    edition = load_params(PARAMS)
    raw = json.loads(json.dumps(edition.raw))
    raw["sources"]["cbs_srg_personen"]["file"] = personen
    raw["sources"]["cbs_srg_starts"]["file"] = starts
    return replace(edition, raw=raw)


def _digest(tabel_2, figuur_3, reg) -> str:
    """A fingerprint of every figure computed, to tell whether both paths agree."""
    text = tabel_2.to_json(double_precision=15) + figuur_3.to_json() + reg.to_json()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def worker(path: str, personen: str, starts: str) -> None:
    """One measurement in this (fresh) process; prints one JSON line."""
    sys.path.insert(0, str(ROOT / "tests"))
    started = time.perf_counter()
    from spiegel.chapters import gemeenten as ch
    from spiegel.findings import Register

    import register_reference as reference

    edition = _edition(personen, starts)
    imported = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    if path == "old":
        data = reference.read(edition)
        reg = reference.findings(data)
        tabel_2, figuur_3 = reference.tabel_2(data), reference.figuur_3(data)
    else:
        data = ch.Data(edition, klanten=None, km=None, trend=None, bijstand=None,
                       personen=ch.register.open_table(edition, ch.SOURCE_PERSONEN),
                       starts=ch.register.open_table(edition, ch.SOURCE_STARTS))
        reg = Register(ch.CHAPTER, edition.edition, threshold=edition.disclosure_threshold, alpha=edition.alpha,
                       tolerance=float(data.choices["change_tolerance"]))
        ch.register_findings(reg, data)
        tabel_2, figuur_3 = ch.tabel_2(data), ch.figuur_3(data)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print(json.dumps({"wall": wall, "cpu": cpu, "imports": imported - started,
                      "rss_mb": cpu1.ru_maxrss / 1024, "digest": _digest(tabel_2, figuur_3, reg)}))


def build(factor: int, folder: str) -> None:
    """Write register files ``factor`` times the 2022 size into ``folder`` (the largest case at
    least ``AT_LEAST`` persons; 1x: the 2022 files as they are); prints them as one JSON line."""
    import pyarrow.parquet as pq

    sys.path.insert(0, str(ROOT / "tests"))
    import register_reference as reference

    edition = _edition("data/2022/cbs_srg_personen.parquet", "data/2022/cbs_srg_starts.parquet")
    paths = edition.sources["cbs_srg_personen"].path, edition.sources["cbs_srg_starts"].path
    if factor != 1:
        base = pq.read_metadata(paths[0]).num_rows
        n = factor * base if factor != max(FACTORS) else max(factor * base, AT_LEAST)
        frames = reference.read(edition)
        personen, starts = reference.resample(frames.personen, frames.starts, n, SEED + factor)
        paths = (reference.write(personen, Path(folder) / f"personen_{factor}x.parquet"),
                 reference.write(starts, Path(folder) / f"starts_{factor}x.parquet"))
    print(json.dumps({"personen": str(paths[0]), "starts": str(paths[1]),
                      "n_personen": pq.read_metadata(paths[0]).num_rows,
                      "n_starts": pq.read_metadata(paths[1]).num_rows}))


def _run(*args: str) -> dict:
    """This script with ``args`` in a fresh subprocess; its last output line, as JSON."""
    out = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    if not (ROOT / "data" / "2022" / "cbs_srg_personen.parquet").exists():
        print("run `make data` first (the 2022 synthetic register)", file=sys.stderr)
        return 1
    rows, same = [], True
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="register-scale-") as tmp:
        for factor in FACTORS:
            files = _run("--build", str(factor), tmp)
            personen, starts, n_p, n_s = files["personen"], files["starts"], files["n_personen"], files["n_starts"]
            new = _run("--worker", "new", personen, starts)
            old = _run("--worker", "old", personen, starts)
            same &= new["digest"] == old["digest"]
            rows.append((factor, n_p, n_s, old, new))
            print(f"  {factor:>2}x done ({n_p:,} persons): old {old['wall']:.2f} s, new {new['wall']:.2f} s",
                  file=sys.stderr, flush=True)
    load_after = os.getloadavg()[0]

    print(f"Register figures of chapter 2 (Tabel 2, Figuur 3, register findings): old pandas path against "
          f"DuckDB, {os.cpu_count()} cores, load average {load_before:.1f} before / {load_after:.1f} after")
    print(f"{'size':>4} {'persons':>11} {'starts':>11} | {'old s':>6} {'cpu s':>6} {'MB':>6} | "
          f"{'new s':>6} {'cpu s':>6} {'MB':>6} | {'new/old s':>9} {'new/old MB':>10} | same")
    for factor, n_p, n_s, old, new in rows:
        print(f"{factor:>3}x {n_p:>11,} {n_s:>11,} | {old['wall']:6.2f} {old['cpu']:6.2f} {old['rss_mb']:6.0f} | "
              f"{new['wall']:6.2f} {new['cpu']:6.2f} {new['rss_mb']:6.0f} | {new['wall'] / old['wall']:9.3f} "
              f"{new['rss_mb'] / old['rss_mb']:10.3f} | {'yes' if new['digest'] == old['digest'] else 'NO'}")
    factor, n_p, n_s, old, new = rows[-1]
    fast, small = new["wall"] <= BOUND_SECONDS, new["rss_mb"] <= BOUND_MB
    print(f"{n_p:,} persons ({n_s:,} starts), new path: {new['wall']:.2f} s (<= {BOUND_SECONDS:g} s: "
          f"{'yes' if fast else 'NO'}), peak RSS {new['rss_mb']:.0f} MB (<= {BOUND_MB:.0f} MB: "
          f"{'yes' if small else 'NO'}); imports {new['imports']:.2f} s not counted")
    print(f"both paths gave the same figures at every size: {'yes' if same else 'NO'}; this process's own peak "
          f"RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (a subprocess's ru_maxrss "
          f"starts from it)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", nargs=3, metavar=("PATH", "PERSONEN", "STARTS"), help=argparse.SUPPRESS)
    parser.add_argument("--build", nargs=2, metavar=("FACTOR", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        sys.exit(0)
    if args.build:
        build(int(args.build[0]), args.build[1])
        sys.exit(0)
    sys.exit(main())
