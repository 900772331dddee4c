"""spiegel.kernels: the chapters' kernels over IPC, forked from a fork server, never left behind.

Checks the transport (Unix sockets in the pool's private folder, no TCP warning), that a pooled
kernel is as fresh as a new one (namespace, state, cwd, environment at start time, sys.path),
that kernels die, get interrupted and are killed as kernels should, that nothing (kernel process,
fork server, socket or connection file) is left after a normal end, an exception, Ctrl-C, SIGTERM
or SIGKILL of the build process, that two threads can run notebooks side by side, and that
``spiegel.build.execute`` runs chapters this way.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_core.utils import run_sync

from spiegel.build import BuildError, execute
from spiegel.buildstate import pid_running
from spiegel.kernels import DEFAULT_PRELOAD, KernelError, KernelPool

TCP_WARNING = "Kernel is running over TCP"
# A small preload: what the kernel itself imports (the tests' kernels run no chapter)
SMALL = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "numpy")


@pytest.fixture(scope="module")
def pool():
    with KernelPool(SMALL) as p:
        yield p


def run_code(km, code: str, timeout: float = 60) -> str:
    """Execute ``code`` on the kernel; what it printed (stdout)."""
    kc = km.client()
    kc.start_channels()
    out: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("ERROR " + msg["content"]["ename"])

    try:
        run_sync(kc.wait_for_ready)(timeout=timeout)
        run_sync(kc.execute_interactive)(code, output_hook=hook, timeout=timeout)
    finally:
        kc.stop_channels()
    return "".join(out)


def probe(km) -> dict:
    """What a kernel reports about itself."""
    return json.loads(run_code(km, textwrap.dedent("""
        import json as _j, os as _o, sys as _s
        print(_j.dumps({"cwd": _o.getcwd(), "pid": _o.getpid(), "env": dict(_o.environ),
                        "names": sorted(get_ipython().user_ns), "path": _s.path,
                        "marker": hasattr(_s, "spiegel_marker")}))
    """)))


def notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def wait_gone(pids, run_dir: Path | None = None, timeout: float = 20.0) -> list[int]:
    """The pids still running (zombies count as ended) after at most ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [p for p in pids if pid_running(p)]
        if (not alive and (run_dir is None or not run_dir.exists())) or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


# --------------------------------------------------------------------------- transport


