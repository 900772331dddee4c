"""Load and check an edition's parameters (``params/<edition>.yml``).

The file is validated against a schema (pydantic models below) on load: every key, its type and
what values are allowed. Problems are raised as one ``ParamsError`` whose message has one line per
problem, naming the params file, the key path (``sources.klanten_pw.file``, ``chapters[1].number``,
list positions counted from 0), the value given and what is allowed.

Project root: the nearest folder holding both ``data_contracts/`` and ``params/``, searched
upwards from the params file's folder, and otherwise upwards from the current directory. Relative
paths in the params (source files, notebooks) are relative to that root; absolute paths stay as
they are.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import json
import os
import re
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo,
                      field_validator, model_validator)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

#: Survey cells and register counts based on fewer units than this are no disclosure control at all.
MIN_DISCLOSURE_THRESHOLD = 5
DEFAULT_ALPHA = 0.05
DEFAULT_CONFIDENCE = 0.95
#: The folders that mark the project root.
ROOT_MARKERS = ("data_contracts", "params")
#: How `spiegel new-edition` marks a value that must be filled in (a text starting with this).
MARK = "FILL IN"


class ParamsError(ValueError):
    """The params file is missing, unreadable or does not conform to the schema.

    ``problems`` holds one readable line per problem; ``str()`` joins them with newlines."""

    def __init__(self, message: str | list[str]):
        self.problems = [message] if isinstance(message, str) else list(message)
        super().__init__("\n".join(self.problems))


class ChapterScopeError(ParamsError):
    """A chapter asked for params that concern other chapters only: another chapter's analysis
    choices, a source it does not list, another chapter's notebook or sources.

    Not a ``KeyError`` on purpose: ``.get()``, ``in`` tests and the text's placeholders must not
    turn the refusal into a silent "not given"."""


# --------------------------------------------------------------------------- YAML


_BOOL_TAG = "tag:yaml.org,2002:bool"


class _ParamsLoader(yaml.SafeLoader):
    """YAML 1.2 booleans only (``true``/``false``; ``yes``, ``no``, ``on``, ``off`` stay text, so the
    schema refuses them where a boolean belongs), and a key given twice in one mapping is an error."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice (lines {seen[key]} and {line})", key_node.start_mark)
            seen[key] = line
        return super().construct_mapping(node, deep)


_ParamsLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ParamsLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


# --------------------------------------------------------------------------- schema


def _fail(message: str, **ctx: Any):
    raise PydanticCustomError("spiegel", message, ctx)


def _not_blank(value: str) -> str:
    if not value.strip():
        _fail("empty text is not allowed; must be non-empty text")
    return value


def _year_month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        _fail("{value} is not allowed; must be a month written YYYY-MM (e.g. \"2019-03\")", value=_shown(value))
    return value


Text = Annotated[str, AfterValidator(_not_blank), Field(description="non-empty text")]
Year = Annotated[int, Field(ge=1900, le=2100, description="a year (a whole number, e.g. 2021)")]
YearMonth = Annotated[str, AfterValidator(_year_month), Field(description='a month written "YYYY-MM"')]
PublicationNumber = Annotated[str, AfterValidator(_not_blank), Field(
    description='text in quotes (e.g. "22406904"): the publication number on the back cover; unquoted, YAML '
                "reads the digits as a number (and drops leading zeros)")]
ChapterId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$",
                                 description="a chapter id (lower-case letters, digits and _)")]


class _Model(BaseModel):
    # strict: no coercion ("false" is not a bool, 2.5 is not an int); forbid: unknown keys are errors.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class SourceSpec(_Model):
    file: Text = Field(description="the path of the data file (relative to the project root, or absolute)")
    contract: Text = Field(description="the name of the data contract in data_contracts/")
    title: Text
    bron: Text
    fieldwork: Text | None = None
    population: Text | None = Field(None, description="who was asked or counted (the method overview of the Inleiding)")
    unit: Text | None = Field(None, description="what one row of the file is, plural (respondenten, huishoudens, regio's); "
                              "leave it out for a file of aggregates")
    sample: int | None = Field(None, ge=1, description="a whole number of at least 1: how many were asked (for the response)")


def _book_file(value: str, info: ValidationInfo) -> str:
    root = (info.context or {}).get("root")
    if root is not None and not resolve_path(root, value).is_file():
        _fail("file {value} does not exist (looked for {path})", value=_shown(value), path=str(resolve_path(root, value)))
    return value


