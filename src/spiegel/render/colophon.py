"""The cover, the colophon and the back cover: what produced this book, as plain data.

:func:`colophon_data` gathers, from what the build already computed, everything a reader needs to
tell which data and which software produced the report:

- the build date: ``SOURCE_DATE_EPOCH`` when set (reproducible renders), else today;
- the git revision of the project (short hash, and whether the work tree has local changes;
  ``None`` without git or outside a repository);
- the versions of spiegel, Python, pandas, Great Expectations, papermill, pandoc and Typst;
- per source: its project-relative path and full SHA-256 (from the book's manifest,
  :func:`spiegel.buildstate.build_manifest`; files outside the project by name only), its contract
  and the contract's result (from the validation of exactly these files: ``validation.gate.json``
  and ``validation.json`` in the build state), and whether it is synthetic or real
  (:mod:`spiegel.render.provenance`).

:func:`colophon_html` and :func:`typst_value` turn the data into the HTML page and into a Typst
value that ``template.typ`` lays out; :func:`cover_data` and :func:`back_cover_data` read the
cover's and back cover's texts from the params (``publisher``, ``ministry``, ``publication_date``,
``publication_number``, ``publisher_address``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from spiegel.render import provenance
from spiegel.render.errors import RenderError

PAGE = "colofon.html"
TITLE = "Colofon"
#: Software named in the colophon: (shown name, distribution name); pandoc is asked itself.
SOFTWARE = (("spiegel", "spiegel"), ("pandas", "pandas"), ("Great Expectations", "great_expectations"),
            ("papermill", "papermill"), ("Typst", "typst"))
UNKNOWN = "onbekend"


# ------------------------------------------------------------------------------------------------
# the facts


def build_date(environ: Mapping[str, str] | None = None) -> dt.date:
    """The date of this build: ``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC, as in
    reproducible-builds.org) when set, so two renders of the same inputs are byte-identical; else
    today's date."""
    environ = os.environ if environ is None else environ
    value = (environ.get("SOURCE_DATE_EPOCH") or "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise RenderError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds since 1970-01-01 "
                          "(the build date of the colophon); set it to e.g. $(date +%s), or unset it for "
                          "today's date") from None


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=30,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def git_revision(root: Path) -> dict[str, Any] | None:
    """``{"commit": <short hash>, "dirty": <local changes>}`` of the git work tree holding ``root``,
    or None (no git, not a repository, no commit yet). Local changes: tracked files changed and
    files not ignored that are not tracked (``git status --porcelain``); build outputs and data
    are ignored by ``.gitignore``."""
    commit = _git(root, "rev-parse", "--short", "HEAD")
    if not commit or not commit.strip():
        return None
    status = _git(root, "status", "--porcelain")
    return {"commit": commit.strip(), "dirty": None if status is None else bool(status.strip())}


def pandoc_version() -> str:
    from spiegel.render.book import pandoc_path

    try:
        proc = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, timeout=60)
        first = proc.stdout.splitlines()[0] if proc.returncode == 0 and proc.stdout else ""
    except (OSError, subprocess.SubprocessError, RenderError):
        return UNKNOWN
    return first.split()[-1] if first.startswith("pandoc") else UNKNOWN


def software_versions() -> list[tuple[str, str]]:
    """(name, version) of the software that made the book, in the colophon's order."""
    out = []
    for shown, dist in SOFTWARE:
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = UNKNOWN
        out.append((shown, version))
    out.insert(1, ("Python", platform.python_version()))
    out.insert(5, ("pandoc", pandoc_version()))
    return out


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def validation_results(edition: Any, manifest: Mapping[str, Any]) -> dict[str, dict[str, Any] | None]:
    """Source id -> the result of its contract on exactly the file in the manifest (``ok``,
    ``rules``, ``failed``), or None when the build state holds no validation of that file with that
    contract. Read from ``validation.gate.json`` (which files and contracts were validated) and
    ``validation.json`` (the rules per dataset) in the edition's build state."""
    state = Path(edition.build_dir)
    gate = _read_json(state / "validation.gate.json")
    report = _read_json(state / "validation.json")
    out: dict[str, dict[str, Any] | None] = {sid: None for sid in manifest["data"]}
    if not isinstance(gate, dict) or not isinstance(report, dict):
        return out
    recorded = (manifest.get("validation") or {}).get("report_sha256")
    if recorded is not None and gate.get("report_sha256") != recorded:
        return out  # not the validation the book was published after
    validated = gate.get("inputs") or {}
    datasets = {d.get("dataset"): d for d in report.get("datasets") or [] if isinstance(d, dict)}
    for sid, entry in manifest["data"].items():
        contract = _contract_name(edition, sid)
        same_file = (validated.get("data") or {}).get(sid) == entry.get("sha256")
        same_contract = contract is not None and (validated.get("contracts") or {}).get(contract) == \
            (manifest.get("contracts") or {}).get(contract, {}).get("sha256")
        found = datasets.get(sid)
        if same_file and same_contract and found is not None and found.get("contract") == contract:
            rules = found.get("rules") or []
            out[sid] = {"ok": bool(found.get("ok")), "rules": len(rules),
                        "failed": sum(1 for r in rules if not r.get("ok"))}
    return out


