"""Jupyter kernels for the chapters: over IPC, started cheaply, and never left behind.

papermill (through nbclient) runs a notebook on a kernel it is handed and then leaves that kernel
running, so the build starts and stops the kernels itself::

    with KernelPool(preload_for(edition)) as pool:
        km = pool.start(cwd=notebook.parent, env=dict(os.environ))
        try:
            papermill.execute_notebook(..., km=km)
        finally:
            pool.stop(km)

``start`` and ``stop`` may be called from several threads at once (chapters side by side); start
and stop a kernel in the thread that runs its notebook. Give papermill absolute paths and no
``cwd=`` (it would ``chdir`` the whole process, under the other threads' feet): the kernel already
runs in the ``cwd`` given to ``start``. nbclient leaves the kernel it was handed running, and its
client on it open (``NotebookClient.owns_km`` is false, so ``setup_kernel`` neither shuts the kernel
down nor stops the client's channels); ``stop`` does both. :func:`spiegel.build.execute` and
:func:`spiegel.build.run_chapter` take a ``pool=`` and do all this.

**IPC, not TCP.** The kernels' ZeroMQ sockets are Unix sockets in the pool's private folder
(``<tmp>/spiegel-kernels-*/``, mode 0700), removed when the pool closes: no "Kernel is running over
TCP without encryption" warning, no race for free ports between kernels started side by side.

**A fork server.** Without it every kernel is a new Python that imports IPython, pandas, numpy,
scipy.stats, altair and the spiegel package again (about 3.5 s per chapter here). The pool starts
one *fork server* instead: a Python process that imports the ``preload`` modules once and then
forks one kernel process per :meth:`KernelPool.start`. Every chapter still gets a fresh process of
its own (nothing a notebook does reaches another); what it inherits are modules already imported,
never names in its namespace. The forked kernel runs in the ``cwd`` and with exactly the ``env``
given to ``start`` (read at that moment), in a session of its own, with IPython's history in memory.
Only what the preloaded modules read from the environment *when imported* comes from the pool's
start (e.g. BLAS thread counts), and all kernels of a pool share its hash seed (``str`` hashes).

**BLAS threads.** The fork server and its kernels run with one BLAS/OpenMP thread
(``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` set to ``blas_threads``,
default 1): chapters run side by side on few cores, and a process that is forked must not have
threads (the fork server checks that importing the preload started none, naming the module that did;
``vl_convert``'s engine, which does start threads, is started in each kernel instead).

**Cleanup.** A kernel that dies while a notebook runs is reported by nbclient (``DeadKernelError``,
which ``spiegel run`` reports as a failed chapter). Leaving the ``with`` block — normally, by an
exception, Ctrl-C or SIGTERM (see :func:`spiegel.buildstate.install_signal_handlers`) — kills the
kernels still running, stops the fork server and removes the folder with the sockets and connection
files. If the build process is killed outright (SIGKILL), the fork server notices (its request pipe
closes), kills its kernels and removes the folder itself; a kernel whose fork server is gone stops
within a second (ipykernel's parent poller).

Elsewhere than on Linux, or with ``KernelPool(fork=False)``, kernels are started the usual way (a
new Python per kernel), still over IPC and cleaned up the same way.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import itertools
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path

from spiegel.buildstate import pid_running
from typing import Any

#: Modules the fork server imports once for all kernels: what every chapter's setup cell needs.
#: (``vl_convert`` starts its threads at its first conversion, not when imported; the conversion
#: that starts it happens in each kernel, see :func:`spiegel.charts.warm_up`.)
DEFAULT_PRELOAD: tuple[str, ...] = (
    # what IPKernelApp imports when it starts (ipykernel.debugger brings debugpy: 0.2 s)
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "sqlite3",
    "tornado.platform.asyncio",
    # what the chapters' setup cells import
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "scipy.stats",
    "altair",
    "jsonschema",
    "jinja2",
    "vl_convert",
    "spiegel.chapter",
    "spiegel.charts",
    "spiegel.show",
    "spiegel.findings",
)

#: Environment variables that set the number of BLAS/OpenMP threads of a process.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# A Unix socket's path is at most 107 bytes on Linux; the pool's sockets are <run dir>/k<n>-<port>.
_MAX_RUN_DIR = 80


class KernelError(RuntimeError):
    """A kernel (or the fork server) could not be started, or the pool is closed."""


def preload_for(edition) -> tuple[str, ...]:
    """:data:`DEFAULT_PRELOAD` plus the analysis module of each chapter of ``edition``."""
    return DEFAULT_PRELOAD + tuple(f"spiegel.chapters.{c.id}" for c in edition.chapters)


def fork_supported() -> bool:
    """Whether kernels are forked from a fork server here: on Linux (macOS has ``os.fork`` too,
    but its system libraries do not survive a fork without exec reliably)."""
    return hasattr(os, "fork") and sys.platform.startswith("linux")


# ============================================================================ the fork server
#
# The fork server is `python -c _SERVER_BOOT <request fd> <reply fd> <run dir> <preload json>`.
# It reads requests from the request pipe and writes replies to the reply pipe, one JSON object a
# line each:
#   -> {"op": "fork", "id": n, "argv": [...], "cwd": "...", "env": {...}}
#   <- {"id": n, "pid": pid}                           (or {"id": n, "error": "..."})
#   -> {"op": "signal", "pid": pid, "signal": s}       (to the kernel's process group)
#   <- {"exit": pid, "code": c}                        when a kernel ends (the server reaps it)
#   <- {"ready": pid} / {"ready": pid, "error": "..."} once, after the preload
# When the request pipe closes (the pool closes, or its process died), the server stops its
# kernels (SIGTERM, then SIGKILL), reaps them, removes the run dir and exits.

_SERVER_BOOT = "import sys; from spiegel.kernels import _serve; _serve(sys.argv[1:])"


#: Threads that are safe across fork: jemalloc (pyarrow's allocator) stops its background thread
#: before a fork and runs the child without it (its own pthread_atfork handlers).
_FORK_SAFE_THREADS = frozenset({"jemalloc_bg_thd"})


def _thread_count() -> int:
    """Threads of this process other than the fork-safe ones (on Linux, from /proc)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return threading.active_count()
    count = 0
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8", errors="replace") as fh:
                name = fh.read().strip()
        except OSError:  # ended meanwhile
            continue
        count += name not in _FORK_SAFE_THREADS
    return count