BookFile = Annotated[str, AfterValidator(_not_blank), AfterValidator(_book_file),
                     Field(description="the path of an existing file (relative to the project root)")]


class BookPageSpec(_Model):
    file: BookFile
    numbered: bool = Field(False, description="true or false: whether the page is a numbered chapter (1 Inleiding, 7 Naschrift)")

    @field_validator("file")
    @classmethod
    def _markdown(cls, value: str) -> str:
        if not value.endswith(".md"):
            _fail("{value} is not allowed; must be the path of a Markdown (.md) file", value=_shown(value))
        return value


class ReactionSpec(_Model):
    organisation: Text
    date: Any = Field(description='a date written YYYY-MM-DD (e.g. "2022-11-03")')
    reference: Text | None = None
    file: BookFile
    example: bool = Field(False, description="true for an example reaction written for this project (it is marked so)")

    @field_validator("date")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return _iso_date(value, required=True)


class BookSpec(_Model):
    front: list[BookPageSpec] = Field(default_factory=list, description="the pages before the chapters, in order")
    back: list[BookPageSpec] = Field(default_factory=list, description="the pages after the chapters, in order")
    cited: BookFile | None = Field(None, description="a YAML file with the figures the pages cite from other documents")
    bibliography: BookFile | None = Field(None, description="a CSL YAML or BibTeX file with the works the text cites")
    reactions: list[ReactionSpec] = Field(default_factory=list,
                                          description="the administrative reactions printed in the Bijlage")


def _iso_date(value: Any, required: bool = False) -> Any:
    if (value is None and not required) or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            dt.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    _fail('{value} is not allowed; must be a date written YYYY-MM-DD (e.g. "2022-09-06")', value=_shown(value))


class ChapterSpec(_Model):
    id: ChapterId
    number: int = Field(ge=1, description="a positive whole number, unique among the chapters")
    notebook: Text = Field(description="the path of an existing .ipynb notebook (relative to the project root)")
    sources: list[Text] = Field(default_factory=list, description="a list of source ids declared under sources")

    @field_validator("notebook")
    @classmethod
    def _notebook_exists(cls, value: str, info: ValidationInfo) -> str:
        if not value.endswith(".ipynb"):
            _fail("{value} is not allowed; must be the path of a .ipynb notebook", value=_shown(value))
        root = (info.context or {}).get("root")
        if root is not None and not resolve_path(root, value).is_file():
            _fail("notebook {value} does not exist (looked for {path})",
                  value=_shown(value), path=str(resolve_path(root, value)))
        return value


class PeriodSpec(_Model):
    label: Text
    start: YearMonth
    end: YearMonth

    @model_validator(mode="after")
    def _ordered(self):
        if self.start > self.end:
            _fail("start {start} is after end {end}; start must be the same month as end or earlier",
                  start=_shown(self.start), end=_shown(self.end))
        return self


class WavesSpec(_Model):
    current: Year
    earlier: list[Year] = Field(default_factory=list, description="a list of years before waves.current")

    @field_validator("earlier")
    @classmethod
    def _before_current(cls, earlier: list[int], info: ValidationInfo) -> list[int]:
        current = info.data.get("current")
        late = [y for y in earlier if current is not None and y >= current]
        if late:
            _fail("{late} is not allowed; must be years before waves.current ({current})",
                  late=", ".join(map(str, late)), current=current)
        if len(set(earlier)) != len(earlier):
            _fail("{years} is not allowed; must list each year once", years=", ".join(map(str, earlier)))
        return earlier


class StatisticsSpec(_Model):
    alpha: float = Field(DEFAULT_ALPHA, gt=0, lt=0.5,
                         description="a number between 0 and 0.5, exclusive (the significance level of the tests, e.g. 0.05)")
    confidence: float = Field(DEFAULT_CONFIDENCE, gt=0.5, lt=1,
                              description="a number between 0.5 and 1, exclusive (the level of the confidence intervals, e.g. 0.95)")


class DevelopmentSpec(_Model):
    previous: Year = Field(description="a year: the edition compared with (its params/<year>.yml and data must exist)")
    key_figures: dict[ChapterId, list[Text]] = Field(
        default_factory=dict,
        description="a mapping of chapter id to a list of finding ids (figures its register holds) compared with the previous edition")


