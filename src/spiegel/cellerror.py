"""Describe why a chapter notebook failed: which cell, in which section, and which line.

papermill reports a failure as the whole IPython traceback of the failing cell (with ANSI colour
codes) and the index of the cell in the *executed* notebook, which holds an extra cell papermill
injects with the parameters. ``describe_failure`` turns that into a message a chapter author can act
on::

    notebooks/03_uwv.ipynb (chapter "Re-integratieondersteuning UWV") failed in code cell 7,
    section "Context › Cijfers":
      ValueError: not enough values to unpack (expected 2, got 1)
      line 2 of the cell: z = fmt.month(peil)
      raised in src/spiegel/fmt.py:304, in month(): year, mon = str(period).split("-")[:2]
      (code cell 7 = the 7th code cell from the top of the notebook, Markdown cells not counted;
      the kept notebook build/2022/notebooks/03_uwv.failed.ipynb shows it as In [8])

- *code cell N*: the cell's position among the code cells of the notebook as it is in the
  repository (the parameters cell counts, papermill's injected cell does not); run from the top
  in Jupyter, that is also its execution count ``In [N]``. The execution count in the kept failed
  notebook is given too, as it differs by one after the injected cell.
- *section*: the nearest Markdown heading above the cell, after the `##` heading it belongs to.
- *line of the cell*: the line of the cell that raised, from the traceback: for an error inside a
  function the cell called (a package function, or one defined in an earlier cell), the cell's
  calling line, then where it was raised.

Paths are shown relative to the project root (the folder that holds ``params/``), paths outside it
by their file name only; colour codes are removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from spiegel.io import scrub_paths, shown_path

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
#: Tags papermill gives the cells it adds: the parameters it injects and its error banners.
INJECTED_TAG, ERROR_TAG = "injected-parameters", "papermill-error-cell-tag"
# A traceback frame header: a cell (IPython >= 8.5: "Cell In[4], line 2", "Cell In[3], line 2, in
# ratio(d)"; 8.0-8.4: "Input In [4], in <cell line: 2>()") or a file ("File /x/fmt.py:304, in month(period)").
_CELL_FRAME = re.compile(r"^\s*(?:Cell In\s*\[(\d+)\], line (\d+)|Input In \[(\d+)\], in <cell line: (\d+)>)"
                         r"(?:, in (\w+)\()?")
_FILE_FRAME = re.compile(r"^\s*File (.+?):(\d+)(?:, in (\S+?)(?:\(.*)?)?$")
_ARROW = re.compile(r"^\s*-+>\s*(\d+)\s?(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{[^}]*\})?\s*#*\s*$")


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes."""
    return ANSI.sub("", text)


def project_root(path: Path) -> Path | None:
    """The project root of a file inside it: the nearest folder above it that holds ``params/``."""
    for folder in Path(path).resolve().parents:
        if (folder / "params").is_dir():
            return folder
    return None


@dataclass
class Frame:
    """One frame of the traceback: a cell (``cell`` = its execution count) or a file."""

    line: int
    code: str = ""
    cell: int | None = None
    file: str | None = None
    function: str | None = None


def frames(traceback: list[str] | str) -> list[Frame]:
    """The frames of an IPython traceback (outermost first), with the line that ran in each."""
    text = strip_ansi("\n".join(traceback) if isinstance(traceback, list) else traceback)
    out: list[Frame] = []
    for line in text.splitlines():
        if m := _CELL_FRAME.match(line):
            count, number = (m[1], m[2]) if m[1] else (m[3], m[4])
            out.append(Frame(int(number), cell=int(count), function=m[5]))
        elif m := _FILE_FRAME.match(line):
            out.append(Frame(int(m[2]), file=m[1], function=m[3]))
        elif out and (m := _ARROW.match(line)) and int(m[1]) == out[-1].line and not out[-1].code:
            out[-1].code = m[2].strip()
    return out


def _cells_as_committed(executed: Any) -> list[Any]:
    """The executed notebook's cells without papermill's error banners (the error's cell index
    counts cells before papermill added them)."""
    return [c for c in executed.cells if ERROR_TAG not in c.get("metadata", {}).get("tags", [])]


def _heading_trail(cells: list[Any], index: int) -> str | None:
    """The nearest Markdown heading above ``cells[index]``, after its level-2 parent if deeper."""
    trail: dict[int, str] = {}
    for cell in cells[:index]:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if m := _HEADING.match(line.strip()):
                level = len(m[1])
                trail = {k: v for k, v in trail.items() if k < level}
                trail[level] = m[2]
    if not trail:
        return None
    deepest = max(trail)
    parts = [trail[k] for k in sorted(trail) if k >= 2 or k == deepest]
    return " › ".join(parts[-2:])


def _title(cells: list[Any]) -> str | None:
    for cell in cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if (m := _HEADING.match(line.strip())) and len(m[1]) == 1:
                    return m[2]
    return None