def _serve(args: list[str]) -> None:
    """Main program of the fork server (runs in its own process). In a forked child it turns into
    the kernel and never returns."""
    import gc
    import importlib

    server = _Server(int(args[0]), int(args[1]), Path(args[2]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle; it closes us
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # nothing is imported from the run dir
    gc.disable()  # no collections in the server: freed holes would be copied into every kernel
    error = None
    for name in json.loads(args[3]):
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # as a kernel's imports: not shown
                importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - reported to the pool, which raises it
            error = f"importing {name} failed: {type(exc).__name__}: {exc}"
            break
        if _thread_count() > 1:
            error = (f"importing {name} started threads; a process with threads cannot be forked "
                     f"safely (leave {name} out of the preload)")
            break
    gc.freeze()  # the kernels' collections then never touch (and so copy) the preloaded objects
    request = server.run(error)
    if request is not None:  # in a forked child
        _run_kernel(request)


class _Server:
    """The fork server's loop (in the server process): fork on request, reap and report."""

    def __init__(self, req_fd: int, rep_fd: int, run_dir: Path):
        self.req_fd, self.rep_fd, self.run_dir = req_fd, rep_fd, run_dir
        self.pid = os.getpid()
        self.children: set[int] = set()

    def reply(self, msg: dict) -> None:
        data = (json.dumps(msg) + "\n").encode()
        while data:
            data = data[os.write(self.rep_fd, data):]

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.reply({"exit": pid, "code": os.waitstatus_to_exitcode(status)})

    def run(self, error: str | None) -> dict | None:
        """Serve until the request pipe closes (None), or return the request in a forked child."""
        try:
            self.reply({"ready": self.pid, **({"error": error} if error else {})})
            return None if error else self._loop()
        except BrokenPipeError:  # the pool's process died: nobody to report to
            return None
        finally:
            if os.getpid() == self.pid:  # the server ends (not a forked child on its way out)
                self._stop_children()
                shutil.rmtree(self.run_dir, ignore_errors=True)

    def _loop(self) -> dict | None:
        wake_r, wake_w = os.pipe()
        for fd in (wake_r, wake_w):
            os.set_blocking(fd, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that the wakeup fd is written
        sel = selectors.DefaultSelector()
        sel.register(self.req_fd, selectors.EVENT_READ)
        sel.register(wake_r, selectors.EVENT_READ)
        buffer = b""
        while True:
            for key, _ in sel.select():
                if key.fd == wake_r:  # SIGCHLD: reaped below
                    with contextlib.suppress(BlockingIOError):
                        while os.read(wake_r, 512):
                            pass
                    continue
                chunk = os.read(self.req_fd, 65536)
                if not chunk:
                    return None  # the pool closed the pipe (or its process died)
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    req = json.loads(line)
                    if req["op"] == "signal":
                        if req["pid"] in self.children:  # not once reaped: the pid may be reused
                            _signal_group(req["pid"], req["signal"])
                        continue
                    try:
                        pid = os.fork()
                    except OSError as exc:
                        self.reply({"id": req["id"], "error": f"fork failed: {exc}"})
                        continue
                    if pid == 0:  # the child: leave the server's loop and its resources behind
                        sel.close()
                        signal.set_wakeup_fd(-1)
                        for fd in (self.req_fd, self.rep_fd, wake_r, wake_w):
                            os.close(fd)
                        return req
                    self.children.add(pid)
                    self.reply({"id": req["id"], "pid": pid})
            self.reap()

    def _stop_children(self) -> None:
        """SIGTERM to every kernel left, SIGKILL a second later to those still there; reap them."""
        import time

        for sig, grace in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 5.0)):
            for pid in list(self.children):
                _signal_group(pid, sig)
            deadline = time.monotonic() + grace
            while self.children and time.monotonic() < deadline:
                with contextlib.suppress(OSError):  # (BrokenPipeError: reaped, not reported)
                    self.reap()
                if self.children:
                    time.sleep(0.02)
            if not self.children:
                return


def _signal_group(pid: int, signum: int) -> None:
    """Signal a kernel's process group (it leads its own session, so this reaches what it started);
    the kernel alone if it has no group yet (forked a moment ago)."""
    try:
        os.killpg(pid, signum)
    except OSError:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)