class ParamsModel(_Model):
    """The schema of ``params/<edition>.yml``."""

    edition: Year
    title: Text
    subtitle: Text | None = None
    publisher: Text | None = None
    publication_date: Any = Field(None, description='a date written YYYY-MM-DD (e.g. "2022-09-06")')
    research_period: Text | None = None
    colofon: Any = Field(None, description="text, or a list of paragraphs (text)")
    # The cover and back cover (spiegel.render.colophon); all optional.
    ministry: Text | None = Field(None, description="text: the ministry named under the publisher on the cover "
                                  '(e.g. "Ministerie van Sociale Zaken en Werkgelegenheid")')
    publication_number: PublicationNumber | None = None
    publisher_address: list[Text] | None = Field(
        None, description='a list of lines of text: the publisher\'s address on the back cover '
                          '(e.g. ["Postbus 90801 | 2500 LV Den Haag", "T 0800 51 51"])')
    disclosure_threshold: int = Field(
        ge=MIN_DISCLOSURE_THRESHOLD,
        description=f"a whole number of at least {MIN_DISCLOSURE_THRESHOLD} (a lower threshold is no disclosure control)")
    synthetic: bool = Field(False, description='true or false, unquoted (not "false", yes or 1)')
    seed: int = Field(0, ge=0, description="a whole number of at least 0")
    sources: dict[str, SourceSpec] = Field(min_length=1, description="a mapping of source id to its file, contract, title and bron")
    chapters: list[ChapterSpec] = Field(description="a list of chapters, each with id, number, notebook and sources")
    periods: dict[str, PeriodSpec] = Field(description="a mapping of period name to its label, start and end")
    waves: WavesSpec = Field(description="a mapping with current (a year) and earlier (a list of years)")
    statistics: StatisticsSpec = Field(default_factory=StatisticsSpec,
                                       description="a mapping with alpha and confidence")
    analysis: dict[str, dict[str, Any] | None] = Field(
        default_factory=dict, description="a mapping of chapter id to that chapter's analysis choices (a mapping)")
    book: BookSpec = Field(default_factory=BookSpec,
                           description="the pages around the chapters: front, back, cited, bibliography, reactions")
    development: DevelopmentSpec | None = Field(
        None, description="a mapping with previous (the edition compared with) and key_figures per chapter")

    @model_validator(mode="after")
    def _previous_is_earlier(self):
        if self.development is not None and self.development.previous >= self.edition:
            _fail("development.previous {previous} is not allowed; must be an edition before this one ({edition})",
                  previous=self.development.previous, edition=self.edition)
        return self

    @field_validator("publication_date")
    @classmethod
    def _date(cls, value: Any) -> Any:
        return _iso_date(value)

    @field_validator("colofon")
    @classmethod
    def _colofon(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and value.strip()):
            return value
        if isinstance(value, list) and value and all(isinstance(p, str) and p.strip() for p in value):
            return value
        _fail("{value} is not allowed; must be non-empty text or a list of paragraphs (text)", value=_shown(value))


# --------------------------------------------------------------------------- messages


