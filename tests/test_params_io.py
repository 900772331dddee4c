"""Params loading and source reading: clear errors, no silent type changes."""

import pandas as pd
import pytest

from spiegel.io import SourceError, read_file
from spiegel.params import ParamsError, load_params


def test_2022_params_resolve_paths_against_the_project_root(root):
    ed = load_params(root / "params" / "2022.yml")
    assert ed.edition == 2022
    assert ed.sources["klanten_pw"].path == root / "data" / "2022" / "klanten_pw.csv"
    assert [(c.id, c.number) for c in ed.chapters] == [("gemeenten", 2), ("uwv", 3), ("wsp", 4)]
    # one build state per params file: build/<edition>/<params stem>-<hash of its resolved path>
    assert ed.build_dir.parent == root / "build" / "2022" and ed.build_dir.name.startswith("2022-")
    assert load_params(root / "params" / ".." / "params" / "2022.yml").build_dir == ed.build_dir


def test_missing_params_file_is_a_clear_error(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "params" / "2099.yml")


def test_missing_keys_are_named(tmp_path):
    (tmp_path / "params").mkdir()
    path = tmp_path / "params" / "x.yml"
    path.write_text("edition: 2030\ntitle: x\n")
    with pytest.raises(ParamsError, match="disclosure_threshold"):
        load_params(path)


def test_chapter_naming_an_unknown_source_is_refused(root, tmp_path):
    text = (root / "params" / "2022.yml").read_text().replace(
        "sources: [klanten_pw,", "sources: [bestaat_niet, klanten_pw,")
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "2022.yml").write_text(text)
    with pytest.raises(ParamsError, match="bestaat_niet"):
        load_params(tmp_path / "params" / "2022.yml")


def test_csv_codes_that_look_like_numbers_stay_text(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("leeftijd,aantal,gewicht,leeg\n27_45,12,1.5,\n45_plus,3,0.25,\n")
    frame = read_file(path, "x")
    assert frame["leeftijd"].tolist() == ["27_45", "45_plus"]
    assert frame["aantal"].tolist() == [12, 3]
    assert frame["gewicht"].tolist() == [1.5, 0.25]
    assert frame["leeg"].isna().all()


@pytest.mark.parametrize("content, problem", [(None, "file not found"), ("", "file is empty")])
def test_unreadable_sources_name_dataset_and_problem(tmp_path, content, problem):
    path = tmp_path / "bron.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SourceError) as err:
        read_file(path, "klanten_pw")
    assert "klanten_pw" in str(err.value) and problem in str(err.value)


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(path)
    assert read_file(path, "x")["b"].tolist() == ["x", "y"]
