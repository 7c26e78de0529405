"""Walks every registered step, as git's test walks every builtin: each has
docs, a schema entry and a scenario that uses it."""
import json
import subprocess

import yaml

from conftest import ROOT, TPMRUN


def catalogue():
    out = subprocess.run([TPMRUN, "--list-steps"], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")]


def test_catalogue_is_not_empty_and_sorted_by_family():
    steps = catalogue()
    assert "esapi.create_primary" in steps and "crypto.verify" in steps and "assert.equal" in steps
    assert not any(s.startswith("selftest.") for s in steps), "test-only steps leak into the catalogue"


def test_every_step_documented():
    out = subprocess.run([TPMRUN, "--list-steps", "-v"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            name, _, doc = line.partition(" ")
            assert doc.strip(), f"{name} has no doc line"
        else:
            parts = line.split()
            assert len(parts) >= 3, f"undocumented parameter or output: {line!r}"


def test_every_step_in_schema():
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    in_schema = {next(iter(s["required"])) for s in schema["properties"]["steps"]["items"]["oneOf"]}
    assert set(catalogue()) == in_schema - {"use"}     # use: FRAGMENT is no step of its own


STEP_KEYS = {"name", "save", "expect", "sessions", "tpm", "locality", "skip", "xfail", "requires",
             "timeout"}   # engine/load/scenario_step.c


def used_steps():
    """The step type of every step of every scenario file under scenarios/
    (parsed: a comment or a description naming a step does not count)."""
    used = set()
    for path in sorted((ROOT / "scenarios").rglob("*")):
        if path.suffix not in (".yaml", ".yml", ".json"):
            continue
        doc = yaml.safe_load(path.read_text())
        assert isinstance(doc, dict) and isinstance(doc.get("steps"), list), f"{path} is not a scenario"
        for entry in doc["steps"]:
            if "use" in entry:      # a fragment's steps: the fragment file counts them
                continue
            types = [k for k in entry if k not in STEP_KEYS]
            assert len(types) == 1, f"{path}: a step with {types}"
            used.add(types[0])
    return used


def test_every_step_used_by_a_scenario():
    used = used_steps()
    unused = [s for s in catalogue() if s not in used]
    assert not unused, f"steps no scenario uses: {unused}"
    assert used <= set(catalogue())     # (and the parse found real step types)


def test_list_steps_names_only_those():
    p = subprocess.run([TPMRUN, "--list-steps", "-v", "esapi.hash", "crypto.verify"], capture_output=True, text=True)
    assert p.returncode == 0
    heads = [l.split()[0] for l in p.stdout.splitlines() if not l.startswith(" ")]
    assert heads == ["esapi.hash", "crypto.verify"]
    assert "    alg " in p.stdout and "-> validation" in p.stdout
    bad = subprocess.run([TPMRUN, "--list-steps", "esapi.hsh"], capture_output=True, text=True)
    assert bad.returncode == 2 and "did you mean 'esapi.hash'" in bad.stderr and not bad.stdout
