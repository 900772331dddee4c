"""Params loading and source reading: clear errors, no silent type changes."""

import pandas as pd
import pytest

from spiegel.io import SourceError, read_file
from spiegel.params import ParamsError, load_params


def test_2022_params_resolve_paths_against_the_project_root(root):
    ed = load_params(root / "params" / "2022.yml")
    assert ed.edition == 2022
    assert ed.sources["klanten_pw"].path == root / "data" / "2022" / "klanten_pw.csv"
    assert [(c.id, c.number) for c in ed.chapters] == [("gemeenten", 2), ("uwv", 3), ("wsp", 4), ("inkomen", 5),
                                                       ("tozo", 6)]
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


# --------------------------------------------------------------------------- strict CSV reading

HEADER = "resp_id,geslacht,leeftijd,gewicht\n"


def _csv(tmp_path, text: str | bytes, name: str = "klanten.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _error(path, source="klanten_pw") -> str:
    with pytest.raises(SourceError) as err:
        read_file(path, source, root=path.parent)
    message = str(err.value)
    assert f"dataset '{source}'" in message and path.name in message
    assert str(path.parent) not in message  # no absolute path
    assert "R000" not in message  # the record's contents (ids) are never quoted
    return message


@pytest.mark.parametrize("text, line, fields", [
    # cut off at a field boundary: the last record lacks its last field(s) (pandas padded these)
    (HEADER + "R000001,man,27_45,1.5\nR000002,vrouw,45_plus\n", 3, 3),
    (HEADER + "R000001,man,27_45,1.5\nR000002,vrouw,\n", 3, 3),
    (HEADER + "R000001,man,27_45,1.5\nR000002\n", 3, 1),
    # a short record in the middle
    (HEADER + "R000001,man,27_45,1.5\nR000002,vrouw\nR000003,man,45_plus,1.0\n", 3, 2),
    # a long record: a separator inside an unquoted value
    (HEADER + "R000001,man,27_45,1.5\nR000002,vrouw,45,plus,1.0\n", 3, 5),
    (HEADER + "R000001,man,27_45,1.5,\n", 2, 5),
])
def test_short_and_long_records_name_the_line(tmp_path, text, line, fields):
    message = _error(_csv(tmp_path, text))
    assert f"line {line} has {fields} field" in message and "the header has 4" in message


def test_line_numbers_count_blank_lines_and_multi_line_fields(tmp_path):
    text = HEADER + '\nR000001,"man",27_45,1.5\n"R000002","vrouw\nof man",45_plus,2\n\nR000003,man,45_plus\n'
    message = _error(_csv(tmp_path, text))
    assert "line 7 has 3 fields" in message  # header 1, blank 2, 3, 4–5, blank 6
    text = HEADER + 'R000001,"man,\nvrouw"\n'
    assert "the record on lines 2–3 has 2 fields" in _error(_csv(tmp_path, text))


def test_quoted_fields_with_separators_quotes_and_line_breaks_are_valid(tmp_path):
    text = ('id_code,toelichting,aantal\n'
            'a,"een, twee",1\n'
            'b,"zei ""ja""",2\n'
            'c,"regel een\nregel twee, met komma",3\n'
            'd,,4\n')
    frame = read_file(_csv(tmp_path, text), "x")
    assert frame["toelichting"].tolist()[:3] == ["een, twee", 'zei "ja"', "regel een\nregel twee, met komma"]
    assert pd.isna(frame["toelichting"].iloc[3])
    assert frame["aantal"].tolist() == [1, 2, 3, 4] and frame["aantal"].dtype == "int64"


@pytest.mark.parametrize("encode", [
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),  # Windows line breaks
    lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),  # a byte-order mark (Excel's "CSV UTF-8")
    lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode("utf-8"),
    lambda t: ("\n" + t.replace("\n", "\n\n")).encode("utf-8"),  # blank lines anywhere
    lambda t: t.replace("\n", "\r").encode("utf-8"),  # old Mac line breaks
])
def test_crlf_bom_and_blank_lines_read_as_plain_csv(tmp_path, encode):
    text = "leeftijd,aantal,gewicht,leeg\n27_45,12,1.5,\n45_plus,3,0.25,\n"
    frame = read_file(_csv(tmp_path, encode(text)), "x")
    assert list(frame.columns) == ["leeftijd", "aantal", "gewicht", "leeg"]  # no BOM in the first name
    assert frame["leeftijd"].tolist() == ["27_45", "45_plus"]
    assert frame["aantal"].tolist() == [12, 3] and frame["gewicht"].tolist() == [1.5, 0.25]
    assert frame["leeg"].isna().all()


def test_crlf_file_cut_off_at_a_field_boundary_is_caught(tmp_path):
    text = (HEADER + "R000001,man,27_45,1.5\nR000002,vrouw\n").replace("\n", "\r\n")
    assert "line 3 has 2 fields" in _error(_csv(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8")))


@pytest.mark.parametrize("text, problem", [
    # no final line break: the file may be cut off inside the last field
    (HEADER + "R000001,man,27_45,1.5\nR000002,vrouw,45_plus,1.2", "line 3, the last line, does not end"),
    (HEADER + "R000001,man,27_45,1.5\nR000002,vr", "line 3, the last line, does not end"),
    # cut off inside a quoted field
    (HEADER + 'R000001,man,27_45,1.5\nR000002,"vrouw,45_plus,1.2\n', "starting on line 3 is never closed"),
    ('a,b\n1,"x"y\n', "line 2 is not valid CSV"),
    ("a,b,a\n1,2,3\n", "names column(s) more than once: 'a'"),
    ("a,,c\n1,2,3\n", "no name for column 2"),
    ("\n\n  \n", "file is empty"),
])
def test_cut_off_and_malformed_files_are_refused(tmp_path, text, problem):
    assert problem in _error(_csv(tmp_path, text))


@pytest.mark.parametrize(("text", "line"), [("a,b\n1,x\n2,caf\xe9\n", 3), ("a,b\n1,x\n\xe9,2\n", 3),
                                           ("a,b\r\n\xe9,1\r\n", 2), ("\xe9,b\n", 1)])
def test_not_utf8_is_refused_with_its_line(tmp_path, text, line):
    path = _csv(tmp_path, text.encode("latin-1"))
    assert f"not valid UTF-8 (line {line}," in _error(path)


def test_errors_show_the_file_relative_to_the_root_or_by_name(tmp_path):
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "x.csv"
    path.write_text("a,b\n1\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read_file(path, "x", root=tmp_path)
    assert str(err.value).endswith("(data/x.csv)")
    with pytest.raises(SourceError) as err:
        read_file(path, "x", root=tmp_path / "elsewhere")
    assert str(err.value).endswith("(x.csv)") and str(tmp_path) not in str(err.value)


def test_read_table_gives_the_file_line_of_each_record(tmp_path):
    from spiegel.io import read_table

    table = read_table(_csv(tmp_path, 'a,b\n1,x\n\n2,"y\nz"\n3,w\n'), "x")
    assert table.lines == [2, 4, 6] and table.row_numbers([2, 0]) == [6, 2]
    path = tmp_path / "x.parquet"
    pd.DataFrame({"a": [1, 2, 3]}).to_parquet(path)
    parquet = read_table(path, "x")
    assert parquet.lines is None and parquet.row_numbers([0, 2]) == [1, 3] and parquet.unit == "row"
