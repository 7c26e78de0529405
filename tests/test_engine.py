"""The run loop, failure handling, process hygiene and CLI, on real swtpms."""
import json
import os
import signal
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from conftest import ROOT, TPMRUN

FIX = ROOT / "tests" / "fixtures"


def test_failing_scenario_exits_1_and_names_the_step(tpmrun):
    p = tpmrun(FIX / "fails_on_purpose.yaml")
    assert p.returncode == 1
    res = tpmrun.result("fails_on_purpose")
    assert res["status"] == "failed"
    assert res["failed_step"]["index"] == 2
    assert res["failed_step"]["name"] == "wrong known answer"
    assert res["failed_step"]["line"] == 8
    assert "output 'digest'" in res["failed_step"]["message"]
    assert len(res["steps"]) == 3, "a failed step ends its scenario"
    # the primary made in step 1 was flushed by the engine
    assert res["cleanup"]["flushed"] == 1
    assert res["cleanup"]["transient_handles_after"] == 0
    assert "FAIL" in p.stdout and "fails_on_purpose.yaml:8: step 3 esapi.hash" in p.stdout
    assert "0 passed, 1 failed" in p.stdout


def test_expected_error_that_does_not_happen_fails(tpmrun):
    p = tpmrun(FIX / "expects_error_gets_success.yaml")
    assert p.returncode == 1
    res = tpmrun.result("expects_error_gets_success")
    assert res["failed_step"]["message"] == "expected TPM2_RC_AUTH_FAIL, got success"


@pytest.mark.parametrize("fixture,signame", [("crashes.yaml", "Segmentation fault"), ("aborts.yaml", "Aborted")])
def test_crashing_step_is_an_error_and_others_go_on(tpmrun, fixture, signame):
    # under ASan, let the signal through instead of ASan's own report-and-exit
    p = tpmrun("-j", "2", FIX / fixture, FIX / "small_ok.yaml", env={"ASAN_OPTIONS": "handle_segv=0"})
    assert p.returncode == 1
    res = tpmrun.result(fixture.replace(".yaml", ""))
    assert res["status"] == "error"
    assert signame in res["message"]
    assert "selftest.crash" in res["message"]
    # what the scenario finished before it died is kept, and the file is valid
    done = [s["type"] for s in res["steps"]]
    assert done == (["esapi.create_primary"] if fixture == "crashes.yaml" else [])
    assert res["tpm"]["private_swtpm"] is True
    jsonschema.validate(res, json.loads((ROOT / "schemas" / "results.schema.json").read_text()))
    assert tpmrun.result("small_ok")["status"] == "passed"
    assert "1 passed, 0 failed, 1 errors" in p.stdout


def test_timeout_kills_scenario_and_cleans_up(tpmrun):
    p = tpmrun("--timeout", "1", FIX / "sleeps.yaml")
    assert p.returncode == 1
    res = tpmrun.result("sleeps")
    assert res["status"] == "error"
    assert res["message"].startswith("timed out after 1 s in step 2 (selftest.sleep")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_everything(tpmrun, sig):
    proc = subprocess.Popen([TPMRUN, "--results", str(tpmrun.results), "-j", "2", FIX / "sleeps.yaml",
                             FIX / "small_ok.yaml"], env=tpmrun.env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline and not list(tpmrun.tmp.glob("tpmrun-*")):
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "interrupted" in err
    # the private_tmp fixture asserts that no swtpm and no directory is left


def test_parallel_runs_use_separate_tpms(tpmrun, tmp_path):
    # four copies of one scenario under different ids, two at a time
    for i in range(4):
        (tmp_path / f"p{i}.yaml").write_text((FIX / "small_ok.yaml").read_text().replace("small_ok", f"p{i}"))
    p = tpmrun("-j", "2", tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    tctis = {tpmrun.result(f"p{i}")["tpm"]["tcti"] for i in range(4)}
    assert len(tctis) == 4
    for i in range(4):
        assert tpmrun.result(f"p{i}")["steps"][0]["outputs"]["handle"]["handle"] == "0x80000000"


def test_external_tcti(tpmrun, private_tmp):
    """--tcti runs against a TPM someone else started (here: this test)."""
    state = tempfile.mkdtemp(dir=private_tmp)
    sock = f"{state}/s.sock"
    swtpm = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}", "--server",
                              f"type=unixio,path={sock}", "--ctrl", f"type=unixio,path={sock}.ctrl",
                              "--flags", "not-need-init,startup-clear"])
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.01)
        p = tpmrun("--tcti", f"swtpm:path={sock}", FIX / "small_ok.yaml")
        assert p.returncode == 0, p.stdout + p.stderr
        res = tpmrun.result("small_ok")
        assert res["tpm"]["private_swtpm"] is False
        assert res["tpm"]["tcti"] == f"swtpm:path={sock}"
        # the same TPM answers tpm2-tools afterwards, with nothing left loaded
        tools = subprocess.run(["tpm2_getcap", "handles-transient"], capture_output=True, text=True,
                               env={**os.environ, "TPM2TOOLS_TCTI": f"swtpm:path={sock}"})
        assert tools.returncode == 0 and tools.stdout.strip() == ""
    finally:
        swtpm.terminate()
        swtpm.wait()
        subprocess.run(["rm", "-rf", state])