def _shown(value: Any) -> str:
    """A value as it would be written in YAML, for messages."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def _key_path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _unwrap(annotation: Any) -> tuple[Any, str | None]:
    """Strip ``Annotated`` and ``Optional`` from a type, keeping the innermost description."""
    description = None
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *meta = get_args(annotation)
            for m in meta:
                if isinstance(m, FieldInfo) and m.description:
                    description = m.description
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation, description
            annotation = args[0]
        else:
            return annotation, description


def _schema_at(loc: tuple) -> tuple[Any, str | None]:
    """The type expected at ``loc`` and the description of what is allowed there."""
    annotation: Any = ParamsModel
    description = None
    for part in loc:
        annotation, inner = _unwrap(annotation)
        description = inner or description
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(part) if isinstance(part, str) else None
            if info is None:
                return None, None
            annotation, description = info.annotation, info.description
            for m in info.metadata:
                if isinstance(m, FieldInfo) and m.description:
                    description = m.description
        elif get_origin(annotation) in (dict, list):
            annotation, description = get_args(annotation)[-1], None
        else:
            return None, None
    annotation, inner = _unwrap(annotation)
    return annotation, inner or description


_GENERIC = {
    "int_type": "a whole number",
    "bool_type": "true or false, unquoted",
    "string_type": "text",
    "float_type": "a number",
    "dict_type": "a mapping (key: value lines), not a list",
    "model_type": "a mapping (key: value lines), not a list",
    "list_type": "a list ([a, b] or lines starting with -), not a mapping",
    "too_short": "not empty",
    "string_pattern_mismatch": "text matching {pattern}",
}


def _problem(error: dict, raw: Any) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    where = _key_path(loc)
    chapter = _chapter_hint(loc, raw)
    if kind == "spiegel":
        return f"{where}{chapter}: {error['msg']}"
    if kind == "extra_forbidden":
        container, _ = _schema_at(loc[:-1])
        allowed = list(container.model_fields) if isinstance(container, type) and issubclass(container, BaseModel) else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{where}{chapter}: unknown key{hint} (allowed here: {', '.join(allowed)})"
    if loc and loc[-1] == "[key]":
        return f"{_key_path(loc[:-2])}: key {_shown(error.get('input'))} is not allowed; keys must be text"
    _, description = _schema_at(loc)
    allowed = description or _GENERIC.get(kind, "").format(**(error.get("ctx") or {}))
    if kind in ("dict_type", "model_type") and isinstance(error.get("input"), list) and "not a list" not in allowed:
        allowed = f"{allowed} (key: value lines, not a list)"
    elif kind == "list_type" and isinstance(error.get("input"), dict) and "not a mapping" not in allowed:
        allowed = f"{allowed} (not a mapping)"
    allowed = allowed or error["msg"]
    if kind == "too_short":
        empty = "an empty mapping" if isinstance(error.get("input"), dict) else "an empty list"
        return f"{where}{chapter}: {empty} is not allowed; must be {allowed}, with at least one entry"
    if kind == "missing":
        return f"{where}{chapter}: required key is missing; must be {allowed}"
    return f"{where}{chapter}: {_shown(error.get('input'))} is not allowed; must be {allowed}"


def _chapter_hint(loc: tuple, raw: Any) -> str:
    if len(loc) >= 2 and loc[0] == "chapters" and isinstance(loc[1], int):
        try:
            cid = raw["chapters"][loc[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            return ""
        if isinstance(cid, str):
            return f" (chapter '{cid}')"
    return ""


def _cross_checks(model: ParamsModel, root: Path) -> list[str]:
    """What the per-key schema cannot see: uniqueness and references between keys."""
    problems = []
    numbers: dict[int, str] = {}
    ids: dict[str, int] = {}
    for i, chapter in enumerate(model.chapters):
        if chapter.number in numbers:
            problems.append(f"chapters[{i}].number (chapter '{chapter.id}'): {chapter.number} is not allowed; "
                            f"chapter '{numbers[chapter.number]}' has that number already (numbers must be unique)")
        numbers.setdefault(chapter.number, chapter.id)
        if chapter.id in ids:
            problems.append(f"chapters[{i}].id: {_shown(chapter.id)} is not allowed; chapters[{ids[chapter.id]}] "
                            "has that id already (ids must be unique)")
        ids.setdefault(chapter.id, i)
        for j, sid in enumerate(chapter.sources):
            if sid not in model.sources:
                close = difflib.get_close_matches(sid, list(model.sources), n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                problems.append(f"chapters[{i}].sources[{j}] (chapter '{chapter.id}'): unknown source "
                                f"{_shown(sid)}; {hint}must be one of the ids under sources: {', '.join(model.sources)}")
    for key in model.analysis:
        if key not in ids:
            close = difflib.get_close_matches(key, list(ids), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            problems.append(f"analysis.{key}: unknown chapter {_shown(key)}; {hint}"
                            f"must be one of the chapter ids under chapters: {', '.join(ids) or '(none)'}")
    files: dict[Path, str] = {}
    for sid, spec in model.sources.items():
        target = Path(os.path.normpath(resolve_path(root, spec.file)))
        if target in files:
            problems.append(f"sources.{sid}.file: {_shown(spec.file)} is not allowed; source "
                            f"'{files[target]}' names the same file (each source needs its own file)")
        files.setdefault(target, sid)
    stems: dict[str, str] = {Path(c.notebook).stem: f"chapter '{c.id}'" for c in model.chapters}
    for part in ("front", "back"):
        for i, page in enumerate(getattr(model.book, part)):
            stem = Path(page.file).stem
            if stem in stems:
                problems.append(f"book.{part}[{i}].file: {_shown(page.file)} is not allowed; {stems[stem]} has a "
                                f"file called {stem} already (each page is written to <name>.html, so names must differ)")
            stems.setdefault(stem, f"book.{part}[{i}]")
    return problems


@dataclass(frozen=True)
class Source:
    """One input dataset of an edition."""

    id: str
    path: Path
    contract: str
    title: str
    bron: str
    fieldwork: str | None = None
    population: str | None = None
    unit: str | None = None
    sample: int | None = None


@dataclass(frozen=True)
class BookPage:
    """A page of the book around the chapters (``book.front`` / ``book.back``)."""

    id: str  # the file's stem: hoofdboodschap, samenvatting, inleiding, naschrift
    path: Path
    part: str  # front | back
    numbered: bool


@dataclass(frozen=True)
class Reaction:
    """An administrative reaction printed in the Bijlage (``book.reactions``)."""

    organisation: str
    date: dt.date
    path: Path
    reference: str | None = None
    example: bool = False


@dataclass(frozen=True)
class Chapter:
    id: str
    number: int
    notebook: Path
    sources: tuple[str, ...]


# --------------------------------------------------------------------------- one chapter's view


class Scoped(Mapping):
    """A mapping of the params as one chapter sees it: the entries it may read, and for the
    entries that concern other chapters only a refusal (:class:`ChapterScopeError`) naming the key.

    Iterating, ``len``, ``keys()``/``items()`` and ``dict(...)`` give the visible entries only;
    ``key in m`` is true for a refused key too (it is in the params), so that reading it stops
    with the refusal rather than an "unknown key"."""

    def __init__(self, visible: Mapping[Any, Any], refused: Mapping[Any, str]):
        self._visible = dict(visible)
        self._refused = {k: v for k, v in refused.items() if k not in self._visible}

    def __getitem__(self, key: Any) -> Any:
        if key in self._visible:
            return self._visible[key]
        if key in self._refused:
            raise ChapterScopeError(self._refused[key])
        raise KeyError(key)

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __contains__(self, key: object) -> bool:
        return key in self._visible or key in self._refused

    def __iter__(self) -> Iterator[Any]:
        return iter(self._visible)

    def __len__(self) -> int:
        return len(self._visible)

    def __bool__(self) -> bool:
        # True also when every entry is refused: `mapping or {}` must not drop the refusals.
        return bool(self._visible or self._refused)

    def __repr__(self) -> str:
        return f"Scoped({self._visible!r}, refused={sorted(map(str, self._refused))})"

    def __deepcopy__(self, memo: dict) -> Scoped:
        return Scoped(copy.deepcopy(self._visible, memo), self._refused)

    def with_values(self, visible: Mapping[Any, Any]) -> Scoped:
        """The same refusals over other visible values (e.g. the resolved sources)."""
        return Scoped(visible, self._refused)


def plain(value: Any) -> Any:
    """A params value as plain dicts and lists: a :class:`Scoped` mapping becomes the dict of its
    visible entries (so ``plain(scoped_params(raw, c))`` is exactly what chapter ``c`` can read)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _analysis_refusal(params_file: str, chapter_id: str, other: str) -> str:
    return (f"{params_file}: analysis.{other}: chapter '{chapter_id}' asked for the analysis choices of "
            f"chapter '{other}'; a chapter reads only its own (analysis.{chapter_id}) and the keys all "
            f"chapters share, which is what decides when it is executed again. Give chapter "
            f"'{chapter_id}' the choice under analysis.{chapter_id}")


