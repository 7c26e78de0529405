"""Scenarios with several TPMs (`tpms:`): each its own private swtpm, steps
pick one with `tpm:`, objects stay on the TPM that made them, and every TPM
is cleaned up and stopped however the scenario ends."""
import json
import signal
import subprocess
import textwrap
import time

import jsonschema
import pytest

from conftest import ROOT, TPMRUN, swtpm_processes_under

FIX = ROOT / "tests" / "fixtures"
TRANSFER = ROOT / "scenarios" / "esapi" / "esapi_duplicate_two_tpms.yaml"
RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())
STORAGE = "ecc256:null:aes128cfb"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def assert_clean(cleanup):
    assert cleanup["transient_handles_after"] == 0
    assert cleanup["loaded_sessions_after"] == 0
    assert cleanup["saved_sessions_after"] == 0
    assert cleanup["flush_errors"] == []


def test_key_moves_from_a_to_b(tpmrun):
    p = tpmrun(TRANSFER)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("esapi_duplicate_two_tpms")
    jsonschema.validate(res, RESULTS_SCHEMA)
    tpms = res["tpms"]
    assert sorted(tpms) == ["a", "b"]
    assert tpms["a"]["tcti"] != tpms["b"]["tcti"]
    for name, t in tpms.items():
        assert t["private_swtpm"] is True and t["manufacturer"] == "IBM", name
        assert t["tcti"].startswith(f"swtpm:path={tpmrun.tmp}/tpmrun-"), name
        assert t["swtpm_startup_ms"] > 0, name
        assert [c["command"] for c in t["connect_commands"]][0] == "Startup", name
        assert_clean(t["cleanup"])
    # `tpm` and `cleanup` stay the default (first) TPM's
    assert res["tpm"]["tcti"] == tpms["a"]["tcti"]
    assert res["cleanup"] == tpms["a"]["cleanup"]
    # a held B's EK public and the key; b its EK, the key and a session
    assert tpms["a"]["cleanup"]["flushed"] == 2 and tpms["b"]["cleanup"]["flushed"] == 3

    steps = {s.get("name"): s for s in res["steps"]}
    for s in res["steps"]:
        uses_tpm = s["type"].startswith("esapi.")
        assert ("tpm" in s) == uses_tpm, s["type"]
    assert steps["B's EK (TCG ECC P-256 template)"]["tpm"] == "b"
    assert steps["A duplicates the key to B's EK"]["tpm"] == "a"
    assert steps["B imports the key under its EK"]["tpm"] == "b"
    wrong = steps["duplicating to a parent other than the selected one fails"]
    assert wrong["tpm"] == "a" and wrong["rc"]["name"] == "TPM2_RC_POLICY_FAIL"
    assert [c["command"] for c in wrong["tpm_commands"]] == ["Duplicate"]
    # B's EK has the same name on A, where only its public is loaded
    ek_b = steps["B's EK (TCG ECC P-256 template)"]["outputs"]
    ek_on_a = steps["B's EK public on A (public only)"]["outputs"]
    assert ek_on_a["name"] == ek_b["name"]
    assert ek_on_a["handle"]["handle"] == "0x80000000" == ek_b["handle"]["handle"]    # one per TPM
    sig = steps["B signs through the PolicyAuthValue branch"]
    assert sig["tpm"] == "b" and sig["outputs"]["signature"]["decoded"]["sigAlg"] == "ecdsa"
    assert [c["command"] for c in steps["A verifies B's signature with its own copy of the key"]["tpm_commands"]] \
        == ["VerifySignature"]
    assert "(TPM" in p.stdout