def test_tcti_from_environment(tpmrun):
    p = tpmrun(FIX / "small_ok.yaml", env={"TPM2TOOLS_TCTI": "swtpm:path=/nonexistent/tpm.sock"})
    assert p.returncode == 1
    res = tpmrun.result("small_ok")
    assert res["status"] == "error"
    assert "/nonexistent/tpm.sock" in res["message"]


def test_check_needs_no_tpm(tpmrun):
    p = tpmrun("--check", ROOT / "scenarios", env={"PATH": "/nonexistent"})
    assert p.returncode == 0, p.stderr
    assert "scenarios checked, no errors" in p.stdout
    assert not tpmrun.results.exists()


def test_fapi_smoke_beside_jansson(tpmrun):
    p = tpmrun(FIX / "fapi_smoke.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("fapi_smoke")
    assert res["steps"][0]["outputs"]["profile"] == "P_ECCP256SHA256"
    assert res["steps"][0]["outputs"]["info_bytes"] > 100


def test_junit_names_failing_step(tpmrun, tmp_path):
    junit = tmp_path / "j.xml"
    p = tpmrun("--junit", junit, FIX / "fails_on_purpose.yaml", FIX / "small_ok.yaml")
    assert p.returncode == 1
    root = ET.parse(junit).getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["fails_on_purpose"].find("failure")
    assert failure is not None
    assert failure.get("message").startswith("step 3 esapi.hash (line 8): output 'digest'")
    assert cases["small_ok"].find("failure") is None


@pytest.mark.parametrize("args,code,text", [
    (["--help"], 0, "usage: tpmrun"),
    (["--version"], 0, "tpmrun 0."),
    ([], 2, "no scenario files given"),
    (["--bogus"], 2, "unrecognized option"),
    (["-j", "0", "x.yaml"], 2, "-j expects a number"),
])
def test_cli_usage(args, code, text):
    p = subprocess.run([TPMRUN, *args], capture_output=True, text=True)
    assert p.returncode == code
    assert text in p.stdout + p.stderr


def test_duplicate_scenario_ids_are_an_error(tpmrun):
    p = tpmrun(FIX / "small_ok.yaml", FIX / "small_ok.yaml")
    assert p.returncode == 2
    assert "scenario id 'small_ok' is also used by" in p.stderr


def test_dollar_brace_escape(tpmrun):
    """$${ stands for a literal ${ in text and argv (e.g. shell variables)."""
    p = tpmrun(FIX / "dollar_escape.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    steps = tpmrun.result("dollar_escape")["steps"]
    assert steps[0]["outputs"]["stdout"] == "shell tpmrun\n"
    assert steps[1]["outputs"]["stdout"] == "${literal}\n"


def test_tpm_error_message_names_the_code(tpmrun, tmp_path):
    """A step failing on a TPM error says which call, the code's name (what
    expect: {rc: ...} would take) and Tss2_RC_Decode's text."""
    f = tmp_path / "tpmfail.yaml"
    f.write_text("scenario: tpmfail\nsteps:\n"
                 "  - esapi.create_primary: {template: ecc256:null:aes128cfb, auth: right}\n    save: p\n"
                 "  - esapi.create: {parent: \"${p}\", parent_auth: wrong, template: ecc256}\n")
    p = tpmrun(f)
    assert p.returncode == 1
    res = tpmrun.result("tpmfail")
    assert res["failed_step"]["message"].startswith("Esys_Create: TPM2_RC_AUTH_FAIL (0x98e) tpm:session(1):")
    # the text is Tss2_RC_Decode's, as tpm2_rc_decode prints it
    decoded = subprocess.run(["tpm2_rc_decode", "0x98e"], capture_output=True, text=True, check=True).stdout.strip()
    assert decoded == "tpm:session(1):the authorization HMAC check failed and DA counter incremented"
    assert res["steps"][1]["rc"] == {"value": "0x0000098e", "name": "TPM2_RC_AUTH_FAIL", "text": decoded}


# ---- auth values: a step's own auth: is for that step only ----------------

def write(tmp_path, name, text):
    f = tmp_path / f"{name}.yaml"
    f.write_text(text)
    return f


def test_auth_on_a_step_is_for_that_step_only(tpmrun, tmp_path):
    f = write(tmp_path, "auth_once", """
steps:
  - esapi.create_primary: {template: ecc256}
    save: primary
  - esapi.create: {parent: "${primary}", template: "ecc256:ecdsa", auth: right}
    save: key
  - esapi.load: {parent: "${primary}", private: "${key.private}", public: "${key.public}", auth: right}
    save: signer
  - esapi.hash: {data: abc}
    save: h
  - name: wrong for this step
    esapi.sign: {key: "${signer}", auth: wrong, digest: "${h.digest}", validation: "${h.validation}"}
    expect: {rc: auth_fail}
  - name: the remembered value again
    esapi.sign: {key: "${signer}", digest: "${h.digest}", validation: "${h.validation}"}
  - esapi.tr_set_auth: {object: "${signer}", auth: other}
  - name: tr_set_auth changes what later steps use
    esapi.sign: {key: "${signer}", digest: "${h.digest}", validation: "${h.validation}"}
    expect: {rc: auth_fail}
  - esapi.sign: {key: "${signer}", auth: right, digest: "${h.digest}", validation: "${h.validation}"}
""")
    p = tpmrun(f)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("auth_once")
    assert [s["status"] for s in res["steps"]] == ["passed"] * 9


def test_hierarchy_auth_is_for_that_step_only(tpmrun, tmp_path):
    f = write(tmp_path, "hierarchy_once", """
steps:
  - exec: {argv: [tpm2_changeauth, -c, o, owner-pw]}
  - name: the new owner auth, given
    esapi.create_primary: {template: ecc256, hierarchy_auth: owner-pw}
    save: p1
  - esapi.flush_context: {handle: "${p1}"}
  - name: "not given: the empty auth, which the owner no longer has"
    esapi.create_primary: {template: ecc256}
    expect: {rc: bad_auth}
  - exec: {argv: [tpm2_changeauth, -c, o, -p, owner-pw]}
  - name: "back to empty, and a plain step works"
    esapi.create_primary: {template: ecc256}
    save: p2
  - esapi.flush_context: {handle: "${p2}"}
  - exec: {argv: [tpm2_changeauth, -c, o, owner-pw2]}
  - esapi.tr_set_auth: {hierarchy: owner, auth: owner-pw2}
  - name: tr_set_auth remembers a hierarchy's value
    esapi.create_primary: {template: ecc256}
""")
    p = tpmrun(f)
    assert p.returncode == 0, p.stdout + p.stderr
    steps = {s.get("name"): s for s in tpmrun.result("hierarchy_once")["steps"]}
    assert steps["not given: the empty auth, which the owner no longer has"]["rc"]["name"] == "TPM2_RC_BAD_AUTH"
    assert steps["tr_set_auth remembers a hierarchy's value"]["status"] == "passed"


def test_power_cycle_gone_objects_and_external_tpms(tpmrun, tmp_path, shared_swtpm):
    f = write(tmp_path, "power", """
steps:
  - esapi.create_primary: {template: ecc256}
    save: p
  - tpm.power_cycle: {startup: clear}
  - esapi.read_public: {object: "${p}"}
""")
    p = tpmrun(f)
    assert p.returncode == 1
    msg = tpmrun.result("power")["failed_step"]["message"]
    assert msg == "'object' (handle 0x80000000) is gone: the TPM's power was cycled at step 2"
    tcti, _ = shared_swtpm
    p = tpmrun("--tcti", tcti, f)
    msg = tpmrun.result("power")["failed_step"]["message"]
    assert msg.startswith("only a private swtpm can be power-cycled (this TPM is 'swtpm:path="), msg
    res = tpmrun.result("power")
    assert res["cleanup"]["removed"] == [] and res["cleanup"]["left"] == []