def scoped_params(raw: Mapping[str, Any], chapter_id: str, params_file: str = "the params file") -> dict[str, Any]:
    """The params document as chapter ``chapter_id`` sees it (a deep copy of ``raw``): everything
    except what concerns other chapters only, which is refused with a message naming the key:

    - ``analysis.<other chapter>``: another chapter's analysis choices;
    - ``sources.<id>`` of a source the chapter does not list under its ``chapters[i].sources``
      (its data file is not among the chapter's inputs);
    - ``chapters[j].notebook`` / ``chapters[j].sources`` of another chapter (its ``id`` and
      ``number`` stay visible);
    - ``book``, ``ministry``, ``publication_number``, ``publisher_address``: the pages around the
      chapters and the covers, which only the render reads (left out of the view);
    - ``development.key_figures.<other chapter>`` (left out; ``previous`` stays).

    Everything else (title, edition, disclosure_threshold, statistics, periods, waves, seed, ...) is
    shared by every chapter. The build's fingerprint of a chapter's params is taken over exactly
    this view (``spiegel.buildstate.chapter_inputs``), so what a chapter cannot read cannot make it
    re-run, and what it can read always does."""
    raw = copy.deepcopy(plain(raw))
    chapters = raw.get("chapters") or []
    ids = [c.get("id") for c in chapters if isinstance(c, Mapping)]
    if chapter_id not in ids:
        raise KeyError(f"unknown chapter '{chapter_id}' (the params name: {', '.join(map(str, ids))})")
    own = next(c for c in chapters if isinstance(c, Mapping) and c.get("id") == chapter_id)
    own_index = chapters.index(own)
    own_sources = list(own.get("sources") or [])
    view = dict(raw)
    for key in ("book", "ministry", "publication_number", "publisher_address"):
        view.pop(key, None)  # the pages around the chapters and the covers: read by the render, never by a chapter

    analysis = raw.get("analysis") or {}
    refused = {other: _analysis_refusal(params_file, chapter_id, other)
               for other in [*ids, *analysis] if other != chapter_id}
    # always present, so that reading another chapter's section is refused even without an analysis: key
    view["analysis"] = Scoped({chapter_id: analysis[chapter_id]} if chapter_id in analysis else {}, refused)

    sources = raw.get("sources") or {}
    users: dict[str, list[str]] = {}
    for c in chapters:
        if isinstance(c, Mapping):
            for sid in c.get("sources") or []:
                users.setdefault(sid, []).append(str(c.get("id")))
    refused_sources = {}
    for sid in sources:
        if sid in own_sources:
            continue
        listed = users.get(sid)
        who = (f"lists only for chapter{'s' if len(listed) > 1 else ''} {', '.join(repr(u) for u in listed)}"
               if listed else "lists for no chapter")
        refused_sources[sid] = (
            f"{params_file}: sources.{sid}: chapter '{chapter_id}' reads source '{sid}', which the params "
            f"{who}; add '{sid}' to the sources of chapter '{chapter_id}' (chapters[{own_index}].sources), "
            "so that the chapter is executed again when its data change")
    view["sources"] = Scoped({sid: spec for sid, spec in sources.items() if sid in own_sources}, refused_sources)

    shown = []
    for j, c in enumerate(chapters):
        if not isinstance(c, Mapping) or c.get("id") == chapter_id:
            shown.append(c)
            continue
        keep = {k: c[k] for k in ("id", "number") if k in c}
        refused_keys = {
            k: (f"{params_file}: chapters[{j}].{k}: chapter '{chapter_id}' asked for the {k} of chapter "
                f"'{c.get('id')}'; of the other chapters a chapter sees only the id and number")
            for k in ("notebook", "sources", *c) if k not in keep}
        shown.append(Scoped(keep, refused_keys))
    view["chapters"] = shown
    development = raw.get("development")
    if isinstance(development, Mapping):  # the previous edition, and only this chapter's key figures
        figures = development.get("key_figures") or {}
        view["development"] = {**development, "key_figures": {chapter_id: figures[chapter_id]} if chapter_id in figures else {}}
    return view