def _run_kernel(req: dict) -> None:
    """In the forked child: become a fresh ipykernel in the requested cwd and environment; never
    returns (the process ends here)."""
    try:
        import gc

        gc.enable()
        os.setsid()  # like jupyter_client's launcher: its own session, so signals reach its group
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        if "numpy.random" in sys.modules:  # a fresh kernel does not share the server's random state
            sys.modules["numpy.random"].seed()
        import ipykernel_launcher
        from ipykernel import kernelapp

        # sys.path is as ipykernel_launcher leaves it (the server dropped its cwd from it at start)
        sys.argv = [ipykernel_launcher.__file__, *req["argv"]]
        kernelapp.launch_new_instance(argv=req["argv"])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    else:
        code = 0
    # End without tearing the interpreter down: in a forked process that would touch, and so copy,
    # every preloaded object (about a second); the exit handlers (IPython's, ipykernel's) do run.
    with contextlib.suppress(Exception):
        atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


class _ForkServer:
    """The pool's side of the fork server."""

    def __init__(self, preload: Iterable[str], run_dir: Path, env: Mapping[str, str], startup_timeout: float):
        req_r, self._req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _SERVER_BOOT, str(req_r), str(rep_w), str(run_dir),
                 json.dumps(list(preload))],
                pass_fds=(req_r, rep_w), cwd=run_dir, env=dict(env), stdin=subprocess.DEVNULL,
                start_new_session=True)  # Ctrl-C in the terminal is for the build, which stops us
        finally:
            os.close(req_r)
            os.close(rep_w)
        self._replies = os.fdopen(rep_r, "rb")
        self._lock = threading.Lock()  # the state below (the reader thread takes it too)
        self._send_lock = threading.Lock()  # writes to the request pipe (never while holding _lock)
        self._ids = itertools.count(1)
        self._waiting: dict[int, tuple[threading.Event, list]] = {}
        self._kernels: dict[int, _ForkedKernel] = {}
        self._ready = threading.Event()
        self._ready_msg: dict = {}
        self._closed = False
        self._startup_timeout = startup_timeout
        self._reader = threading.Thread(target=self._read, name="spiegel-fork-server", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        for line in self._replies:
            msg = json.loads(line)
            if "ready" in msg:
                self._ready_msg = msg
                self._ready.set()
            elif "exit" in msg:
                with self._lock:
                    kernel = self._kernels.pop(msg["exit"], None)
                if kernel is not None:
                    kernel._exited(msg["code"])
            else:
                with self._lock:
                    event, box = self._waiting.pop(msg["id"])
                    if "pid" in msg:  # registered here, before its exit can be read
                        self._kernels[msg["pid"]] = _ForkedKernel(msg["pid"], self)
                        msg["kernel"] = self._kernels[msg["pid"]]
                box.append(msg)
                event.set()
        # the server has ended: nobody reaps or reports any more; tell whoever waits
        self._ready.set()
        with self._lock:
            waiting, self._waiting = list(self._waiting.values()), {}
            kernels, self._kernels = list(self._kernels.values()), {}
        for event, box in waiting:
            box.append({"error": "the fork server ended"})
            event.set()
        for kernel in kernels:
            kernel._exited(kernel._gone_code())

    def wait_ready(self) -> None:
        if not self._ready.wait(self._startup_timeout):
            raise KernelError(f"the kernels' fork server did not start within {self._startup_timeout:.0f} s")
        if "ready" not in self._ready_msg:
            raise KernelError(f"the kernels' fork server ended while starting (exit code {self.proc.poll()})")
        if "error" in self._ready_msg:
            raise KernelError(f"the kernels' fork server could not preload: {self._ready_msg['error']}")

    def _send(self, msg: dict) -> None:
        data = (json.dumps(msg) + "\n").encode()
        with self._send_lock:
            if self._closed:
                raise KernelError("the kernel pool is closed")
            try:
                while data:
                    data = data[os.write(self._req_w, data):]
            except BrokenPipeError:
                raise KernelError("the kernels' fork server has ended") from None

    def fork(self, argv: list[str], cwd: str, env: Mapping[str, str]) -> _ForkedKernel:
        self.wait_ready()
        event, box = threading.Event(), []
        with self._lock:
            rid = next(self._ids)
            self._waiting[rid] = (event, box)
        self._send({"op": "fork", "id": rid, "argv": argv, "cwd": cwd, "env": dict(env)})
        if not event.wait(self._startup_timeout):
            raise KernelError("the kernels' fork server did not answer")
        msg = box[0]
        if "error" in msg:
            raise KernelError(f"could not start a kernel: {msg['error']}")
        return msg["kernel"]

    def signal(self, pid: int, signum: int) -> None:
        self._send({"op": "signal", "pid": pid, "signal": int(signum)})

    def close(self, timeout: float = 10.0) -> None:
        """Close the request pipe: the server stops its kernels, removes the run dir and exits."""
        with self._send_lock:
            if self._closed:
                return
            self._closed = True
            os.close(self._req_w)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout)
        self._replies.close()


