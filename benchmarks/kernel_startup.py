"""Benchmark: the edition's chapters executed with papermill on fresh TCP kernels (as before
spiegel.kernels: one new Python per chapter, which imports everything again) against the same
chapters through a :class:`spiegel.kernels.KernelPool` (IPC, kernels forked from a fork server
that imported the heavy modules once), one after another and two side by side; plus kernel start-up
alone (start, import what a chapter imports, shut down). The pool modes call papermill as before
(the notebook written after every cell); "spiegel.build.execute on the pool" is the path `spiegel
run` takes now (also writing the running notebook only when the chapter starts and ends). All in one run on this machine, so the ratios compare like with
like; the pool's times include starting its fork server (and its imports).

Usage: .venv/bin/python benchmarks/kernel_startup.py [--params params/2022.yml] [--rounds 2]
       [--kernels 5]
Prints wall-clock times and ratios, and checks that every mode gives the same executed notebooks
(outputs and text); asserts nothing about time (see tests/test_kernels.py for the behaviour).
The chapters' findings registers are written to the edition's build state, as `spiegel run` does.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _outputs(path: Path) -> str:
    import nbformat

    from spiegel.build import strip_volatile

    nb = strip_volatile(nbformat.read(path, as_version=4))
    return json.dumps([(c.cell_type, c.source, c.get("outputs")) for c in nb.cells], sort_keys=True)


def run_tcp(notebook: Path, out: Path, params: dict) -> None:
    """As spiegel.build executed a chapter before the pool: papermill starts a fresh TCP kernel."""
    import papermill

    papermill.execute_notebook(str(notebook), str(out), parameters=params, cwd=str(notebook.parent),
                               progress_bar=False, log_output=False, kernel_name="python3")


def run_pool(pool, notebook: Path, out: Path, params: dict) -> None:
    import papermill

    km = pool.start(cwd=notebook.parent, env=dict(os.environ))
    try:
        papermill.execute_notebook(str(notebook), str(out), parameters=params, progress_bar=False,
                                   log_output=False, kernel_name="python3", km=km)
    finally:
        pool.stop(km)


def _imports(modules) -> str:
    """Code that imports ``modules`` without binding a name (what a chapter's setup cell costs)."""
    return "import importlib\n" + "".join(f"_ = importlib.import_module({m!r})\n" for m in modules)


def kernels_tcp(n: int, preload) -> None:
    """n fresh TCP kernels, each started, made to import what a chapter imports, shut down."""
    from jupyter_client.manager import start_new_kernel

    for _ in range(n):
        km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60, cwd=str(ROOT))
        kc.execute_interactive(_imports(preload), timeout=120, output_hook=lambda msg: None)
        kc.stop_channels()
        km.shutdown_kernel(now=False)


def kernels_pool(n: int, preload) -> None:
    """The same through a pool (its fork server started, and its imports, included)."""
    from jupyter_core.utils import run_sync

    from spiegel.kernels import KernelPool

    with KernelPool(preload) as pool:
        for _ in range(n):
            km = pool.start(cwd=ROOT)
            kc = km.client()
            kc.start_channels()
            run_sync(kc.wait_for_ready)(timeout=60)
            run_sync(kc.execute_interactive)(_imports(preload), timeout=120, output_hook=lambda msg: None)
            pool.stop(km)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--params", default=str(ROOT / "params" / "2022.yml"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--kernels", type=int, default=5, help="kernels started in the start-up benchmark")
    args = ap.parse_args()

    from spiegel.kernels import KernelPool, preload_for
    from spiegel.params import load_params

    edition = load_params(args.params)
    chapters = [c.notebook.resolve() for c in edition.chapters]
    params = {"params_path": str(Path(args.params).resolve())}
    preload = preload_for(edition)
    imported = [m for m in preload if not m.startswith(("ipykernel", "IPython", "sqlite3", "tornado"))]
    times: dict[str, list[tuple[float, float]]] = {}
    results: dict[str, dict[str, str]] = {}

    def cpu() -> float:
        """CPU seconds of this process and of its ended descendants (kernels, fork servers)."""
        me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime

    def timed(name: str, fn) -> None:
        started, cpu_started = time.perf_counter(), cpu()
        fn()
        times.setdefault(name, []).append((time.perf_counter() - started, cpu() - cpu_started))

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)

        def seq_tcp():
            for nb in chapters:
                run_tcp(nb, out / f"tcp-{nb.name}", params)

        def seq_pool():
            with KernelPool(preload) as pool:
                for nb in chapters:
                    run_pool(pool, nb, out / f"pool-{nb.name}", params)

        def par_pool():
            with KernelPool(preload) as pool, ThreadPoolExecutor(2) as ex:
                list(ex.map(lambda nb: run_pool(pool, nb, out / f"pool2-{nb.name}", params), chapters))

        def seq_execute():
            from spiegel.build import execute

            with KernelPool(preload) as pool:
                for nb in chapters:
                    execute(nb, out / f"execute-{nb.name}", params, log=io.StringIO(), progress=False,
                            pool=pool)

        for _ in range(args.rounds):  # interleaved, so that the machine's load hits every mode alike
            timed("chapters, fresh TCP kernels, one after another", seq_tcp)
            timed("chapters, kernel pool, one after another", seq_pool)
            timed("chapters, kernel pool, two side by side", par_pool)
            timed("chapters, spiegel.build.execute on the pool", seq_execute)
            timed(f"{args.kernels} kernels + a chapter's imports, fresh TCP", lambda: kernels_tcp(args.kernels, imported))
            timed(f"{args.kernels} kernels + a chapter's imports, kernel pool",
                  lambda: kernels_pool(args.kernels, imported))
        for mode in ("tcp", "pool", "pool2", "execute"):
            results[mode] = {nb.name: _outputs(out / f"{mode}-{nb.name}") for nb in chapters}

    wall = {name: min(w for w, _ in ts) for name, ts in times.items()}
    cpus = {name: min(c for _, c in ts) for name, ts in times.items()}
    names = list(wall)
    print(f"{len(chapters)} chapters of {edition.path.name}, best of {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} (wall-clock time suffers from the load; "
          f"CPU time, of every process involved, much less)")
    print(f"  {'':56s} {'wall':>8s} {'ratio':>6s} {'CPU':>8s} {'ratio':>6s}")
    for group in (names[:4], names[4:]):
        for name in group:
            print(f"  {name:56s} {wall[name]:7.2f}s {wall[name] / wall[group[0]]:6.3f} "
                  f"{cpus[name]:7.2f}s {cpus[name] / cpus[group[0]]:6.3f}")
    same = all(results["tcp"] == results[m] for m in ("pool", "pool2", "execute"))
    print(f"  executed notebooks identical in every mode: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
