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


def test_make_never_sets_up_a_linked_venv_from_a_copy(root, tmp_path):
    """A project copy with .venv linked to another environment (as the build tests and benchmarks
    make them) must not reinstall the package there from the copy."""
    import os
    import shutil
    import subprocess
    import time

    target = tmp_path / "other-venv"
    target.mkdir()
    (target / ".installed").write_text("", "utf-8")
    os.utime(target / ".installed", (time.time() - 3600, time.time() - 3600))
    shutil.copy(root / "Makefile", tmp_path / "Makefile")
    shutil.copy(root / "pyproject.toml", tmp_path / "pyproject.toml")  # newer than .installed
    os.symlink(target, tmp_path / ".venv")
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    result = subprocess.run(["make", "venv", "PYTHON=false"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert f".venv links to {target}; not set up from here" in result.stderr
    assert "setting up" not in result.stdout and sorted(p.name for p in target.iterdir()) == [".installed"]