def test_kernels_talk_over_unix_sockets_in_the_private_folder(pool):
    km = pool.start(cwd=Path.cwd())
    try:
        assert run_code(km, "print(6 * 7)") == "42\n"  # ready: its sockets are bound
        info = json.loads(Path(km.connection_file).read_text())
        assert info["transport"] == "ipc"
        assert Path(info["ip"]).parent == pool.run_dir
        ports = [info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")]
        for port in ports:
            assert stat.S_ISSOCK(os.stat(f"{info['ip']}-{port}").st_mode)
        assert stat.S_IMODE(os.stat(pool.run_dir).st_mode) & 0o777 == 0o700  # (jupyter adds the sticky bit)
    finally:
        pool.stop(km)
    assert sorted(os.listdir(pool.run_dir)) == []  # its sockets and connection file are gone


@pytest.mark.parametrize("fork", [True, False])
def test_no_tcp_warning_from_pooled_kernels(capfd, fork):
    with KernelPool(SMALL, fork=fork) as p:
        km = p.start(cwd=Path.cwd())
        assert run_code(km, "print('ok')") == "ok\n"
        p.stop(km)
    assert TCP_WARNING not in capfd.readouterr().err


def test_a_tcp_kernel_does_warn_on_this_stderr(capfd):
    """The check above can see the warning: a kernel started the old way prints it there."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        kc.execute_interactive("print(1)", timeout=60)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert TCP_WARNING in capfd.readouterr().err


def test_spiegel_execute_runs_over_ipc_without_the_warning(tmp_path, capfd):
    nb = notebook(tmp_path / "chapter.ipynb", "import json, os\nprint(json.dumps(os.getcwd()))")
    out = execute(nb, tmp_path / "out" / "chapter.ipynb", {}, progress=False)
    executed = nbformat.read(out, as_version=4)
    assert json.loads(executed.cells[0].outputs[0]["text"]) == str(tmp_path)  # ran in its folder
    err = capfd.readouterr().err
    assert TCP_WARNING not in err
    assert "KeyboardInterrupt caught in kernel" not in err  # stopped without an interrupt


# --------------------------------------------------------------------------- a fresh kernel


def test_pooled_kernel_namespace_is_that_of_a_fresh_kernel(pool, tmp_path):
    from jupyter_client.manager import AsyncKernelManager

    km = pool.start(cwd=tmp_path)
    try:
        pooled = probe(km)
    finally:
        pool.stop(km)
    fresh_km = AsyncKernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "fresh"))
    run_sync(fresh_km.start_kernel)(cwd=str(tmp_path))  # a new Python, as papermill starts one
    try:
        fresh = probe(fresh_km)
    finally:
        run_sync(fresh_km.shutdown_kernel)(now=True)
    assert pooled["names"] == fresh["names"]
    assert not {"numpy", "np", "ipykernel", "importlib", "req", "sel"} & set(pooled["names"])
    assert [p for p in pooled["path"] if p] == [p for p in fresh["path"] if p]
    assert pooled["path"][:1] == fresh["path"][:1]


def test_two_kernels_share_no_state(pool, tmp_path):
    first = pool.start(cwd=tmp_path)
    second = None
    try:
        run_code(first, "x = 1\nimport sys, numpy\nsys.spiegel_marker = 1\nnumpy.spiegel_marker = 1")
        assert run_code(first, "print(x, sys.spiegel_marker)") == "1 1\n"
        second = pool.start(cwd=tmp_path)
        assert run_code(second, "print('x' in globals())") == "False\n"
        assert run_code(second, "import numpy\nprint(hasattr(numpy, 'spiegel_marker'))") == "False\n"
        assert probe(second)["marker"] is False
        assert probe(first)["pid"] != probe(second)["pid"]
    finally:
        pool.stop(first)
        if second is not None:
            pool.stop(second)


def test_random_state_is_not_shared(pool, tmp_path):
    code = "import numpy, random\nprint(numpy.random.random(), random.random())"
    kms = [pool.start(cwd=tmp_path) for _ in range(2)]
    try:
        a, b = (run_code(km, code) for km in kms)
    finally:
        for km in kms:
            pool.stop(km)
    assert a != b


@pytest.mark.parametrize("fork", [True, False])
def test_cwd_and_environment_at_start_time(tmp_path, monkeypatch, fork):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    monkeypatch.setenv("SPIEGEL_BEFORE_POOL", "old")
    with KernelPool(SMALL, fork=fork) as p:
        monkeypatch.setenv("SPIEGEL_AFTER_POOL", "new")  # set after the fork server started
        monkeypatch.delenv("SPIEGEL_BEFORE_POOL")  # removed after it started
        km = p.start(cwd=folder)
        seen = probe(km)
        p.stop(km)
        explicit = p.start(cwd=tmp_path, env={"PATH": os.environ["PATH"], "ONLY_THIS": "1"})
        given = probe(explicit)
        p.stop(explicit)
    assert seen["cwd"] == str(folder)
    assert seen["env"]["SPIEGEL_AFTER_POOL"] == "new"
    assert "SPIEGEL_BEFORE_POOL" not in seen["env"]
    assert given["cwd"] == str(tmp_path)
    assert given["env"]["ONLY_THIS"] == "1" and "SPIEGEL_AFTER_POOL" not in given["env"]
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert seen["env"][var] == "1" and given["env"][var] == "1"


def test_start_rejects_a_missing_folder(pool, tmp_path):
    with pytest.raises(KernelError, match="does not exist"):
        pool.start(cwd=tmp_path / "missing")


def test_preload_that_starts_threads_or_fails_is_named(tmp_path, monkeypatch):
    (tmp_path / "spiegel_threaded.py").write_text(
        "import threading, time\nthreading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n")
    (tmp_path / "spiegel_broken.py").write_text("raise ValueError('kapot')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with KernelPool(("numpy", "spiegel_threaded")) as p, pytest.raises(KernelError, match="importing spiegel_threaded started threads"):
        p.start(cwd=tmp_path)
    with KernelPool(("numpy", "spiegel_broken")) as p, pytest.raises(KernelError, match="spiegel_broken failed: ValueError: kapot"):
        p.start(cwd=tmp_path)
    with KernelPool(("numpy", "spiegel_no_such_module")) as p, pytest.raises(KernelError, match="spiegel_no_such_module"):
        p.start(cwd=tmp_path)


# --------------------------------------------------------------------------- lifecycle


def test_a_kernel_that_dies_is_seen_as_dead(pool, tmp_path):
    km = pool.start(cwd=tmp_path)
    pid = pool.kernel_pid(km)
    try:
        assert run_sync(km.is_alive)()
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        kc.execute("import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
        deadline = time.monotonic() + 20
        while run_sync(km.is_alive)() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not run_sync(km.is_alive)()
        assert km.provisioner.process.returncode == -signal.SIGKILL
    finally:
        pool.stop(km)  # fine on a dead kernel
    assert not pid_running(pid)


def test_interrupt_reaches_the_running_cell(pool, tmp_path):
    km = pool.start(cwd=tmp_path)
    try:
        kc = km.client()
        kc.start_channels()
        run_sync(kc.wait_for_ready)(timeout=60)
        timer = threading.Timer(1.0, lambda: run_sync(km.interrupt_kernel)())
        timer.start()
        reply = run_sync(kc.execute_interactive)("import time\ntime.sleep(60)", timeout=60)
        timer.join()
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert run_code(km, "print('still alive')") == "still alive\n"
    finally:
        pool.stop(km)


def test_execute_reports_a_kernel_that_died(tmp_path):
    nb = notebook(tmp_path / "dies.ipynb", "x = 1", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", "y = 2")
    with KernelPool(SMALL) as p:
        with pytest.raises(BuildError, match="DeadKernelError") as err:
            execute(nb, tmp_path / "out" / "dies.ipynb", {}, progress=False, pool=p)
        assert not os.listdir(p.run_dir)  # the dead kernel's files are gone too
    failed = tmp_path / "out" / "dies.failed.ipynb"
    assert "kept at" in str(err.value) and failed.is_file()  # the partial run is kept to inspect
    kept = nbformat.read(failed, as_version=4)
    assert kept.cells[-3].source == "x = 1"
    assert not (tmp_path / "out" / "dies.ipynb").exists()


def test_running_notebook_is_written_at_start_and_end_not_after_every_cell(tmp_path, monkeypatch):
    import papermill.engines
    import papermill.execute

    import spiegel.build

    writes: list[tuple[str, int]] = []  # (path, outputs so far)

    def counting(original):
        def write(nb, path):
            writes.append((Path(path).name, sum(len(c.get("outputs", [])) for c in nb.cells)))
            return original(nb, path)
        return write

    for module, name in ((papermill.engines, "write_ipynb"), (papermill.execute, "write_ipynb"),
                         (spiegel.build, "_write_running")):
        monkeypatch.setattr(module, name, counting(getattr(module, name)))
    nb = notebook(tmp_path / "cells.ipynb", *[f"print({i})" for i in range(10)])
    out = execute(nb, tmp_path / "out" / "cells.ipynb", {}, progress=False)
    assert [c.outputs[0]["text"] for c in nbformat.read(out, as_version=4).cells] == [f"{i}\n" for i in range(10)]
    assert writes == [("cells.running.ipynb", 0), ("cells.running.ipynb", 10)]  # (not 23 times)


def test_a_cell_error_is_reported_with_the_failed_notebook(tmp_path):
    nb = notebook(tmp_path / "fails.ipynb", "x = 1", "raise ValueError('kapot')")
    with pytest.raises(BuildError, match="ValueError: kapot"):
        execute(nb, tmp_path / "out" / "fails.ipynb", {}, progress=False)
    kept = nbformat.read(tmp_path / "out" / "fails.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells if c.cell_type == "code" for o in c.outputs)


def test_exception_in_the_block_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="boom"), KernelPool(SMALL) as p:
        kms = [p.start(cwd=tmp_path) for _ in range(2)]
        pids = [p.kernel_pid(km) for km in kms] + [p.fork_server_pid]
        run_dir = p.run_dir
        assert all(pid_running(pid) for pid in pids)
        raise RuntimeError("boom")
    assert wait_gone(pids, run_dir) == []
    assert not run_dir.exists()


def test_stop_is_idempotent_and_rejects_foreign_kernels(pool, tmp_path):
    km = pool.start(cwd=tmp_path)
    pool.stop(km)
    pool.stop(km)
    with KernelPool(SMALL) as other:
        foreign = other.start(cwd=tmp_path)
        with pytest.raises(KernelError, match="not started by this pool"):
            pool.stop(foreign)
    with pytest.raises(KernelError, match="closed"):
        other.start(cwd=tmp_path)


# A build process: a pool, two kernels, one of them running a notebook (a cell that sleeps);
# it prints what it started, then ends as the test asks.
BUILD = textwrap.dedent("""
    import json, os, sys, threading, time
    from pathlib import Path
    import nbformat, papermill
    from spiegel.buildstate import install_signal_handlers
    from spiegel.kernels import KernelPool
    how, folder = sys.argv[1], Path(sys.argv[2])
    install_signal_handlers()  # SIGTERM raises, as in `spiegel`
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("open('running', 'w').close()\\nimport time\\ntime.sleep(120)")]
    nbformat.write(nb, folder / "slow.ipynb")
    with KernelPool(%r) as pool:
        idle = pool.start(cwd=folder)
        busy = pool.start(cwd=folder)
        print(json.dumps({"kernels": [pool.kernel_pid(idle), pool.kernel_pid(busy)],
                          "server": pool.fork_server_pid, "run_dir": str(pool.run_dir)}), flush=True)
        while how in ("normal", "exception") and not (folder / "go").exists():
            time.sleep(0.02)  # until the test has seen everything running
        if how == "normal":
            pool.stop(busy)
        elif how == "exception":
            raise RuntimeError("boom")
        else:  # wait for the signal while a notebook runs
            papermill.execute_notebook(str(folder / "slow.ipynb"), str(folder / "out.ipynb"),
                                       kernel_name="python3", km=busy, progress_bar=False)