def chapter_view(raw: Mapping[str, Any], chapter_id: str) -> dict[str, Any]:
    """What chapter ``chapter_id`` can read of the params, as plain dicts and lists (what the
    build fingerprints; see :func:`scoped_params`)."""
    return plain(scoped_params(raw, chapter_id))


# --------------------------------------------------------------------------- the edition


@dataclass(frozen=True)
class Edition:
    """The parameters of one edition, with paths resolved against the project root.

    ``raw`` is the params file as read (validated by ``load_params``). ``scope`` is set on the
    edition one chapter's notebook gets (:meth:`for_chapter`): its ``raw`` is that chapter's view
    of the params (:func:`scoped_params`) and it refuses another chapter's analysis choices."""

    path: Path
    root: Path
    raw: dict[str, Any] = field(repr=False)
    scope: str | None = None

    def for_chapter(self, chapter_id: str) -> Edition:
        """The edition as chapter ``chapter_id`` sees it (what ``spiegel.chapter.open`` hands a
        notebook): other chapters' analysis choices, sources and notebooks are refused with a
        :class:`ChapterScopeError` naming the params key."""
        if self.scope == chapter_id:
            return self
        if self.scope is not None:
            raise ChapterScopeError(
                f"{self._shown_path()}: chapter '{self.scope}' asked for the params of chapter '{chapter_id}'; "
                "a chapter reads only its own")
        return Edition(path=self.path, root=self.root, raw=scoped_params(self.raw, chapter_id, self._shown_path()),
                       scope=chapter_id)

    def _shown_path(self) -> str:
        try:
            return self.path.resolve().relative_to(Path(self.root).resolve()).as_posix()
        except ValueError:
            return str(self.path)

    @property
    def edition(self) -> int:
        return int(self.raw["edition"])

    @property
    def title(self) -> str:
        return str(self.raw["title"])

    @property
    def disclosure_threshold(self) -> int:
        return int(self.raw["disclosure_threshold"])

    @property
    def seed(self) -> int:
        return int(self.raw.get("seed", 0))

    @property
    def synthetic(self) -> bool:
        # Only a real boolean true counts: the schema refuses anything else, and an unvalidated
        # value such as the text "false" must never mean "overwrite the data".
        return self.raw.get("synthetic", False) is True

    @property
    def alpha(self) -> float:
        """The significance level of the tests (``statistics.alpha``, default 0.05)."""
        return float((self.raw.get("statistics") or {}).get("alpha", DEFAULT_ALPHA))

    @property
    def confidence(self) -> float:
        """The level of the confidence intervals (``statistics.confidence``, default 0.95)."""
        return float((self.raw.get("statistics") or {}).get("confidence", DEFAULT_CONFIDENCE))

    def analysis(self, chapter_id: str) -> dict[str, Any]:
        """The analysis choices of one chapter (``analysis.<chapter id>``; empty when not given)."""
        ids = [c["id"] for c in self.raw["chapters"]]
        if chapter_id not in ids:
            raise KeyError(f"unknown chapter '{chapter_id}' (the params name: {', '.join(ids)})")
        if self.scope is not None and chapter_id != self.scope:
            raise ChapterScopeError(_analysis_refusal(self._shown_path(), self.scope, chapter_id))
        return copy.deepcopy(plain((self.raw.get("analysis") or {}).get(chapter_id) or {}))

    @property
    def sources(self) -> Mapping[str, Source]:
        """The sources (of a chapter's edition: the chapter's own; the others are refused)."""
        specs = self.raw["sources"]
        found = {
            sid: Source(
                id=sid,
                path=resolve_path(self.root, spec["file"]),
                contract=spec["contract"],
                title=spec["title"],
                bron=spec["bron"],
                fieldwork=spec.get("fieldwork"),
                population=spec.get("population"),
                unit=spec.get("unit"),
                sample=spec.get("sample"),
            )
            for sid, spec in specs.items()
        }
        return specs.with_values(found) if isinstance(specs, Scoped) else found

    @property
    def chapters(self) -> list[Chapter]:
        return [
            Chapter(
                id=c["id"],
                number=int(c["number"]),
                notebook=resolve_path(self.root, c["notebook"]),
                sources=tuple(c.get("sources", ())),
            )
            for c in self.raw["chapters"]
        ]

    @property
    def book_pages(self) -> list[BookPage]:
        """The pages before (``front``) and after (``back``) the chapters, in book order."""
        book = self.raw.get("book") or {}
        return [BookPage(id=Path(p["file"]).stem, path=resolve_path(self.root, p["file"]), part=part,
                         numbered=p.get("numbered", False) is True)
                for part in ("front", "back") for p in (book.get(part) or [])]

    @property
    def reactions(self) -> list[Reaction]:
        """The administrative reactions of the Bijlage, in the order the params list them."""
        out = []
        for r in (self.raw.get("book") or {}).get("reactions") or []:
            day = r["date"] if isinstance(r["date"], dt.date) else dt.date.fromisoformat(str(r["date"]))
            out.append(Reaction(organisation=r["organisation"], date=day, path=resolve_path(self.root, r["file"]),
                                reference=r.get("reference"), example=r.get("example", False) is True))
        return out

    def book_file(self, key: str) -> Path | None:
        """``book.cited`` or ``book.bibliography`` as a path (None when not given)."""
        value = (self.raw.get("book") or {}).get(key)
        return None if value is None else resolve_path(self.root, value)

    @property
    def data_dir(self) -> Path:
        """The project's own data folder, the only place synthetic data is written."""
        return self.root / "data"

    @property
    def build_dir(self) -> Path:
        """The build state of this params file: ``build/<edition>/<params stem>-<hash>/``, the hash
        being of the params file's resolved path (two params files never share a state)."""
        digest = hashlib.sha256(str(self.path.resolve()).encode("utf-8")).hexdigest()[:8]
        return self.root / "build" / str(self.edition) / f"{self.path.stem}-{digest}"

    @property
    def book_dir(self) -> Path:
        """The edition's book: ``_book/<edition>/`` (each edition its own folder, so building one
        never touches another's). Params files of one edition share it, as they share the lock."""
        return self.root / "_book" / str(self.edition)

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


