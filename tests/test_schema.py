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


# Text in a syntax: the schema says what the loader says, so that an editor
# flags the same typos the loader refuses (and none it accepts).
SYNTAX_CASES = [
    # (step, parameter, value, loader and schema accept it)
    ("esapi.pcr_extend", "hash", "sha256", True),
    ("esapi.pcr_extend", "hash", "SHA384", True),
    ("esapi.pcr_extend", "hash", "0x000b", True),
    ("esapi.pcr_extend", "hash", "sha265", False),
    ("esapi.create_primary", "attributes", "fixedtpm|fixedparent|userwithauth", True),
    ("esapi.create_primary", "attributes", " fixedtpm | noda ", True),
    ("esapi.create_primary", "attributes", "0x00060072", True),
    ("esapi.create_primary", "attributes", "fixedtpm|ownerwirte", False),
    ("esapi.create_primary", "template", "rsa2048:rsassa-sha384:null", True),
    ("esapi.create_primary", "template", "ecc_nist_p384", True),
    ("esapi.create_primary", "template", "aes256cfb", True),
    ("esapi.create_primary", "template", "srk-ecc256", True),
    ("esapi.create_primary", "template", "hmac:sha384", True),
    ("esapi.create_primary", "template", "rsa2084", False),
    ("esapi.create_primary", "template", "ecc265", False),
    ("esapi.create_primary", "hierarchy", "o", True),
    ("esapi.create_primary", "hierarchy", "Endorsement", True),
    ("esapi.create_primary", "hierarchy", "ownr", False),
    ("esapi.pcr_read", "pcrs", "sha256:0,1,23+sha1:0-7", True),
    ("esapi.pcr_read", "pcrs", "sha256:all", True),
    ("esapi.pcr_read", "pcrs", "sha265:0", False),
    ("esapi.sign", "scheme", "ecdsa-sha384", True),
    ("esapi.sign", "scheme", "rsapss", True),
    ("esapi.sign", "scheme", "rsasa", False),
    ("esapi.start_auth_session", "symmetric", "aes256cfb", True),
    ("esapi.start_auth_session", "symmetric", "xor", True),
    ("esapi.start_auth_session", "symmetric", "aes128cfx", False),
    ("esapi.start_auth_session", "type", "Policy", True),
    ("esapi.start_auth_session", "type", "policey", False),
    ("esapi.start_auth_session", "attributes", "continuesession|decrypt", True),
    ("esapi.start_auth_session", "attributes", "continuesesion", False),
    ("esapi.policy_command_code", "code", "TPM2_CC_Unseal", True),
    ("esapi.policy_command_code", "code", "nv_definespace", True),
    ("esapi.policy_command_code", "code", "Unsel", False),
    ("file.read", "as", "TPM2B_PUBLIC", True),
    ("file.read", "as", "TPM2B_PUBLICK", False),
]

REQUIRED = {  # the other parameters each step needs
    "esapi.pcr_extend": {"pcr": 0, "digest": "x" * 32},
    "esapi.create_primary": {},
    "esapi.pcr_read": {},
    "esapi.sign": {"key": "${k}", "digest": "x"},
    "esapi.start_auth_session": {},
    "esapi.policy_command_code": {"session": "${s}"},
    "file.read": {"path": "x"},
}


@pytest.mark.parametrize("step,param,value,ok", SYNTAX_CASES, ids=lambda v: str(v))
def test_schema_and_loader_agree_on_syntaxes(tmp_path, step, param, value, ok):
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    args = {**REQUIRED[step], param: value}
    steps = [{"esapi.create_primary": {}, "save": "k"}, {"esapi.start_auth_session": {}, "save": "s"},
             {step: args}]
    doc = {"steps": steps}
    try:
        jsonschema.validate(doc, schema)
        schema_ok = True
    except jsonschema.ValidationError:
        schema_ok = False
    f = tmp_path / "s.json"
    f.write_text(json.dumps(doc))
    check = subprocess.run([TPMRUN, "--check", str(f)], capture_output=True, text=True)
    assert (check.returncode == 0) == ok, check.stderr
    assert schema_ok == ok, f"the schema {'refuses' if ok else 'accepts'} {param}: {value!r}"
