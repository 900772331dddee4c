"""Reading a built PDF as its readers' tools do: poppler's text and bookmarks, and the alt texts
(``/Alt``) of its tagged figures. Independent of how spiegel writes the PDF."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

POPPLER = ("pdftotext", "pdffonts", "pdfinfo", "pdftohtml")


def need_poppler() -> None:
    """Skip without poppler-utils locally; fail in CI, where .ci/run installs them."""
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"poppler-utils ({', '.join(missing)}) must be installed in CI (.ci/run)")
        pytest.skip("poppler-utils not installed")


def text(pdf: Path) -> str:
    """The PDF's text with its layout (pages separated by form feeds)."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def outline(pdf: Path, *, numbers: bool = False) -> list[str]:
    """The PDF's bookmarks in order (poppler's ``pdftohtml -xml``), without section numbers unless
    ``numbers``."""
    xml = subprocess.run(["pdftohtml", "-xml", "-i", "-stdout", str(pdf)], capture_output=True, text=True,
                         check=True).stdout
    start = xml.find("<outline>")
    items = [html.unescape(t).strip() for t in re.findall(r"<item[^>]*>([^<]*)", xml[start:])] if start >= 0 else []
    return items if numbers else [re.sub(r"^[\d.]+\s+", "", item) for item in items]


# A PDF string after /Alt: literal "(…)" (escapes, balanced parentheses one level deep) or hex "<…>".
LITERAL_OR_HEX = rb"/Alt\s*(\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)|<[0-9A-Fa-f]+>)"


def alt_texts(pdf: bytes) -> list[str]:
    """Every ``/Alt`` string in the PDF, also inside compressed object streams."""
    chunks = [pdf]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    found = []
    for chunk in chunks:
        for raw in re.findall(LITERAL_OR_HEX, chunk):
            if raw.startswith(b"<"):
                data = bytes.fromhex(raw[1:-1].decode())
                found.append(data.decode("utf-16") if data[:2] == b"\xfe\xff" else data.decode("latin-1"))
            else:
                found.append(re.sub(rb"\\([()\\])", rb"\1", raw[1:-1]).decode("latin-1"))
    return found