def _exception_line(exc: Any, text: list[str]) -> str:
    """``Type: message`` as the traceback's last line has it (for a SyntaxError without the
    kernel's temporary file name that ``evalue`` carries)."""
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", "")
    lines = [line for line in text if line.strip()]
    if ename and lines and lines[-1].startswith(f"{ename}:"):
        return lines[-1].strip()
    if ename:
        return f"{ename}: {evalue}" if evalue else ename
    return lines[-1].strip() if lines else type(exc).__name__


def describe_failure(exc: BaseException, notebook: Path, executed: Path | None = None) -> str:
    """The message for a failed run of ``notebook``; ``executed`` is the kept executed notebook
    (read for the cell layout; named in the message)."""
    root = project_root(notebook)
    name = shown_path(notebook, root)
    kept = f"executed notebook kept at {shown_path(executed, root)}" if executed and executed.exists() else None
    traceback = getattr(exc, "traceback", None)
    if traceback is None or getattr(exc, "cell_index", None) is None:  # not a cell error (kernel died, timeout, …)
        text = [line for line in strip_ansi(str(exc)).splitlines() if line.strip()]
        what = " | ".join(text[-3:]) if text else type(exc).__name__
        return scrub_paths(f"{name} failed: {type(exc).__name__}: {what}" + (f" ({kept})" if kept else ""), root)

    try:
        cells = _cells_as_committed(nbformat.read(executed, as_version=4)) if kept else None
    except Exception:  # noqa: BLE001 - the message must not fail; fall back to the notebook itself
        cells = None
    index = exc.cell_index
    if cells is None or index >= len(cells) or cells[index].source != exc.source:
        cells = None
    cells_executed = cells is not None
    if cells is None:  # the committed notebook, with the injected cell's place left out
        cells = nbformat.read(notebook, as_version=4).cells
        matches = [i for i, c in enumerate(cells) if c.cell_type == "code" and c.source == exc.source]
        index = min(matches, key=lambda i: abs(i - index)) if matches else None
    code_cells = [c for c in cells if c.cell_type == "code" and INJECTED_TAG not in c.metadata.get("tags", [])]
    cell = cells[index] if index is not None else None
    position = next((i + 1 for i, c in enumerate(code_cells) if c is cell), None)

    title = _title(cells)
    head = f"{name}{f' (chapter {title!r})' if title else ''} failed"
    if position is not None:
        head += f" in code cell {position}"
        section = _heading_trail(cells, index)
        head += f", section {section!r}" if section else ", before the first heading"
    elif cell is not None and INJECTED_TAG in cell.metadata.get("tags", []):
        head += " in the parameters cell papermill injected"
    text = strip_ansi("\n".join(traceback)).splitlines()
    lines = [head + ":", f"  {_exception_line(exc, text)}"]

    stack = frames(traceback)
    count = getattr(exc, "exec_count", None)
    own = [f for f in stack if f.cell is not None and (f.cell == count or count is None)]
    source = (exc.source or "").splitlines()
    if own:
        number = own[0].line
        code = source[number - 1].strip() if 0 < number <= len(source) else own[0].code
        lines.append(f"  line {number} of the cell: {code}")
    deeper = stack[stack.index(own[0]) + 1:] if own else stack
    if deeper:
        inner = [f for f in deeper if f.file and root and _inside(f.file, root)] or deeper
        f = inner[-1]
        if f.file:
            where = f"{shown_path(f.file, root)}:{f.line}"
        else:  # a function defined in an earlier cell
            earlier = next((i + 1 for i, c in enumerate(code_cells) if c.get("execution_count") == f.cell), None)
            where = f"code cell {earlier} (In [{f.cell}]), line {f.line}" if earlier and cells_executed \
                else f"the cell run as In [{f.cell}], line {f.line}"
        func = f", in {f.function}()" if f.function and f.function != "<module>" else ""
        lines.append(f"  raised in {where}{func}" + (f": {f.code}" if f.code else ""))
        if f is not deeper[-1] and deeper[-1].file:
            last = deeper[-1]
            lines.append(f"  (innermost: {Path(last.file).name}:{last.line}, in {last.function}())")
    note = []
    if position is not None:
        note.append(f"code cell {position} = the code cell at position {position} from the top of {name}, "
                    f"Markdown cells not counted")
        if count is not None:
            note.append(f"{'the kept notebook shows' if kept else 'executed as'} In [{count}]")
    if kept:
        note.append(kept)
    if note:
        lines.append(f"  ({'; '.join(note)})")
    return scrub_paths("\n".join(lines), root)


def _inside(file: str, root: Path) -> bool:
    """Whether ``file`` is the project's own code (not an installed package, even in ``.venv``)."""
    try:
        rel = Path(file).resolve().relative_to(root)
    except (ValueError, OSError):
        return False
    return not any(part.startswith(".") or part in ("site-packages", "dist-packages") for part in rel.parts)
