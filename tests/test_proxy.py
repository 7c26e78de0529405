"""The TPM proxy: every client of a scenario's TPM -- tpmrun's own ESAPI
context, FAPI, and the programs `exec` runs (tpm2-tools, a tpm2-pytss
script) -- goes through it, so each step's results list every command it
caused, whoever sent it; what a program or FAPI leaves loaded is flushed;
faults and localities apply to every client.  Real swtpm, real tpm2-tools,
real FAPI."""
import json
import textwrap

import pytest

from injected import check_every

STORAGE = "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"


def run(tpmrun, tmp_path, text, *args, name="t"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + textwrap.dedent(text))
    p = tpmrun(*args, path)
    res_file = tpmrun.results / f"{name}.json"
    return p, (tpmrun.result(name) if res_file.exists() else None)


def cmds(step, skip_caps=False):
    return [(c["client"], c["command"]) for c in step.get("tpm_commands", [])
            if not (skip_caps and c["command"] == "GetCapability")]


def assert_clean(cleanup):
    assert cleanup["flush_errors"] == []
    assert cleanup["transient_handles_after"] == 0
    assert cleanup["loaded_sessions_after"] == 0 and cleanup["saved_sessions_after"] == 0


# ---- every client's commands are recorded ------------------------------------------------

def test_a_programs_commands_are_in_its_steps_results(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - exec: {argv: [tpm2_getrandom, --hex, "8"]}
        """, "--wire")
    assert p.returncode == 0, p.stdout + p.stderr
    step = res["steps"][0]
    got = [c for c in step["tpm_commands"] if c["command"] == "GetRandom"]
    assert len(got) == 1
    c = got[0]
    assert c["client"] == "tpm2_getrandom" and c["pid"] > 1 and c["rc"] == "0x00000000"
    assert c["code"] == "0x0000017b" and c["command_bytes"] == 12 and c["response_bytes"] == 20
    # the bytes the program printed are the bytes the TPM answered
    assert c["response_hex"] == "80010000001400000000" + "0008" + step["outputs"]["stdout"].strip()
    assert step["flushed_left_loaded"] == []


def test_fapi_initialize_and_fapi_calls_are_recorded_as_fapi(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        fapi: {profile: P_ECCP256SHA256}
        steps:
          - fapi.provision: {}
          - fapi.get_random: {size: 8}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    init = [c["command"] for c in res["connect_commands"] if c["client"] == "fapi"]
    assert init[:1] == ["Startup"] and "GetCapability" in init    # Fapi_Initialize's own commands
    assert ("fapi", "GetRandom") in cmds(res["steps"][1])
    assert {c for c, _ in cmds(res["steps"][0])} == {"fapi"}
    assert_clean(res["cleanup"])


def test_a_python_script_using_tpm2_pytss_is_a_client_too(tpmrun, tmp_path):
    pytest.importorskip("tpm2_pytss")
    script = ("import os, tpm2_pytss as t; "
              "e = t.ESAPI(t.TCTILdr.parse(os.environ['TPM2TOOLS_TCTI'])); "
              "[e.start_auth_session(t.ESYS_TR.NONE, t.ESYS_TR.NONE, t.TPM2_SE.HMAC, t.TPMT_SYM_DEF(algorithm=t.TPM2_ALG.NULL), t.TPM2_ALG.SHA256) for _ in range(2)]; "
              "print(len(e.get_random(4)))")
    p, res = run(tpmrun, tmp_path, f"""
        steps:
          - exec: {{argv: [/usr/bin/python3, -c, "{script}"]}}
          - esapi.start_auth_session: {{type: hmac}}
          - esapi.start_auth_session: {{type: hmac}}
          - esapi.start_auth_session: {{type: hmac}}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    script_step = res["steps"][0]
    assert script_step["outputs"]["stdout"] == "4\n"
    assert {c for c, _ in cmds(script_step)} >= {"python3"}
    # the script ended with two sessions loaded: the proxy flushed them
    assert [e["kind"] for e in script_step["flushed_left_loaded"]] == ["session", "session"]
    assert_clean(res["cleanup"])


# ---- what programs leave loaded ----------------------------------------------------------

TOOLS_LEAVE_SESSIONS = """
    steps:
      - name: keys
        exec: {command: "tpm2_createprimary -C o -G ecc -c p.ctx -Q && tpm2_create -C p.ctx -G ecc256:ecdh -u k.pub -r k.priv -Q && tpm2_load -C p.ctx -u k.pub -r k.priv -c k.ctx -Q && tpm2_ecdhkeygen -c k.ctx -u Q.bin -o Z.bin"}
      - name: zgen
        exec: {command: "tpm2_ecdhzgen -c k.ctx -u Q.bin -o Z2.bin && cmp Z.bin Z2.bin"}
      - exec: {command: "tpm2_ecdhzgen -c k.ctx -u Q.bin -o Z3.bin"}
      - exec: {command: "tpm2_ecdhzgen -c k.ctx -u Q.bin -o Z4.bin"}
      - exec: {command: "tpm2_ecdhzgen -c k.ctx -u Q.bin -o Z5.bin"}
      - name: a session tpm2-tools keeps
        exec: {command: "tpm2_startauthsession --policy-session -S s.ctx && tpm2_policypcr -S s.ctx -l sha256:0 -L pcr.pol"}
      - name: used by the next program
        exec: {command: "tpm2_policycommandcode -S s.ctx -L cc.pol TPM2_CC_Unseal && tpm2_getcap handles-saved-session"}
      - esapi.start_auth_session: {type: hmac}
      - esapi.start_auth_session: {type: hmac}
      - esapi.start_auth_session: {type: hmac}
    """


def test_sessions_and_objects_tools_leave_loaded_are_flushed(tpmrun, tmp_path):
    """tpm2_ecdhzgen (tpm2-tools 5.4) leaves its HMAC session and its key
    loaded; swtpm has three session slots.  The proxy flushes what each
    program left when it ends, so a chain of tools in one shell works, the
    ESAPI steps after find room, and a session tpm2-tools keeps in a
    context file lives on until the scenario ends."""
    p, res = run(tpmrun, tmp_path, TOOLS_LEAVE_SESSIONS)
    assert p.returncode == 0, p.stdout + p.stderr
    steps = res["steps"]
    keys = steps[0]["flushed_left_loaded"]
    assert {e["client"] for e in keys} == {"tpm2_createprimary", "tpm2_create", "tpm2_load", "tpm2_ecdhkeygen"}
    assert {e["kind"] for e in keys} == {"object"}
    for s in steps[1:5]:
        assert sorted((e["kind"], e["client"]) for e in s["flushed_left_loaded"]) == [
            ("object", "tpm2_ecdhzgen"), ("session", "tpm2_ecdhzgen")]
        assert all(e["handle"].startswith(("0x02", "0x80")) for e in s["flushed_left_loaded"])
    # the saved policy session is not flushed between programs ...
    assert steps[5]["flushed_left_loaded"] == [] and steps[6]["flushed_left_loaded"] == []
    assert steps[6]["outputs"]["stdout"].endswith("- 0x2000000\n")
    # ... only at the end, with the scenario
    left = res["cleanup"]["flushed_left_loaded"]
    assert [(e["kind"], e["client"]) for e in left] == [("session", "tpm2_policycommandcode")]
    assert [s["status"] for s in steps] == ["passed"] * len(steps)
    assert_clean(res["cleanup"])


# ---- faults, for every client ------------------------------------------------------------

@pytest.mark.parametrize("warning,code", [("yielded", "0x00000908"), ("retry", "0x00000922"),
                                          ("testing", "0x0000090a")])
def test_warnings_reach_every_client_and_each_resends(tpmrun, tmp_path, warning, code):
    p, res = run(tpmrun, tmp_path, f"""
        fapi: {{profile: P_ECCP256SHA256}}
        faults:
          - warning: {warning}
            every: 2
        steps:
          - esapi.create_primary: {{template: ecc256}}
          - fapi.provision: {{}}
          - fapi.get_random: {{size: 8}}
          - exec: {{argv: [tpm2_getrandom, --hex, "8"]}}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    for s in res["steps"]:
        assert any(c["rc"] == code and c["fault"] for c in s["tpm_commands"]), s["type"]
    # every 2nd command the proxy got, whoever sent it, and each client sent each one again
    check_every(res, 2, code)
    clients = {c["client"] for s in res["steps"] for c in s["tpm_commands"] if c["rc"] == code}
    assert clients == {"tpmrun", "fapi", "tpm2_getrandom"}
    assert_clean(res["cleanup"])


def test_broken_connections_are_reported_and_every_client_recovers(tpmrun, tmp_path):
    """A dropped connection (tpmrun), a garbage answer (FAPI) and a
    truncated one (tpm2-tools): each step says what was injected, tpmrun's
    objects and sessions live on in a new ESAPI context, FAPI starts again,
    the next program works, and the end is clean."""
    p, res = run(tpmrun, tmp_path, """
        fapi: {profile: P_ECCP256SHA256}
        faults:
          - {drop: true, commands: [GetRandom], clients: [tpmrun], times: 1}
          - {garbage: true, commands: [GetRandom], clients: [fapi], times: 1}
          - {truncate: 6, commands: [GetRandom], clients: [tpm2_getrandom], times: 1}
        steps:
          - esapi.create_primary: {template: ecc256}
            save: p
          - esapi.start_auth_session: {type: hmac, symmetric: aes128cfb, attributes: continuesession|encrypt}
            save: s
          - name: dropped
            esapi.get_random: {bytes: 8}
            expect: {rc: 0xa000a}
          - esapi.read_public: {object: "${p}"}
          - name: session after
            esapi.get_random: {bytes: 8}
            sessions: ["${s}"]
          - fapi.provision: {}
          - name: garbage
            fapi.get_random: {size: 8}
            expect: {rc: TSS2_SYS_RC_MALFORMED_RESPONSE}
          - fapi.get_random: {size: 8}
          - name: truncated
            exec: {argv: [tpm2_getrandom, "8"]}
            expect: {exit: 1}
          - exec: {argv: [tpm2_getrandom, "8"]}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    s = {x.get("name"): x for x in res["steps"]}
    drop = [c for c in s["dropped"]["tpm_commands"] if c.get("fault")]
    assert drop == [dict(drop[0], fault="connection dropped", answered=False, client="tpmrun")]
    assert s["dropped"]["rc"]["value"] == "0x000a000a"
    garbage = [c for c in s["garbage"]["tpm_commands"] if c.get("fault")]
    assert [(c["client"], c["fault"], c["rc"]) for c in garbage] == [("fapi", "garbage response", "0xdeadbeef")]
    # FAPI left its session when the call broke; the proxy flushed it, and FAPI started again
    assert [e["kind"] for e in s["garbage"]["flushed_left_loaded"]] == ["session"]
    assert ("fapi", "Startup") in cmds(s["garbage"])
    trunc = [c for c in s["truncated"]["tpm_commands"] if c.get("fault")]
    assert [(c["client"], c["response_bytes"]) for c in trunc] == [("tpm2_getrandom", 6)]
    assert "tcti:IO failure" in s["truncated"]["outputs"]["stderr"]
    assert_clean(res["cleanup"])
    assert res["cleanup"]["flushed"] == 2     # the primary and the session, through the new context


def test_a_failed_step_names_the_fault_and_earlier_results_stay(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - esapi.create_primary: {template: ecc256}
          - exec: {argv: [tpm2_getrandom, "8"]}
          - exec: {argv: [tpm2_getrandom, "8"]}
          - esapi.get_random: {bytes: 8}
        """, "--fault", "drop,commands=GetRandom,clients=tpm2_getrandom,every=2")
    assert p.returncode == 1, p.stdout + p.stderr
    st = [x["status"] for x in res["steps"]]
    assert st == ["passed", "passed", "failed"]
    msg = res["steps"][2]["message"]
    assert msg.startswith("exit status 1, expected 0") and msg.endswith(
        "[injected: connection dropped on GetRandom (tpm2_getrandom)]")
    assert res["message"] == msg
    assert res["steps"][0]["outputs"]["public"]
    assert_clean(res["cleanup"])


def test_a_delay_counts_as_the_tpms_time(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        faults:
          - {delay_ms: 250, commands: [GetRandom], steps: [slow]}
        steps:
          - name: slow
            exec: {argv: [tpm2_getrandom, "4"]}
          - esapi.get_random: {bytes: 4}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    slow = [c for c in res["steps"][0]["tpm_commands"] if c["command"] == "GetRandom"]
    assert slow[0]["fault"] == "delay 250 ms" and slow[0]["tpm_ms"] >= 250
    assert res["steps"][0]["tpm_ms"] >= 250
    assert "fault" not in res["steps"][1]["tpm_commands"][0]     # not in another step


def test_bad_faults_are_located_errors(tpmrun, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("scenario: bad\nfaults:\n  - {warning: yielded, drop: true}\nsteps:\n  - esapi.get_random: {}\n")
    p = tpmrun(path)
    assert p.returncode == 2
    assert p.stderr.strip() == (f"{path}:3:24: error: a fault is one of warning, delay_ms, drop, truncate, garbage: "
                                "'warning' and 'drop' make two rules")
    path.write_text("scenario: bad\nfaults:\n  - {warning: yeilded}\nsteps:\n  - esapi.get_random: {}\n")
    p = tpmrun(path)
    assert p.returncode == 2
    assert p.stderr == (f"{path}:3:15: error: fault warning: unknown response code 'yeilded' "
                        "(did you mean 'TPM2_RC_YIELDED'?)\n")
    path.write_text("scenario: bad\nfaults:\n  - {drop: true, comands: [Sign]}\nsteps:\n  - esapi.get_random: {}\n")
    p = tpmrun(path)
    assert p.returncode == 2 and "unknown key 'comands' in a fault (did you mean 'commands'?)" in p.stderr
    p = tpmrun("--fault", "truncate=x", path)
    assert p.returncode == 2
    assert p.stderr == "tpmrun: --fault 'truncate=x': fault truncate must be a whole number from 0 to 65535\n"


# ---- locality, for every client ----------------------------------------------------------

def test_a_steps_locality_reaches_a_program(tpmrun, tmp_path):
    """PCR 20 is extended only from localities 1 to 3 (PC Client PCR attributes)."""
    p, res = run(tpmrun, tmp_path, """
        steps:
          - name: at 0
            exec: {argv: [tpm2_pcrextend, "20:sha256=0101010101010101010101010101010101010101010101010101010101010101"]}
            expect: {exit: 1}
          - name: at 3
            exec: {argv: [tpm2_pcrextend, "20:sha256=0101010101010101010101010101010101010101010101010101010101010101"]}
            locality: 3
          - name: back at 0
            esapi.pcr_extend: {pcr: 20, digest: {hex: "0101010101010101010101010101010101010101010101010101010101010101"}}
            expect: {rc: locality}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    rcs = [[c["rc"] for c in s["tpm_commands"] if c["command"] == "PCR_Extend"] for s in res["steps"]]
    assert rcs == [["0x00000907"], ["0x00000000"], ["0x00000907"]]
