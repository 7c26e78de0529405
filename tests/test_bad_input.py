"""Bad-input corpus: golden tests of tpmrun's scenario-file errors.

Every tests/bad_input/NAME.yaml|json is a scenario with exactly one defect;
tests/bad_input/NAME.expected holds the one stderr line tpmrun must print for
it, with the scenario path written as {file}.  Inputs that cannot live in git
(too big, too deep to read, stray bytes) are generated into the test's tmp
directory from the GENERATED table.  A rejected file must: exit 2, print that
one line and nothing else, write no results, and not crash -- with and without
--check, since the point is that nothing runs.

tests/good_input/ holds edge cases that must load (and pass when run).

Cases in ENGINE_FINDINGS pin the message tpmrun *should* print; they are
xfail(strict) until the engine is fixed, and then flip to XPASS (fail): drop
them from the table at that point."""
import json
import pathlib

import jsonschema
import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad_input"
GOOD = ROOT / "tests" / "good_input"
SUFFIXES = (".yaml", ".yml", ".json")

# name -> what tpmrun gets wrong today (the .expected file has the right line)
ENGINE_FINDINGS = {
}


def huge_file():
    """A valid scenario padded with comment lines to 16 MiB + 1 byte."""
    head = b"steps:\n  - esapi.get_random: {bytes: 8}\n"
    line = b"#" + b"x" * 1022 + b"\n"
    size = 16 * 1024 * 1024 + 1
    body = line * ((size - len(head)) // len(line) + 1)
    return (head + body)[:size]


def exactly_16_mib():
    head = b"scenario: limit_16mib\nsteps:\n  - esapi.get_random: {bytes: 8}\n#"
    return head + b"x" * (16 * 1024 * 1024 - len(head))


def nested_vars(depth):
    """vars with `depth` nested flow sequences; 62 is the most that loads."""
    return (f"scenario: nested_{depth}\nvars: {{deep: " + "[" * depth + "]" * depth +
            "}\nsteps:\n  - esapi.get_random: {bytes: 8}\n").encode()


# name, content, expected stderr line
GENERATED = [
    ("deep_flow_sequences.yaml", b"steps: " + b"[" * 200 + b"]" * 200 + b"\n",
     "{file}:1:71: error: nesting deeper than 64 levels"),
    ("deep_unclosed_sequences.yaml", b"steps: " + b"[" * 100000 + b"\n",
     "{file}:1:71: error: nesting deeper than 64 levels"),
    ("deep_json_objects.json", b'{"steps": ' + b'{"a": ' * 200 + b"1" + b"}" * 201 + b"\n",
     "{file}:1:384: error: nesting deeper than 64 levels"),
    ("nesting_limit_plus_one.yaml", nested_vars(63),
     "{file}:2:76: error: nesting deeper than 64 levels"),
    ("huge.yaml", huge_file,
     "{file}:1:1: error: scenario file is larger than 16 MiB"),
    ("nul_mid_file.yaml", b'steps:\n  - esapi.hash: {data: "ab\0cd"}\n',
     "{file}:2:27: error: NUL byte: this is not a text file"),
    ("invalid_utf8.yaml", b'steps:\n  - esapi.hash: {data: "ab\xff\xfecd"}\n',
     "{file}:2:27: error: invalid leading UTF-8 octet"),
    ("control_char.yaml", b'steps:\n  - esapi.hash: {data: "ab\x01cd"}\n',
     "{file}:2:27: error: control characters are not allowed"),
]

# name, content: generated inputs that must load
GENERATED_GOOD = [
    ("limit_16mib.yaml", exactly_16_mib),
    ("nested_62.yaml", nested_vars(62)),
]

MODES = [pytest.param((), id="run"), pytest.param(("--check",), id="check")]


def case(name, *values):
    marks = ()
    if name in ENGINE_FINDINGS:
        marks = pytest.mark.xfail(strict=True, reason=ENGINE_FINDINGS[name])
    return pytest.param(name, *values, marks=marks, id=name)


def corpus_files():
    return sorted(p.name for p in BAD.iterdir() if p.suffix in SUFFIXES)


def read_expected(name):
    """The one line of NAME.expected (without its newline)."""
    text = (BAD / pathlib.Path(name).with_suffix(".expected")).read_text()
    assert text.endswith("\n") and text.count("\n") == 1, f"{name}: .expected must hold one line"
    return text[:-1]


def write_input(directory, name, content):
    path = directory / name
    path.write_bytes(content() if callable(content) else content)
    return path


def assert_rejected(tpmrun, path, expected, mode):
    r = tpmrun(*mode, path)
    assert r.returncode >= 0, f"tpmrun died of signal {-r.returncode}; stderr: {r.stderr[-2000:]}"
    assert r.stderr == expected.replace("{file}", str(path)) + "\n"
    assert r.returncode == 2
    assert r.stdout == ""
    results = tpmrun.results
    assert not results.exists() or not any(results.iterdir()), "a rejected file wrote results"


def assert_loads(tpmrun, path, mode):
    r = tpmrun(*mode, path)
    assert r.returncode >= 0, f"tpmrun died of signal {-r.returncode}; stderr: {r.stderr[-2000:]}"
    assert r.stderr == ""
    assert r.returncode == 0, r.stdout
    if mode:
        assert r.stdout == "1 scenario checked, no errors\n"
    else:
        [result] = tpmrun.results.iterdir()
        assert tpmrun.result(result.stem)["status"] == "passed"


# ---- the corpus itself ---------------------------------------------------------

def test_corpus_is_complete():
    names = corpus_files()
    # every file of the directory is a case or its .expected: none is skipped for its suffix
    others = sorted(p.name for p in BAD.iterdir() if p.suffix != ".expected")
    assert names == others and len(names) == len(list(BAD.glob("*.expected")))
    stems = [pathlib.Path(n).stem for n in names]
    assert len(stems) == len(set(stems)), "two corpus files share a .expected name"
    sidecars = {p.stem for p in BAD.glob("*.expected")}
    assert sidecars == set(stems), "every corpus file needs NAME.expected, and only those"
    generated = {g[0] for g in GENERATED}
    assert set(ENGINE_FINDINGS) <= set(names) | generated
    assert not (set(names) & generated)


# ---- rejected inputs -------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", [case(n) for n in corpus_files()])
def test_bad_input(tpmrun, name, mode):
    # relative to the repository, as a user would type it (tpmrun runs in ROOT)
    path = BAD.relative_to(ROOT) / name
    assert_rejected(tpmrun, path, read_expected(name), mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,content,expected", [case(*g) for g in GENERATED])
def test_generated_bad_input(tpmrun, tmp_path, name, content, expected, mode):
    path = write_input(tmp_path, name, content)
    assert_rejected(tpmrun, path, expected, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("subdirs", [(), ("sub",), ("sub", "sub/deeper")], ids=["empty", "empty-sub", "empty-subs"])
def test_directory_without_scenarios(tpmrun, tmp_path, subdirs, mode):
    d = tmp_path / "scenarios"
    d.mkdir()
    for s in subdirs:
        (d / s).mkdir()
    assert_rejected(tpmrun, d, "tpmrun: no scenario files found", mode)


@pytest.mark.parametrize("mode", MODES)
def test_one_bad_file_stops_the_whole_run(tpmrun, tmp_path, mode):
    """A directory with good scenarios and one bad one: nothing runs."""
    d = tmp_path / "scenarios"
    (d / "sub").mkdir(parents=True)
    for good in ("null_params.yaml", "json_scenario.json"):
        (d / good).write_bytes((GOOD / good).read_bytes())
    (d / "sub" / "unknown_step.yaml").write_bytes((BAD / "unknown_step.yaml").read_bytes())
    expected = read_expected("unknown_step.yaml").replace("{file}", str(d / "sub" / "unknown_step.yaml"))
    assert_rejected(tpmrun, d, expected, mode)


# ---- inputs that must load ----------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.iterdir() if p.suffix in SUFFIXES))
def test_good_input(tpmrun, name, mode):
    assert_loads(tpmrun, GOOD.relative_to(ROOT) / name, mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name,content", [pytest.param(*g, id=g[0]) for g in GENERATED_GOOD])
def test_generated_good_input(tpmrun, tmp_path, name, content, mode):
    assert_loads(tpmrun, write_input(tmp_path, name, content), mode)


@pytest.mark.parametrize("name", sorted(p.name for p in GOOD.iterdir() if p.suffix in SUFFIXES))
def test_good_input_matches_schema(name):
    """What the loader accepts, the published schema accepts too."""
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    jsonschema.validate(yaml.safe_load((GOOD / name).read_bytes()), schema)