def resolve_path(root: Path, value: str | Path) -> Path:
    """A path from the params: absolute (or ``~``) as given, otherwise relative to ``root``."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else Path(root) / path


#: ``params/<year>.yml``: an edition's params file (other names in params/ are other params files).
EDITION_FILE = re.compile(r"(\d{4})\.yml")


def editions(root: Path) -> dict[int, Path]:
    """The editions of a project: year -> ``params/<year>.yml``, oldest first."""
    found = {int(m.group(1)): p for p in (Path(root) / "params").glob("*.yml")
             if (m := EDITION_FILE.fullmatch(p.name)) and p.is_file()}
    return dict(sorted(found.items()))


def project_root(cwd: str | Path | None = None) -> Path:
    """The project the current directory is in (the nearest folder upwards holding both
    ``data_contracts/`` and ``params/``)."""
    cwd = Path(os.path.abspath(os.getcwd() if cwd is None else cwd))
    for folder in (cwd, *cwd.parents):
        if all((folder / marker).is_dir() for marker in ROOT_MARKERS):
            return folder
    raise ParamsError(f"no project root found from {cwd} (a folder holding both "
                      f"{' and '.join(m + '/' for m in ROOT_MARKERS)}); run from the project folder "
                      "or name a params file with --params")


def default_params(cwd: str | Path | None = None) -> Path:
    """The params file of the newest edition (the highest ``params/<year>.yml``) of the project
    the current directory is in: what ``spiegel`` and ``make report`` build when none is named."""
    root = project_root(cwd)
    found = editions(root)
    if not found:
        raise ParamsError(f"{root / 'params'}: no edition's params file (params/<year>.yml) found; "
                          "start one (spiegel new-edition <year>) or name a params file with --params")
    return found[max(found)]


def marked_keys(raw: Any, path: str = "") -> list[tuple[str, str]]:
    """(key path, mark) of every value ``spiegel new-edition`` marked to be filled in (a text
    starting with :data:`MARK`), in file order."""
    found = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            found += marked_keys(value, f"{path}.{key}" if path else str(key))
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            found += marked_keys(value, f"{path}[{i}]")
    elif isinstance(raw, str) and raw.strip().startswith(MARK):
        found.append((path or "(top level)", raw.strip()))
    return found


def project_root_for(params_path: str | Path) -> Path:
    """The project root: the nearest folder holding both ``data_contracts/`` and ``params/``,
    searched upwards from the params file's folder, else upwards from the current directory."""
    starts = [Path(os.path.abspath(params_path)).parent, Path(os.path.abspath(os.getcwd()))]
    for start in starts:
        for folder in (start, *start.parents):
            if all((folder / marker).is_dir() for marker in ROOT_MARKERS):
                return folder.resolve()
    raise ParamsError(
        f"{params_path}: no project root found: looked for a folder holding both "
        f"{' and '.join(m + '/' for m in ROOT_MARKERS)} in {starts[0]} and its parents and in the "
        f"current directory {starts[1]} and its parents (run from the project folder)")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    context = " ".join(str(getattr(exc, "context", None) or "").split())
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return where + (f"{context}, {problem}" if context else problem)