class _ForkedKernel:
    """A ``subprocess.Popen``-like handle of a kernel the fork server forked. It is the server's
    child, not ours: the server reaps it and reports its exit code, and signals go through the
    server, which sends them only to a kernel it has not reaped (so never to a reused pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, server: _ForkServer):
        self.pid = pid
        self.returncode: int | None = None
        self._server = server
        self._done = threading.Event()

    def _exited(self, code: int) -> None:
        self.returncode = code
        self._done.set()

    def _gone_code(self) -> int:
        # The server died without reporting: the kernel stops by itself (parent poller); wait for it.
        import time

        for _ in range(200):
            if not pid_running(self.pid):
                break
            time.sleep(0.02)
        return -signal.SIGKILL

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
        assert self.returncode is not None
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                self._server.signal(self.pid, signum)
            except KernelError:
                if self.returncode is None and pid_running(self.pid):
                    with contextlib.suppress(OSError):
                        os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


# ============================================================================ jupyter_client side


_classes: dict[str, type] = {}
_classes_lock = threading.Lock()


def _jupyter_classes() -> tuple[type, type]:
    """The pool's KernelManager and provisioner classes (made on first use: jupyter_client is
    imported only when a kernel is started, never in the fork server)."""
    with _classes_lock:
        if not _classes:
            _classes.update(_make_classes())
        return _classes["manager"], _classes["provisioner"]


def _make_classes() -> dict[str, type]:
    import zmq
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from traitlets import Instance, default

    class PoolKernelManager(AsyncKernelManager):
        """An AsyncKernelManager (nbclient needs an async client) whose own control socket is a
        plain ZeroMQ socket, usable from any thread (the pool's start and stop may run in other
        threads than nbclient's), and which remembers the clients it made: nbclient leaves the
        client of a kernel it was handed open, the pool closes it."""

        context = Instance(zmq.Context)

        @default("context")
        def _context_default(self) -> zmq.Context:
            self._created_context = True
            return zmq.Context()

        def client(self, **kwargs: Any):
            kc = super().client(**kwargs)
            self._spiegel_clients.append(kc)
            return kc

    class ForkProvisioner(LocalProvisioner):
        """Launches the kernel by asking the pool's fork server for a forked process; its
        poll/wait/kill/terminate/interrupt act on that process (see _ForkedKernel)."""

        fork_server: _ForkServer | None = None

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            km, server = self.parent, self.fork_server
            argv = ["-f", km.connection_file, f"--IPKernelApp.parent_handle={server.pid}",
                    "--HistoryManager.hist_file=:memory:"]
            env = dict(kwargs.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(server.pid)  # as jupyter_client's launcher sets it
            self.process = server.fork(argv, str(kwargs["cwd"]), env)
            self.pid = self.pgid = self.process.pid
            self.cwd = kwargs["cwd"]
            return self.connection_info

        async def send_signal(self, signum: int) -> None:
            if self.process:
                self.process.send_signal(signum)  # the server signals the kernel's process group

    return {"manager": PoolKernelManager, "provisioner": ForkProvisioner}


def _run(coro):
    """Run a coroutine to its end in this thread (also when an event loop runs in it)."""
    from jupyter_core.utils import run_sync

    async def wrapped():
        return await coro

    return run_sync(wrapped)()


# ============================================================================ the pool


class KernelPool:
    """Starts and stops the kernels of one build (see the module's description).

    ``preload``: modules the fork server imports once (default :data:`DEFAULT_PRELOAD`; see
    :func:`preload_for`). ``fork``: use a fork server (default: on Linux, see :func:`fork_supported`).
    ``blas_threads``: BLAS/OpenMP threads per kernel. ``startup_timeout``: seconds to wait for the
    fork server and for each kernel. ``shutdown_wait``: seconds a kernel gets to end after a
    shutdown request before it is terminated, then killed.

    The fork server starts in the background when the pool is created (``with KernelPool(...)``),
    so its imports can overlap with other work (validation); :meth:`start` waits for it.
    """

    def __init__(self, preload: Iterable[str] = DEFAULT_PRELOAD, *, fork: bool | None = None,
                 blas_threads: int = 1, startup_timeout: float = 60.0, shutdown_wait: float = 2.0):
        self.fork = fork_supported() if fork is None else bool(fork)
        if self.fork and not fork_supported():
            raise KernelError("kernels are not forked on this platform; use KernelPool(fork=False)")
        self.blas_threads = int(blas_threads)
        self.startup_timeout = float(startup_timeout)
        self.shutdown_wait = float(shutdown_wait)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._kms: dict[int, Any] = {}
        self._closed = False
        self.run_dir = _private_dir()
        self._server: _ForkServer | None = None
        try:
            if self.fork:
                self._server = _ForkServer(preload, self.run_dir, self._limit_threads(os.environ),
                                           self.startup_timeout)
        except BaseException:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            raise
        self._finalizer = weakref.finalize(self, _emergency_close, self._server, self._kms, self.run_dir)

    # -- context manager
    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def fork_server_pid(self) -> int | None:
        """The fork server's process id (None without one)."""
        return self._server.pid if self._server else None

    def _limit_threads(self, env: Mapping[str, str]) -> dict[str, str]:
        env = dict(env)
        for var in BLAS_THREAD_VARIABLES:
            env[var] = str(self.blas_threads)
        return env

    def start(self, cwd: str | os.PathLike, env: Mapping[str, str] | None = None):
        """A kernel of its own for one notebook, running in ``cwd`` with ``env`` (default: this
        process's environment now), ready to be handed to ``papermill.execute_notebook(km=...)``.
        The kernel's environment also gets the pool's BLAS thread limits."""
        cwd = Path(cwd).resolve()
        if not cwd.is_dir():
            raise KernelError(f"the kernel's working directory does not exist: {cwd}")
        env = self._limit_threads(os.environ if env is None else env)
        with self._lock:
            if self._closed:
                raise KernelError("the kernel pool is closed")
            n = next(self._ids)
        manager_class, provisioner_class = _jupyter_classes()
        km = manager_class(kernel_name="python3", transport="ipc", ip=str(self.run_dir / f"k{n}"),
                           connection_file=str(self.run_dir / f"k{n}.json"))
        km._spiegel_clients = []
        km.shutdown_wait_time = self.shutdown_wait
        km.kernel_id = f"spiegel-{n}"
        if self._server is not None:
            provisioner = provisioner_class(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
            provisioner.fork_server = self._server
            km.provisioner = provisioner
        extra = [] if self._server else ["--HistoryManager.hist_file=:memory:"]
        km._spiegel_n = n
        km._spiegel_pool = self
        km._spiegel_owner = threading.current_thread()
        with self._lock:
            self._kms[n] = km
        try:
            _run(km.start_kernel(cwd=str(cwd), env=env, extra_arguments=extra))
            if self._closed:
                raise KernelError("the kernel pool was closed while the kernel started")
        except BaseException:
            with contextlib.suppress(Exception):  # the error that stopped the start is the one to see
                self._discard(n, km, kill=True)
            raise
        return km

    def kernel_pid(self, km) -> int | None:
        """The process id of a kernel started by :meth:`start` (None once it has ended)."""
        prov = km.provisioner
        return prov.pid if prov is not None and prov.has_process else None

    def stop(self, km) -> None:
        """Shut a kernel down (a shutdown request, then SIGTERM, then SIGKILL), close the clients
        nbclient opened on it and remove its connection file and sockets. A kernel that has already
        ended is fine."""
        n = getattr(km, "_spiegel_n", None)
        with self._lock:
            known = n is not None and self._kms.get(n) is km
        if not known:
            if getattr(km, "_spiegel_pool", None) is self:
                return  # stopped already (or by close())
            raise KernelError("this kernel was not started by this pool")
        self._discard(n, km, kill=self._closed)

    def _discard(self, n: int, km, kill: bool, clients: bool = True) -> None:
        try:
            if clients:
                _close_clients(km)
            _run(_shutdown(km, now=kill))
        finally:
            with self._lock:
                self._kms.pop(n, None)

    def close(self, wait: float = 10.0) -> None:
        """Kill the kernels still running, stop the fork server, remove the run dir. Idempotent.

        Safe to call while other threads still execute notebooks: their kernels are killed, so
        their runs fail (dead kernel), and a kernel started by another thread that is still alive is
        left to that thread's :meth:`stop` for up to ``wait`` seconds (nbclient's client on it must
        not be closed under its feet); the others are cleaned up here."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            kms = dict(self._kms)
        for km in kms.values():  # first stop every kernel, at once
            with contextlib.suppress(Exception):
                prov = km.provisioner
                if prov is not None and prov.process is not None:
                    prov.process.kill()
        if self._server is not None:
            self._server.close()  # kills and reaps whatever is left, removes the run dir
        import time

        deadline = time.monotonic() + wait
        errors = []
        for n, km in kms.items():
            owner = getattr(km, "_spiegel_owner", None)
            busy = owner is not None and owner is not threading.current_thread() and owner.is_alive()
            while busy and time.monotonic() < deadline:
                with self._lock:
                    if n not in self._kms:
                        break
                time.sleep(0.05)
            with self._lock:
                if n not in self._kms:
                    continue
            try:
                self._discard(n, km, kill=True, clients=not busy)
            except Exception as exc:  # noqa: BLE001 - keep stopping the others; raised below
                errors.append(exc)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        self._finalizer.detach()
        if errors:
            raise KernelError(f"could not stop {len(errors)} kernel(s): {errors[0]}")


def _close_clients(km) -> None:
    for kc in getattr(km, "_spiegel_clients", ()):
        with contextlib.suppress(Exception):
            kc.stop_channels()
    km._spiegel_clients = []


async def _shutdown(km, now: bool) -> None:
    """Like ``km.shutdown_kernel`` without its interrupt first (which makes an idle ipykernel log
    "KeyboardInterrupt caught in kernel")."""
    try:
        if km.has_kernel:
            if now:
                await km._async_kill_kernel()
            else:
                await km._async_request_shutdown()
                await km._async_finish_shutdown()
    finally:
        await km._async_cleanup_resources()


def _private_dir() -> Path:
    base = Path(tempfile.gettempdir())
    if len(str(base)) > _MAX_RUN_DIR - 30:
        base = Path("/tmp")  # TMPDIR too long for Unix socket paths
    path = Path(tempfile.mkdtemp(prefix="spiegel-kernels-", dir=base))  # mode 0700
    if len(str(path)) > _MAX_RUN_DIR:
        shutil.rmtree(path, ignore_errors=True)
        raise KernelError(f"the temporary folder's path is too long for Unix sockets: {path}; set TMPDIR "
                          f"to a shorter one")
    return path


def _emergency_close(server: _ForkServer | None, kms: dict, run_dir: Path) -> None:
    """At interpreter exit (or when a pool is dropped unclosed): kill what is left."""
    for km in list(kms.values()):
        with contextlib.suppress(Exception):
            prov = km.provisioner
            if prov is not None and prov.process is not None:
                prov.process.kill()
    if server is not None:
        with contextlib.suppress(Exception):
            server.close(timeout=5.0)
    shutil.rmtree(run_dir, ignore_errors=True)
