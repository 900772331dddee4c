"""Dependencies are pinned in one place (pyproject.toml); environment.yml mirrors them."""

import re
import tomllib

import yaml


def test_environment_yml_mirrors_the_pyproject_pins(root):
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    pins = project["dependencies"] + [p for extra in project["optional-dependencies"].values() for p in extra]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9_.\-]*", p) for p in pins), pins
    env = yaml.safe_load((root / "environment.yml").read_text("utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert sorted(p for p in pip if "==" in p) == sorted(pins)
    assert "-e ." in pip


def test_ci_runs_the_readme_test_command(root):
    readme = (root / "README.md").read_text("utf-8")
    ci = (root / ".ci" / "run").read_text("utf-8")
    assert "make test" in readme and "make test" in ci
