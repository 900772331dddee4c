"""Load and check an edition's parameters (``params/<edition>.yml``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REQUIRED_KEYS = ("edition", "title", "disclosure_threshold", "sources", "chapters", "periods", "waves")
REQUIRED_SOURCE_KEYS = ("file", "contract", "title", "bron")


class ParamsError(ValueError):
    """The params file is missing, unreadable or incomplete."""


@dataclass(frozen=True)
class Source:
    """One input dataset of an edition."""

    id: str
    path: Path
    contract: str
    title: str
    bron: str
    fieldwork: str | None = None


@dataclass(frozen=True)
class Chapter:
    id: str
    number: int
    notebook: Path
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Edition:
    """The parameters of one edition, with paths resolved against the project root."""

    path: Path
    root: Path
    raw: dict[str, Any] = field(repr=False)

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
        return bool(self.raw.get("synthetic", False))

    @property
    def sources(self) -> dict[str, Source]:
        return {
            sid: Source(
                id=sid,
                path=self.root / spec["file"],
                contract=spec["contract"],
                title=spec["title"],
                bron=spec["bron"],
                fieldwork=spec.get("fieldwork"),
            )
            for sid, spec in self.raw["sources"].items()
        }

    @property
    def chapters(self) -> list[Chapter]:
        return [
            Chapter(
                id=c["id"],
                number=int(c["number"]),
                notebook=self.root / c["notebook"],
                sources=tuple(c.get("sources", ())),
            )
            for c in self.raw["chapters"]
        ]

    @property
    def build_dir(self) -> Path:
        """The build state of this params file: ``build/<edition>/<params stem>-<hash>/``, the hash
        being of the params file's resolved path (two params files never share a state)."""
        digest = hashlib.sha256(str(self.path.resolve()).encode("utf-8")).hexdigest()[:8]
        return self.root / "build" / str(self.edition) / f"{self.path.stem}-{digest}"

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


def project_root_for(params_path: Path) -> Path:
    """The project root: the folder that holds ``params/``."""
    return params_path.resolve().parent.parent


def load_params(path: str | Path) -> Edition:
    """Read ``path`` and check that every key the pipeline relies on is there."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"params file not found: {path}")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"params file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ParamsError(f"params file {path} must hold a mapping at the top level")
    missing = [k for k in REQUIRED_KEYS if k not in raw]
    if missing:
        raise ParamsError(f"params file {path} lacks required keys: {', '.join(missing)}")
    for sid, spec in raw["sources"].items():
        lacking = [k for k in REQUIRED_SOURCE_KEYS if k not in (spec or {})]
        if lacking:
            raise ParamsError(f"source '{sid}' in {path} lacks: {', '.join(lacking)}")
    for chapter in raw["chapters"]:
        unknown = [s for s in chapter.get("sources", ()) if s not in raw["sources"]]
        if unknown:
            raise ParamsError(f"chapter '{chapter.get('id')}' names unknown sources: {', '.join(unknown)}")
    return Edition(path=path.resolve(), root=project_root_for(path), raw=raw)