def load_params(path: str | Path) -> Edition:
    """Read ``path``, validate it against the schema and resolve its paths."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"params file not found: {path}")
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_ParamsLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from None
    except UnicodeDecodeError as exc:
        raise ParamsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except ValueError as exc:  # a value YAML reads as a date but that is none, such as 2022-02-30
        raise ParamsError(f"{path}: not valid YAML: {exc} (a date written YYYY-MM-DD that does not exist?)") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: {_shown(raw)} is not allowed at the top level; must be a mapping "
                          "(key: value lines, starting with edition:, title:, ...)")
    marks = marked_keys(raw)
    if marks:  # a new edition not filled in yet: say what is left, not what the schema makes of a mark
        raise ParamsError([f"{path}: {key}: still to be filled in ({text.removeprefix(MARK).lstrip(': ')}); "
                           f"replace the mark {MARK} with this edition's value" for key, text in marks])
    root = project_root_for(path)
    try:
        model = ParamsModel.model_validate(raw, context={"root": root})
    except ValidationError as exc:
        raise ParamsError([f"{path}: {_problem(e, raw)}" for e in exc.errors(include_url=False)]) from None
    problems = _cross_checks(model, root)
    if problems:
        raise ParamsError([f"{path}: {p}" for p in problems])
    return Edition(path=path.resolve(), root=root, raw=raw)
