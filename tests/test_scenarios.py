"""Every scenario under scenarios/ passes on its own private swtpm, and its
results are complete and valid against schemas/results.schema.json."""
import json
import pathlib
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import yaml

from conftest import ROOT

SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*") if p.suffix in (".yaml", ".yml", ".json")
                   and "fragment" not in (yaml.safe_load(p.read_text()) or {}))   # fragments run where used
RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())


def scenario_id(path):
    return yaml.safe_load(path.read_text()).get("scenario", path.stem)


@pytest.fixture(scope="module")
def suite_run(tmp_path_factory):
    """One run of the whole directory (-j 2, JUnit), shared by the checks below."""
    from conftest import Tpmrun, swtpm_processes_under
    import shutil
    import tempfile
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-test-"))
    results = tmp_path_factory.mktemp("results")
    junit = results / "junit.xml"
    run = Tpmrun(tmp, results)
    proc = run("-j", "2", "-v", "--junit", junit, ROOT / "scenarios", timeout=1800)   # the whole tree: minutes under ASan
    leftovers = list(tmp.iterdir())
    procs = swtpm_processes_under(tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    assert not leftovers and not procs, (leftovers, procs)
    return proc, run, junit


def test_all_scenarios_pass(suite_run):
    proc, _, _ = suite_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{len(SCENARIOS)} passed, 0 failed" in proc.stdout


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_results_valid_and_clean(suite_run, path):
    _, run, _ = suite_run
    res = run.result(scenario_id(path))
    jsonschema.validate(res, RESULTS_SCHEMA)
    assert res["status"] == "passed", res.get("message")
    assert res["tpm"]["private_swtpm"] is True
    assert res["tpm"]["manufacturer"] == "IBM"
    # `cleanup` is the (first) TPM's; a scenario with tpms: has one per TPM
    cleanups = [res["cleanup"]] + [t["cleanup"] for t in res.get("tpms", {}).values()]
    for name, tpm in res.get("tpms", {}).items():
        assert tpm["private_swtpm"] is True and tpm["manufacturer"] == "IBM", name
    for cleanup in cleanups:
        assert cleanup["transient_handles_after"] == 0
        assert cleanup["loaded_sessions_after"] == 0
        assert cleanup["flush_errors"] == []
    for step in res["steps"]:
        assert step["status"] == "passed"
        # ESAPI-side settings that send nothing to the TPM
        if step["type"].startswith("esapi.") and step["type"] not in ("esapi.tr_set_auth",
                                                                       "esapi.session_set_attributes"):
            assert step["tpm_commands"], f"{step['type']} sent no TPM command"
        # the TPM's time is what the step's commands took there; the engine's is what is left
        cmds = step.get("tpm_commands", [])
        assert step["tpm_ms"] == pytest.approx(sum(c["tpm_ms"] for c in cmds), abs=0.0006 * (len(cmds) + 1))
        assert 0 <= step["tpm_ms"] <= step["duration_ms"] and step["engine_ms"] >= 0
    # the scenario's TPM time: every command it caused, connecting and cleaning up included
    tpms = res.get("tpms") or {"": {"connect_commands": res.get("connect_commands", []), "cleanup": res["cleanup"]}}
    cmds = [c for t in tpms.values() for c in t.get("connect_commands", []) + t["cleanup"].get("tpm_commands", [])]
    cmds += [c for s in res["steps"] for c in s.get("tpm_commands", [])]
    assert res["tpm_ms"] == pytest.approx(sum(c["tpm_ms"] for c in cmds), abs=0.0006 * (len(cmds) + 1))
    assert 0 < res["tpm_ms"] <= res["duration_ms"] and res["engine_ms"] >= 0


def test_junit_report(suite_run):
    _, _, junit = suite_run
    root = ET.parse(junit).getroot()
    cases = root.findall(".//testcase")
    assert sorted(c.get("name") for c in cases) == sorted(scenario_id(p) for p in SCENARIOS)
    assert root.get("failures") == "0" and root.get("errors") == "0"


def test_create_sign_results_show_what_happened(suite_run):
    """The TPM's answers, not just a pass: RSASSA-SHA256, 256-byte signature,
    sha256("fff"), and the commands each step sent."""
    _, run, _ = suite_run
    res = run.result("esapi_create_sign")
    steps = {s["index"]: s for s in res["steps"]}
    by_type = {}
    for s in res["steps"]:
        by_type.setdefault(s["type"], []).append(s)
    h = by_type["esapi.hash"][0]
    assert h["outputs"]["digest"]["hex"] == "f284bdc3c1c9e24a494e285cb387c69510f28de51c15bb93179d9c7f28705398"
    assert [c["command"] for c in h["tpm_commands"]] == ["Hash"]
    sig = by_type["esapi.sign"][0]["outputs"]["signature"]
    assert sig["type"] == "TPMT_SIGNATURE"
    assert sig["decoded"]["sigAlg"] == "rsassa"
    assert sig["decoded"]["hash"] == "sha256"
    assert len(bytes.fromhex(sig["decoded"]["signature"])) == 256
    primary = steps[0]
    assert primary["outputs"]["public"]["decoded"]["type"] == "rsa"
    assert [c["command"] for c in primary["tpm_commands"]] == ["CreatePrimary"]
    # every command succeeded, or was a TPM2_RC_RETRY warning that ESAPI resent
    for s in res["steps"]:
        rcs = [c["rc"] for c in s["tpm_commands"]]
        assert not rcs or rcs[-1] == "0x00000000" and set(rcs[:-1]) <= {"0x00000922"}, (s["type"], rcs)
    assert by_type["crypto.verify"][0]["outputs"]["valid"] is True
    assert res["tpm_ms"] > 0 and res["duration_ms"] >= res["tpm_ms"]


def test_auth_wrong_password_is_auth_fail(suite_run):
    _, run, _ = suite_run
    res = run.result("esapi_auth")
    wrong = next(s for s in res["steps"] if s.get("name") == "wrong password")
    assert wrong["rc"]["name"] == "TPM2_RC_AUTH_FAIL"
    assert int(wrong["rc"]["value"], 16) & 0x0BF == 0x08E
    assert wrong["inputs"]["auth"] == "<redacted>"


def test_encrypt_decrypt_round_trip(suite_run):
    _, run, _ = suite_run
    res = run.result("esapi_encrypt_decrypt")
    named = {s.get("name"): s for s in res["steps"]}
    plain = b"fooo, and three more AES blocks: CFB decryption isn't encryption"
    enc = bytes.fromhex(named["encrypt"]["outputs"]["data"]["hex"])
    assert len(enc) == len(plain) == 64 and enc != plain
    # OpenSSL, with the same key bits, makes the same ciphertext and reads the TPM's back
    assert named["OpenSSL encrypts the same"]["outputs"]["data"]["hex"] == enc.hex()
    assert named["OpenSSL decrypts the TPM's ciphertext"]["outputs"]["data"]["hex"] == plain.hex()
    assert named["decrypt"]["outputs"]["data"]["hex"] == plain.hex()
    # CFB: encrypting the ciphertext again gives the first block back, not the others
    twice = bytes.fromhex(named["encrypting the ciphertext again"]["outputs"]["data"]["hex"])
    assert twice[:16] == plain[:16] and twice[16:] != plain[16:]
    assert named["encrypt"]["outputs"]["command"] == "EncryptDecrypt2"
