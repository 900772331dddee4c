"""A failing chapter notebook is reported by chapter, code cell number, section and failing line.

Small temporary notebooks in a temporary project (a folder with ``params/``) are executed with
``spiegel.build.execute`` (papermill), each failing in another way.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from spiegel.build import BuildError, execute
from spiegel.cellerror import frames, strip_ansi

PARAMS = new_code_cell("params_path = 'params/2022.yml'", metadata={"tags": ["parameters"]})


@pytest.fixture
def project(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "helpers.py").write_text(
        "def share(a, b):\n    total = a + b\n    return a / (total - total)\n", encoding="utf-8")
    return tmp_path


def run(project, cells, parameters=None) -> str:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = project / "notebooks" / "09_test.ipynb"
    nbformat.write(nb, path)
    out = project / "build" / "2022" / "notebooks" / path.name
    with pytest.raises(BuildError) as err:
        execute(path, out, {"params_path": "params/2022.yml"} if parameters is None else parameters,
                progress=False)
    message = str(err.value)
    assert "\x1b[" not in message, "colour codes in the message"
    assert str(project) not in message and "/tmp" not in message, "absolute path in the message"
    assert "notebooks/09_test.ipynb" in message and "chapter 'Testhoofdstuk'" in message
    assert "executed notebook kept at build/2022/notebooks/09_test.failed.ipynb" in message
    return message


def test_error_in_the_setup_cell(project):
    message = run(project, [
        new_markdown_cell("# Testhoofdstuk"), PARAMS,
        new_code_cell("import math\nfrom helpers import does_not_exist\nx = 1"),
        new_markdown_cell("## Inleiding"), new_code_cell("y = 2"),
    ])
    assert "failed in code cell 2, section 'Testhoofdstuk':" in message  # the parameters cell is code cell 1
    assert "ImportError: cannot import name 'does_not_exist' from 'helpers'" in message
    assert "line 2 of the cell: from helpers import does_not_exist" in message
    assert "the kept notebook shows In [3]" in message  # papermill's injected cell ran as In [2]


def test_error_in_a_later_cell_under_a_section_heading(project):
    message = run(project, [
        new_markdown_cell("# Testhoofdstuk\n\nIntro."), PARAMS,
        new_code_cell("rows = [1, 2, 3]"),
        new_markdown_cell("## Kenmerken doelgroep\n\nTekst."),
        new_code_cell("a = 1"),
        new_markdown_cell("### Leeftijd {.unnumbered}"),
        new_code_cell("first = rows[0]\nmissing = rows[10]\nprint(missing)"),
        new_markdown_cell("## Volgende sectie"), new_code_cell("b = 2"),
    ])
    assert "failed in code cell 4, section 'Kenmerken doelgroep › Leeftijd':" in message
    assert "IndexError: list index out of range" in message
    assert "line 2 of the cell: missing = rows[10]" in message
    assert "first = rows[0]" not in message and "print(missing)" not in message  # only the failing line
    assert "raised in" not in message  # raised by the cell itself


def test_syntax_error(project):
    message = run(project, [
        new_markdown_cell("# Testhoofdstuk"), PARAMS,
        new_markdown_cell("## Tabellen"),
        new_code_cell("x = 1\ny = (x +\nz = 3"),
    ])
    assert "failed in code cell 2, section 'Tabellen':" in message
    assert re.search(r"SyntaxError: (invalid syntax|'\(' was never closed)", message), message
    assert ".py, line" not in message  # not the kernel's temporary file name
    assert "line 2 of the cell: y = (x +" in message or "line 3 of the cell: z = 3" in message, message


def test_error_inside_a_function_of_a_module_shows_the_calling_line(project):
    message = run(project, [
        new_markdown_cell("# Testhoofdstuk"), PARAMS,
        new_code_cell("import helpers"),
        new_markdown_cell("## Aandelen"),
        new_code_cell("a = 3\nresult = helpers.share(a, 4)\nprint(result)"),
    ])
    assert "failed in code cell 3, section 'Aandelen':" in message
    assert "ZeroDivisionError: division by zero" in message
    assert "line 2 of the cell: result = helpers.share(a, 4)" in message
    assert "raised in notebooks/helpers.py:3, in share(): return a / (total - total)" in message


def test_error_inside_a_package_function_shows_the_calling_line(project):
    message = run(project, [
        new_markdown_cell("# Testhoofdstuk"), PARAMS,
        new_code_cell("from spiegel import fmt"),
        new_markdown_cell("## Data"), new_markdown_cell("Alleen tekst, geen kop."),
        new_code_cell("label = 'geen maand'\nwhen = fmt.month(label)"),
    ])
    assert "failed in code cell 3, section 'Data':" in message
    assert "ValueError: not enough values to unpack" in message
    assert "line 2 of the cell: when = fmt.month(label)" in message
    # the package lives outside this temporary project: its file by name only
    assert re.search(r"raised in fmt\.py:\d+, in month\(\): year, mon = ", message), message


def test_error_in_a_function_defined_in_an_earlier_cell(project):
    message = run(project, [
        new_markdown_cell("# Testhoofdstuk"), PARAMS,
        new_code_cell("def ratio(d):\n    return d['teller'] / d['noemer']"),
        new_markdown_cell("## Berekening"),
        new_code_cell("value = ratio({'teller': 1})"),
    ])
    assert "failed in code cell 3, section 'Berekening':" in message
    assert "KeyError: 'noemer'" in message
    assert "line 1 of the cell: value = ratio({'teller': 1})" in message
    assert "raised in code cell 2 (In [3]), line 2, in ratio(): return d['teller'] / d['noemer']" in message


def test_without_injected_parameters_the_counts_agree(project):
    message = run(project, [
        new_markdown_cell("# Testhoofdstuk"), new_code_cell("x = 1"),
        new_markdown_cell("## Een"), new_code_cell("assert x == 2, 'x is not 2'"),
    ], parameters={})
    assert "failed in code cell 2, section 'Een':" in message
    assert "AssertionError: x is not 2" in message and "In [2]" in message


def test_traceback_frames_are_parsed_without_colour():
    tb = ["\x1b[31mValueError\x1b[39m   Traceback (most recent call last)",
          "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[4]\x1b[39m\x1b[32m, line 2\x1b[39m\n"
          "\x1b[32m      1\x1b[39m y = 2\n\x1b[32m----> \x1b[39m\x1b[32m2\x1b[39m z = f()\n",
          "\x1b[36mFile \x1b[39m\x1b[32m/opt/x/mod.py:10\x1b[39m, in \x1b[36mf\x1b[39m\x1b[34m()\x1b[39m\n"
          "\x1b[32m---> \x1b[39m\x1b[32m10\x1b[39m     raise ValueError\n",
          "\x1b[31mValueError\x1b[39m: boom"]
    got = frames(tb)
    assert [(f.cell, f.file, f.line, f.function, f.code) for f in got] == [
        (4, None, 2, None, "z = f()"), (None, "/opt/x/mod.py", 10, "f", "raise ValueError")]
    assert strip_ansi(tb[-1]) == "ValueError: boom"