""") % (SMALL,)


@pytest.mark.parametrize("how", ["normal", "exception", "SIGTERM", "SIGINT", "SIGKILL"])
def test_nothing_is_left_when_the_build_process_ends(tmp_path, how):
    proc = subprocess.Popen([sys.executable, "-c", BUILD, how, str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        started = json.loads(proc.stdout.readline())
        pids = [*started["kernels"], started["server"]]
        run_dir = Path(started["run_dir"])
        assert run_dir.is_dir() and all(pid_running(p) for p in pids)
        (tmp_path / "go").touch()
        if how.startswith("SIG"):
            deadline = time.monotonic() + 60
            while not (tmp_path / "running").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert (tmp_path / "running").exists(), proc.stderr.read()
            proc.send_signal(getattr(signal, how))
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert wait_gone(pids, run_dir) == []
    assert not run_dir.exists()
    err = proc.stderr.read()
    if how in ("normal",):
        assert proc.returncode == 0, err
    elif how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode != 0
        assert "Traceback" in err  # ended by the exception it raised (RuntimeError / KeyboardInterrupt)


# --------------------------------------------------------------------------- side by side


def test_two_threads_run_notebooks_side_by_side(tmp_path):
    import papermill

    results: dict[str, object] = {}

    def chapter(name: str) -> None:
        folder = tmp_path / name
        folder.mkdir()
        nb = notebook(folder / f"{name}.ipynb", "import os, time\nv = os.environ.get('SPIEGEL_TEST_CHAPTER')",
                      "time.sleep(1)\nprint(os.getcwd(), os.getpid(), v)")
        km = pool.start(cwd=folder, env={**os.environ, "SPIEGEL_TEST_CHAPTER": name})
        try:
            out = papermill.execute_notebook(str(nb), str(folder / "out.ipynb"), kernel_name="python3", km=km,
                                             progress_bar=False)
            results[name] = out.cells[1].outputs[0]["text"].split()
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            results[name] = exc
        finally:
            pool.stop(km)

    with KernelPool(SMALL) as pool:
        threads = [threading.Thread(target=chapter, args=(n,)) for n in ("een", "twee")]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        both = time.monotonic() - started
        assert sorted(os.listdir(pool.run_dir)) == []
    for name in ("een", "twee"):
        cwd, pid, seen = results[name]
        assert (cwd, seen) == (str(tmp_path / name), name)
    assert results["een"][1] != results["twee"][1]
    del both  # (no timing asserts: see benchmarks/kernel_startup.py)


def test_default_preload_imports_what_a_chapter_needs():
    with KernelPool() as p:
        km = p.start(cwd=Path.cwd())
        try:
            loaded = json.loads(run_code(km, "import sys, json\nprint(json.dumps(sorted(sys.modules)))"))
        finally:
            p.stop(km)
    assert set(DEFAULT_PRELOAD) <= set(loaded)


def test_many_threads_start_and_stop_kernels_at_once(tmp_path):
    seen: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(3):
                km = pool.start(cwd=tmp_path, env={**os.environ, "SPIEGEL_TEST_WORKER": f"{i}.{j}"})
                try:
                    got = probe(km)
                    seen.append((got["pid"], got["env"]["SPIEGEL_TEST_WORKER"]))
                finally:
                    pool.stop(km)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    with KernelPool(SMALL) as pool:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        assert os.listdir(pool.run_dir) == []
    assert errors == []
    assert sorted(v for _, v in seen) == sorted(f"{i}.{j}" for i in range(4) for j in range(3))
    assert len({pid for pid, _ in seen}) == 12
    assert wait_gone([pid for pid, _ in seen]) == []


def test_closing_the_pool_while_a_thread_runs_a_notebook(tmp_path):
    import papermill

    nb = notebook(tmp_path / "slow.ipynb", "open('running', 'w').close()\nimport time\ntime.sleep(120)")
    outcome: list[BaseException | None] = []

    def chapter() -> None:
        km = pool.start(cwd=tmp_path)
        pids.append(pool.kernel_pid(km))
        try:
            papermill.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), kernel_name="python3", km=km,
                                       progress_bar=False)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - what the thread saw, checked below
            outcome.append(exc)
        finally:
            pool.stop(km)

    pids: list[int] = []
    pool = KernelPool(SMALL)
    thread = threading.Thread(target=chapter)
    thread.start()
    deadline = time.monotonic() + 60
    while not (tmp_path / "running").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    run_dir, server = pool.run_dir, pool.fork_server_pid
    pool.close()  # e.g. SIGTERM in the main thread while chapters run
    thread.join(60)
    assert not thread.is_alive()
    assert outcome and type(outcome[0]).__name__ == "DeadKernelError"
    assert wait_gone([*pids, server], run_dir) == []
    assert not run_dir.exists()