def test_single_tpm_results_keep_their_shape(tpmrun):
    p = tpmrun(FIX / "small_ok.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("small_ok")
    assert "tpms" not in res
    assert all("tpm" not in s for s in res["steps"])


def test_one_declared_tpm(tpmrun, tmp_path):
    path = write(tmp_path, "one.yaml", f"""\
        scenario: one
        tpms: {{only: {{}}}}
        steps:
          - esapi.create_primary: {{template: "{STORAGE}"}}
            tpm: only
          - esapi.get_random: {{bytes: 4}}
        """)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("one")
    jsonschema.validate(res, RESULTS_SCHEMA)
    assert list(res["tpms"]) == ["only"]
    assert res["tpms"]["only"]["tcti"] == res["tpm"]["tcti"]
    assert res["tpms"]["only"]["cleanup"]["flushed"] == 1
    assert_clean(res["tpms"]["only"]["cleanup"])
    assert all("tpm" not in s for s in res["steps"])


def test_object_of_a_used_on_b_fails_the_step(tpmrun, tmp_path):
    """The loader refuses ${object} of another TPM (tests/bad_input); when it
    cannot know (a value typed `any`), the step fails, naming both TPMs."""
    path = write(tmp_path, "cross.yaml", f"""\
        scenario: cross
        tpms: {{a: {{}}, b: {{}}}}
        steps:
          - esapi.create_primary: {{template: "{STORAGE}"}}
            save: primary
          - esapi.start_auth_session: {{type: hmac}}
            save: session
          - selftest.echo: {{value: "${{primary}}"}}
            save: hidden
          - esapi.read_public: {{object: "${{hidden.value}}"}}
            tpm: b
        """)
    p = tpmrun(path)
    assert p.returncode == 1
    res = tpmrun.result("cross")
    assert res["failed_step"] == {
        "index": 3, "type": "esapi.read_public", "line": 10, "tpm": "b",
        "message": "'object' is an object on TPM 'a', but this step runs on TPM 'b' "
                   "(objects and sessions stay on the TPM that made them)"}
    assert res["steps"][3]["tpm_commands"] == []    # nothing was sent to b
    assert res["tpms"]["a"]["cleanup"]["flushed"] == 2
    assert_clean(res["tpms"]["a"]["cleanup"])
    assert_clean(res["tpms"]["b"]["cleanup"])


def test_session_of_a_used_on_b_fails_the_step(tpmrun, tmp_path):
    path = write(tmp_path, "cross_session.yaml", """\
        scenario: cross_session
        tpms: {a: {}, b: {}}
        steps:
          - esapi.start_auth_session: {type: hmac}
            save: session
          - selftest.echo: {value: "${session}"}
            save: hidden
          - esapi.get_random: {bytes: 4}
            sessions: ["${hidden.value}"]
            tpm: b
        """)
    p = tpmrun(path)
    assert p.returncode == 1
    msg = tpmrun.result("cross_session")["failed_step"]["message"]
    assert msg.startswith("'sessions' is a session on TPM 'a', but this step runs on TPM 'b'")


@pytest.mark.parametrize("body,error", [
    ("tpms: {a: {}, b: {}}\nsteps:\n  - esapi.start_auth_session: {type: hmac}\n    save: s\n"
     "  - esapi.get_random: {bytes: 4}\n    sessions: [\"${s}\"]\n    tpm: b\n",
     "6:16: error: ${s} is a session on TPM 'a', but this step runs on TPM 'b' (objects and sessions stay on the TPM "
     "that made them)"),
    ("tpms: {a: {}, b: {}}\nsteps:\n  - esapi.create_primary: {template: ecc256}\n    tpm: b\n    save: p\n"
     "  - esapi.flush_context: {handle: \"${p}\"}\n",
     "6:35: error: ${p} is an object on TPM 'b', but this step runs on TPM 'a' (objects and sessions stay on the TPM "
     "that made them)"),
    ("tpms: {alice: {}, bob: {}}\nsteps:\n  - esapi.get_random: {bytes: 4}\n    tpm: carol\n",
     "4:10: error: unknown TPM 'carol' (tpms: declares alice, bob)"),
    ("steps:\n  - esapi.get_random: {bytes: 4}\n    tpm: b\n",
     "3:10: error: unknown TPM 'b': the scenario declares none (add tpms: {b: {}, ...})"),
    ("tpms: {a: {}, b: {}}\nsteps:\n  - crypto.hash: {data: x}\n    tpm: b\n",
     "4:10: error: crypto.hash uses no TPM: it takes no tpm"),
    ("tpms: {a: {}, b: {}}\nsteps:\n  - fapi.provision:\n    tpm: b\n",
     "4:10: error: fapi.provision runs on the first TPM ('a') only: FAPI has one TPM"),
    ("tpms: {a: {ek_certs: true}}\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
     "1:12: error: unknown TPM setting 'ek_certs' (did you mean 'ek_cert'?)"),
    ("tpms: {a: {ek_cert: yes}}\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
     "1:21: error: ek_cert must be true or false, not 'yes'"),
    ("tpms: [a, b]\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
     "1:7: error: tpms must be a mapping of TPM names to settings, like tpms: {a: {}, b: {}}"),
    ("tpms: {a-1: {}}\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
     "1:8: error: TPM name 'a-1' must be an identifier (letters, digits, _)"),
    ("tmps: {a: {}}\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
     "1:1: error: unknown top-level key 'tmps' (did you mean 'tpms'?)"),
], ids=["session-other-tpm", "object-other-tpm", "unknown-tpm", "no-tpms", "no-tpm-step", "fapi-not-default",
        "unknown-setting", "ek-cert-not-bool", "tpms-list", "tpm-name", "tpms-typo"])
def test_load_errors(tpmrun, tmp_path, body, error):
    path = write(tmp_path, "bad.yaml", body)
    p = tpmrun("--check", path)
    assert p.returncode == 2
    assert p.stderr == f"{path}:{error}\n"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_external_tcti_cannot_run_two_tpms(tpmrun, how):
    tcti = "swtpm:path=/nonexistent/tpm.sock"
    p = tpmrun("--tcti", tcti, TRANSFER) if how == "option" else tpmrun(TRANSFER, env={"TPM2TOOLS_TCTI": tcti})
    assert p.returncode == 1
    res = tpmrun.result("esapi_duplicate_two_tpms")
    assert res["status"] == "error" and res["steps"] == []
    assert res["message"] == ("the scenario declares 2 TPMs (tpms:); --tcti (or TPM2TOOLS_TCTI, TSS2_TCTI) gives "
                              "one: run it without, on private swtpms")


def test_exec_runs_on_the_steps_tpm(tpmrun, tmp_path):
    """exec on b runs against b (b's proxy in TPM2TOOLS_TCTI); b's objects
    and sessions stay usable, a's are untouched."""
    path = write(tmp_path, "exec_b.yaml", f"""\
        scenario: exec_b
        tpms: {{a: {{}}, b: {{}}}}
        steps:
          - esapi.create_primary: {{template: "{STORAGE}"}}
            tpm: a
            save: pa
          - esapi.create_primary: {{template: "{STORAGE}"}}
            tpm: b
            save: pb
          - esapi.start_auth_session: {{type: hmac, attributes: continuesession|encrypt}}
            tpm: b
            save: sb
          - exec: {{command: 'printf %s "$TPM2TOOLS_TCTI"'}}
            tpm: b
            save: tcti_b
          - exec: {{argv: [tpm2_getcap, handles-transient]}}
            tpm: b
            save: handles_b
          - exec: {{argv: [tpm2_getcap, handles-persistent]}}
            save: handles_a
          - esapi.read_public: {{object: "${{pb}}"}}
            tpm: b
          - esapi.get_random: {{bytes: 8}}
            tpm: b
            sessions: ["${{sb}}"]
          - esapi.read_public: {{object: "${{pa}}"}}
        """)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("exec_b")
    steps = res["steps"]
    assert steps[3]["tpm"] == "b" and steps[3]["outputs"]["stdout"] == res["tpms"]["b"]["proxy"]
    assert res["tpms"]["b"]["proxy"].endswith("/tpm-b.sock") and res["tpms"]["a"]["proxy"].endswith("/tpm-a.sock")
    assert [(c["client"], c["command"]) for c in steps[4]["tpm_commands"]][-1] == ("tpm2_getcap", "GetCapability")
    assert steps[4]["outputs"]["stdout"] == "- 0x80000000\n"
    assert steps[5]["tpm"] == "a"
    assert [c["command"] for c in steps[6]["tpm_commands"]] == ["ReadPublic"]
    assert steps[6]["outputs"]["name"] == steps[1]["outputs"]["name"]
    assert [c["command"] for c in steps[7]["tpm_commands"]] == ["GetRandom"]    # with the session on b
    assert steps[7]["inputs"]["sessions"][0]["session"].startswith("0x02")
    assert steps[8]["outputs"]["name"] == steps[0]["outputs"]["name"]
    for t in res["tpms"].values():
        assert_clean(t["cleanup"])
    assert res["tpms"]["a"]["cleanup"]["flushed"] == 1 and res["tpms"]["b"]["cleanup"]["flushed"] == 2


def test_ek_cert_on_one_tpm(tpmrun, tmp_path):
    """tpms: {b: {ek_cert: true}} manufactures b only (EK certificates in NV)."""
    path = write(tmp_path, "ekcert.yaml", """\
        scenario: ekcert
        tpms: {a: {}, b: {ek_cert: true}}
        steps:
          - exec: {argv: [tpm2_getcap, handles-nv-index]}
            tpm: a
          - exec: {argv: [tpm2_getcap, handles-nv-index]}
            tpm: b
        """)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    steps = tpmrun.result("ekcert")["steps"]
    assert steps[0]["outputs"]["stdout"] == ""
    assert steps[1]["outputs"]["stdout"] == "- 0x1C00002\n- 0x1C00016\n"     # RSA and ECC EK certificates


def test_fapi_on_the_default_tpm_beside_esapi_on_another(tpmrun, tmp_path):
    path = write(tmp_path, "fapi_two.yaml", """\
        scenario: fapi_two
        fapi: {profile: P_ECCP256SHA256}
        tpms: {a: {}, b: {}}
        steps:
          - selftest.fapi_smoke:
            expect: {outputs: {profile: P_ECCP256SHA256}}
          - esapi.get_random: {bytes: 8}
            tpm: b
        """)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("fapi_two")
    assert [s["tpm"] for s in res["steps"]] == ["a", "b"]
    assert [c["command"] for c in res["steps"][1]["tpm_commands"]] == ["GetRandom"]
    for t in res["tpms"].values():
        assert_clean(t["cleanup"])


def test_crash_stops_both_tpms(tpmrun):
    p = tpmrun(FIX / "two_tpms_crashes.yaml", env={"ASAN_OPTIONS": "handle_segv=0"})
    assert p.returncode == 1
    res = tpmrun.result("two_tpms_crashes")
    assert res["status"] == "error"
    assert res["message"] == "crashed with signal 11 (Segmentation fault) in step 3 (selftest.crash, line 8)"
    # the private_tmp fixture asserts that neither swtpm nor any directory is left


def test_timeout_stops_both_tpms(tpmrun):
    p = tpmrun("--timeout", "5", FIX / "two_tpms_sleeps.yaml")     # (room for a slow, loaded machine)
    assert p.returncode == 1
    res = tpmrun.result("two_tpms_sleeps")
    assert res["message"].startswith("timed out after 5 s in step 3 (selftest.sleep")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_both_tpms(tpmrun, sig):
    proc = subprocess.Popen([TPMRUN, "--results", str(tpmrun.results), FIX / "two_tpms_sleeps.yaml"],
                            env=tpmrun.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline and len(swtpm_processes_under(tpmrun.tmp)) < 2:
        time.sleep(0.02)
    assert len(swtpm_processes_under(tpmrun.tmp)) == 2
    time.sleep(0.3)     # into the sleep step
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "interrupted" in err
    assert swtpm_processes_under(tpmrun.tmp) == []
