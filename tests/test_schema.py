"""The scenario schema is generated from the registry and kept in git."""
import json
import subprocess

import jsonschema
import pytest
import yaml

from conftest import ROOT, TPMRUN

SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*") if p.suffix in (".yaml", ".yml", ".json"))


def test_committed_schema_is_current():
    out = subprocess.run([TPMRUN, "--schema"], capture_output=True, text=True, check=True).stdout
    committed = (ROOT / "schemas" / "scenario.schema.json").read_text()
    assert out == committed, "schemas/scenario.schema.json is stale: run `make schema`"


def test_schemas_are_valid_draft7():
    for name in ("scenario.schema.json", "results.schema.json"):
        jsonschema.Draft7Validator.check_schema(json.loads((ROOT / "schemas" / name).read_text()))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_scenario_validates_against_schema(path):
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(path.read_text()), schema)


def test_schema_rejects_unknown_step():
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"steps": [{"esapi.sing": {}}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"steps": [{"esapi.get_random": {"byts": 8}}]}, schema)