def _contract_name(edition: Any, sid: str) -> str | None:
    source = edition.sources.get(sid)
    return source.contract if source is not None else None


def current_manifest(edition: Any) -> dict[str, Any]:
    """The manifest's inputs computed now (``spiegel.buildstate.current_inputs``), for a render
    that was not handed the build's manifest (e.g. ``spiegel preview``)."""
    from spiegel.buildstate import GATE_NAME, current_inputs

    inputs = current_inputs(edition)
    gate = _read_json(Path(edition.build_dir) / GATE_NAME) or {}
    return {"params": inputs["params"], "data": inputs["data"], "contracts": inputs["contracts"],
            "validation": {"ok": bool(gate.get("ok")), "report_sha256": gate.get("report_sha256")}}


def colophon_data(edition: Any, manifest: Mapping[str, Any] | None = None, *,
                  environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Everything the colophon prints, as plain data (see the module docstring). ``manifest`` is
    the book's manifest (``spiegel.buildstate.build_manifest``); without one, the inputs are
    fingerprinted now the same way."""
    from spiegel.render.book import colofon_paragraphs, dutch_date

    manifest = dict(manifest) if manifest is not None else current_manifest(edition)
    synthetic = provenance.synthetic_sources(edition, {sid: e["sha256"] for sid, e in manifest["data"].items()})
    results = validation_results(edition, manifest)
    sources = []
    for sid in synthetic:
        entry = manifest["data"][sid]
        source = edition.sources.get(sid)
        contract = _contract_name(edition, sid)
        sources.append({
            "id": sid,
            "title": source.title if source is not None else "",
            "file": entry["file"],
            "sha256": entry["sha256"],
            "contract": contract,
            "contract_file": ((manifest.get("contracts") or {}).get(contract) or {}).get("file"),
            "result": results.get(sid),
            "synthetic": synthetic[sid],
        })
    day = build_date(environ)
    return {
        "intro": colofon_paragraphs(edition),
        "build_date": day.isoformat(),
        "build_date_text": dutch_date(day),
        "revision": git_revision(Path(edition.root)),
        "software": software_versions(),
        "params": dict(manifest["params"]),
        "sources": sources,
        "synthetic": synthetic,
        "banner": provenance.banner(synthetic),
        "notice": provenance.notice(synthetic),
    }


def cover_data(edition: Any) -> dict[str, Any]:
    """The cover (PDF first page, the HTML title page's header)."""
    from spiegel.render.book import _pub_date, dutch_date

    day = _pub_date(edition)
    return {"title": edition.title, "subtitle": edition.raw.get("subtitle"),
            "edition": f"Editie {edition.edition}", "publisher": edition.raw.get("publisher") or "",
            "ministry": edition.raw.get("ministry"), "date": day.isoformat() if day else None,
            "date_text": dutch_date(day)}


def back_cover_data(edition: Any) -> dict[str, Any] | None:
    """The back cover (PDF last page): who publishes, the address, date and publication number;
    None (no back cover) when the params name no publisher."""
    from spiegel.render.book import _pub_date, dutch_date

    if not edition.raw.get("publisher"):
        return None
    number = edition.raw.get("publication_number")
    day = dutch_date(_pub_date(edition))
    last = " | ".join(p for p in (day, f"Publicatie-nr. {number}" if number else "") if p)
    return {"publisher": edition.raw.get("publisher") or "", "ministry": edition.raw.get("ministry"),
            "address": list(edition.raw.get("publisher_address") or []), "line": last}


# ------------------------------------------------------------------------------------------------
# wording shared by HTML and Typst


def revision_text(revision: Mapping[str, Any] | None) -> str:
    if not revision:
        return UNKNOWN
    if revision.get("dirty"):
        return f"{revision['commit']} met lokale wijzigingen"
    return str(revision["commit"]) if revision.get("dirty") is not None else f"{revision['commit']} (status onbekend)"


def result_text(result: Mapping[str, Any] | None) -> str:
    if result is None:
        return "niet gevalideerd"
    if result["ok"]:
        return f"geslaagd ({result['rules']} regels)"
    return f"niet geslaagd ({result['failed']} van {result['rules']} regels)"


def kind_text(is_synthetic: bool) -> str:
    return "synthetisch" if is_synthetic else "echt"


KIND_NOTE = ("Synthetisch: het bestand is byte voor byte wat de generator van synthetische data schreef "
             "(vastgelegd in data/.synthetic-manifest.json); echt: elk ander bestand.")
FINGERPRINT_NOTE = ("De vingerafdruk (SHA-256) van elk bestand is te controleren met sha256sum; "
                    "hetzelfde bestand geeft dezelfde vingerafdruk.")


def _facts(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [("Gebouwd op", data["build_date_text"]), ("Versie (git)", revision_text(data["revision"]))]


# ------------------------------------------------------------------------------------------------
# HTML


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def cover_html(cover: Mapping[str, Any], notice: str | None) -> str:
    """The HTML title page's header: title, edition, publisher and ministry, date, and the
    notice when some source is synthetic."""
    parts = ['<header class="sp-titlepage">']
    if cover["publisher"]:
        parts.append(f'<p class="sp-meta sp-publisher-name">{_e(cover["publisher"])}</p>')
    if cover["ministry"]:
        parts.append(f'<p class="sp-meta sp-ministry">{_e(cover["ministry"])}</p>')
    parts.append(f"<h1>{_e(cover['title'])}</h1>")
    if cover["subtitle"]:
        parts.append(f'<p class="sp-meta sp-subtitle">{_e(cover["subtitle"])}</p>')
    parts.append(f'<p class="sp-meta sp-edition">{_e(cover["edition"])}</p>')
    if cover["date"]:
        parts.append(f'<p class="sp-meta sp-date"><time datetime="{_e(cover["date"])}">{_e(cover["date_text"])}</time></p>')
    if notice:
        parts.append(f'<p class="sp-synthetic-note" role="note">{_e(notice)}</p>')
    parts.append("</header>")
    return "\n".join(parts)


def colophon_html(data: Mapping[str, Any]) -> str:
    """The body of ``colofon.html`` (HTML, set into the site template)."""
    parts = ['<section class="sp-colophon" aria-labelledby="sp-colophon-title">',
             f'<h1 id="sp-colophon-title">{TITLE}</h1>']
    parts += [f"<p>{_e(p)}</p>" for p in data["intro"]]
    parts.append('<h2 id="sp-colophon-build">Deze uitgave</h2><dl class="sp-colophon-facts">')
    for label, value in _facts(data):
        if label == "Gebouwd op":
            value_html = f'<time datetime="{_e(data["build_date"])}">{_e(value)}</time>'
        else:
            value_html = _e(value)
        parts.append(f"<dt>{_e(label)}</dt><dd>{value_html}</dd>")
    parts.append(f'<dt>Parameters</dt><dd><span class="sp-source-file">{_e(data["params"]["file"])}</span>'
                 f'<code class="sp-sha256">{_e(data["params"]["sha256"])}</code></dd>')
    parts.append("</dl>")
    parts.append('<h2 id="sp-colophon-software">Software</h2><table class="sp-colophon-software">'
                 '<thead><tr><th scope="col">Programma</th><th scope="col">Versie</th></tr></thead><tbody>')
    parts += [f'<tr><th scope="row">{_e(n)}</th><td>{_e(v)}</td></tr>' for n, v in data["software"]]
    parts.append("</tbody></table>")
    parts.append('<h2 id="sp-colophon-sources">Brongegevens</h2>')
    parts.append(f"<p>{_e(FINGERPRINT_NOTE)} {_e(KIND_NOTE)}</p>")
    parts.append('<div class="sp-table-wrap"><table class="sp-colophon-sources"><thead><tr>'
                 '<th scope="col">Bron</th><th scope="col">Bestand en SHA-256</th>'
                 '<th scope="col">Contract</th><th scope="col">Gegevens</th></tr></thead><tbody>')
    for s in data["sources"]:
        kind = kind_text(s["synthetic"])
        parts.append(
            f'<tr id="bron-{_e(s["id"])}" data-source="{_e(s["id"])}" data-kind="{kind}">'
            f'<th scope="row"><span class="sp-source-id">{_e(s["id"])}</span>'
            f'<span class="sp-source-title">{_e(s["title"])}</span></th>'
            f'<td><span class="sp-source-file">{_e(s["file"])}</span>'
            f'<code class="sp-sha256">{_e(s["sha256"])}</code></td>'
            f'<td><span title="{_e(s["contract_file"] or "")}">{_e(s["contract"] or UNKNOWN)}</span>: '
            f'{_e(result_text(s["result"]))}</td>'
            f'<td class="sp-kind-{kind}">{kind}</td></tr>')
    parts.append("</tbody></table></div></section>")
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------------
# Typst


def typst_value(value: Any) -> str:
    """A Typst literal for plain data: dicts -> dictionaries, lists/tuples -> arrays, text -> strings."""
    from spiegel.render.book import typst_string

    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return typst_string(value)
    if isinstance(value, Mapping):
        if not value:
            return "(:)"
        return "(" + ", ".join(f"{typst_string(str(k))}: {typst_value(v)}" for k, v in value.items()) + ")"
    if isinstance(value, (list, tuple)):
        return "(" + "".join(typst_value(v) + ", " for v in value) + ")"
    return typst_string(str(value))


def colophon_typst(data: Mapping[str, Any]) -> dict[str, Any]:
    """The colophon as the Typst template lays it out (texts already worded)."""
    return {
        "intro": list(data["intro"]),
        "facts": [list(f) for f in _facts(data)],
        "params": {"file": data["params"]["file"], "sha256": data["params"]["sha256"]},
        "software": [list(s) for s in data["software"]],
        "sources": [{"id": s["id"], "title": s["title"], "file": s["file"], "sha256": s["sha256"],
                     "contract": f"{s['contract'] or UNKNOWN}: {result_text(s['result'])}",
                     "kind": kind_text(s["synthetic"])} for s in data["sources"]],
        "notes": [FINGERPRINT_NOTE, KIND_NOTE],
    }
