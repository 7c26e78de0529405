"""Hierarchies, administration, the clock, self tests and capabilities
(steps/esapi_admin.c, steps/esapi_capability.c), against real swtpms:
hierarchy auth values that later steps and tpm2-tools need, and that an
external TPM gets back; hierarchy enables, TPM2_Clear, dictionary-attack
settings seen through TPM2_GetCapability, the clock, and TPM2_GetCapability's
decoded views cross-checked with tpm2_getcap on the same TPM."""
import json
import subprocess

import jsonschema
import pytest
import yaml

from conftest import ROOT, TPMRUN

ESAPI = ROOT / "scenarios" / "esapi"


def write(tmp_path, name, steps):
    f = tmp_path / f"{name}.yaml"
    f.write_text(f"scenario: {name}\nsteps:\n{steps}")
    return f


def run_ok(tpmrun, *args):
    p = tpmrun(*args)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def decoded(step, output="capability_data"):
    return step["outputs"][output]["decoded"]


def tools(tcti, *argv, check=True):
    env = {"TPM2TOOLS_TCTI": tcti, "PATH": "/usr/bin:/bin"}
    return subprocess.run(list(argv), capture_output=True, text=True, env=env, check=check)


# ---- hierarchy auth values ------------------------------------------------

def test_new_owner_auth_is_needed_from_then_on(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_hierarchy_admin.yaml")
    res = tpmrun.result("esapi_hierarchy_admin")
    assert named(res, "the empty auth no longer works")["rc"]["name"] == "TPM2_RC_BAD_AUTH"
    assert named(res, "later steps use it")["rc"]["name"] == "TPM2_RC_SUCCESS"
    assert named(res, "tpm2-tools without it fails")["outputs"]["exit"] == 1
    assert named(res, "tpm2-tools with it works")["outputs"]["exit"] == 0
    change = named(res, "the owner gets an auth value")
    assert change["inputs"]["new_auth"] == "<redacted>"
    assert [c["command"] for c in change["tpm_commands"]] == ["HierarchyChangeAuth"]
    # swtpm's answers to the hierarchy commands the scenario expects to fail
    rcs = {s.get("name"): s["rc"]["name"] for s in res["steps"] if s.get("name")}
    assert rcs["another policy is not the owner's"] == "TPM2_RC_POLICY_FAIL"
    assert rcs["a disabled hierarchy cannot authorize"] == "TPM2_RC_HIERARCHY"
    assert rcs["only the platform enables it again"] == "TPM2_RC_AUTH_TYPE"
    assert rcs["lockout may not allow it again"] == "TPM2_RC_AUTH_FAIL"
    assert rcs["and it has no policy any more"] == "TPM2_RC_AUTH_UNAVAILABLE"


OWNER_CHANGE = """\
  - esapi.hierarchy_change_auth: {auth_handle: owner, new_auth: first}
  - esapi.hierarchy_change_auth: {new_auth: second}
  - name: made with the new value
    esapi.create_primary: {template: ecc256}
    save: p
  - esapi.create_primary: {template: ecc256, hierarchy_auth: first}
    expect: {rc: bad_auth}
"""


def test_external_tpm_gets_its_owner_auth_back(tpmrun, tmp_path, shared_swtpm):
    tcti, _ = shared_swtpm
    f = write(tmp_path, "owner_change", OWNER_CHANGE)
    for _ in range(2):      # the second run starts from the empty auth again
        run_ok(tpmrun, "--tcti", tcti, f)
        res = tpmrun.result("owner_change")
        assert res["tpm"]["private_swtpm"] is False
        assert res["cleanup"]["removed"] == [{"hierarchy": "owner", "kind": "auth"}]
        assert res["cleanup"]["left"] == []
        assert res["cleanup"]["transient_handles_after"] == 0
    # and tpm2-tools agrees: the owner's auth is empty
    assert tools(tcti, "tpm2_createprimary", "-Q", "-C", "o", "-G", "ecc", "-c", str(tmp_path / "p.ctx")).returncode == 0
    tools(tcti, "tpm2_flushcontext", "-t")


def test_external_tpm_gets_the_auth_it_had_before(tpmrun, tmp_path, shared_swtpm):
    """An owner auth set before the run is what the run puts back: the step's
    hierarchy_auth is the value before the change."""
    tcti, _ = shared_swtpm
    tools(tcti, "tpm2_changeauth", "-c", "o", "before-run")
    f = write(tmp_path, "owner_preset", """\
  - name: without the auth the TPM has
    esapi.hierarchy_change_auth: {new_auth: x}
    expect: {rc: bad_auth}
  - esapi.hierarchy_change_auth: {hierarchy_auth: before-run, new_auth: during-run}
  - esapi.create_primary: {template: ecc256}
    save: p
""")
    run_ok(tpmrun, "--tcti", tcti, f)
    res = tpmrun.result("owner_preset")
    assert res["cleanup"]["removed"] == [{"hierarchy": "owner", "kind": "auth"}]
    ctx = str(tmp_path / "p.ctx")
    assert tools(tcti, "tpm2_createprimary", "-Q", "-C", "o", "-P", "during-run", "-G", "ecc", "-c", ctx,
                 check=False).returncode != 0
    assert tools(tcti, "tpm2_createprimary", "-Q", "-C", "o", "-P", "before-run", "-G", "ecc", "-c", ctx,
                 check=False).returncode == 0
    tools(tcti, "tpm2_flushcontext", "-t")
    tools(tcti, "tpm2_changeauth", "-c", "o", "-p", "before-run")


def test_hierarchy_control_disables_endorsement(tpmrun, tmp_path):
    f = write(tmp_path, "eh_off", """\
  - esapi.hierarchy_control: {enable: endorsement, state: false}
  - esapi.get_capability: {capability: properties-variable}
    save: off
  - name: disabled
    esapi.create_primary: {hierarchy: endorsement, template: ecc256}
    expect: {rc: hierarchy}
  - name: the owner still works
    esapi.create_primary: {hierarchy: owner, template: ecc256}
    save: p
  - esapi.hierarchy_control: {auth_handle: platform, enable: endorsement, state: true}
  - esapi.get_capability: {capability: properties-variable}
    save: on
  - name: enabled again
    esapi.create_primary: {hierarchy: endorsement, template: ecc256}
    save: e
""")
    run_ok(tpmrun, f)
    res = tpmrun.result("eh_off")
    assert named(res, "disabled")["rc"]["value"] == "0x00000185"     # TPM2_RC_HIERARCHY, handle 1
    caps = [s for s in res["steps"] if s["type"] == "esapi.get_capability"]
    off, on = (decoded(s)["properties"]["TPM2_PT_STARTUP_CLEAR"] for s in caps)
    assert off["ehEnable"] is False and off["shEnable"] is True
    assert on["ehEnable"] is True



def test_hierarchy_control_platform_nv(tpmrun, tmp_path):
    """phEnableNV (TPM_RH_PLATFORM_NV) is a hierarchy of its own to
    TPM2_HierarchyControl: cleared, platform NV indices are refused, and
    tpm2_hierarchycontrol's names work as well as tpmrun's."""
    f = write(tmp_path, "ph_nv", """\
  - esapi.hierarchy_control: {enable: phEnableNV, state: false}
  - esapi.get_capability: {capability: properties-variable}
    save: off
  - name: refused
    esapi.nv_define_space: {auth_handle: platform, nv_index: 0x01800002, size: 8}
    expect: {rc: hierarchy}
  - esapi.hierarchy_control: {auth_handle: p, enable: platform_nv, state: true}
  - esapi.get_capability: {capability: properties-variable}
    save: on
  - esapi.nv_define_space: {auth_handle: platform, nv_index: 0x01800002, size: 8}
    save: nv
""")
    run_ok(tpmrun, f)
    res = tpmrun.result("ph_nv")
    assert named(res, "refused")["rc"]["value"] == "0x00000185"
    caps = [s for s in res["steps"] if s["type"] == "esapi.get_capability"]
    off, on = (decoded(s)["properties"]["TPM2_PT_STARTUP_CLEAR"] for s in caps)
    assert off["phEnableNV"] is False and off["phEnable"] is True
    assert on["phEnableNV"] is True
    sent = [s["tpm_commands"][0]["command"] for s in res["steps"] if s["type"] == "esapi.hierarchy_control"]
    assert sent == ["HierarchyControl", "HierarchyControl"]


def test_hierarchy_control_refuses_an_unknown_hierarchy(tpmrun, tmp_path):
    f = write(tmp_path, "ph_bad", "  - esapi.hierarchy_control: {enable: lockout, state: false}\n")
    p = tpmrun("--check", f)
    assert p.returncode == 2
    assert "ph_bad.yaml:3:" in p.stderr and "lockout" in p.stderr

def test_clear_resets_owner_auth_and_removes_persistent_objects(tpmrun, tmp_path):
    f = write(tmp_path, "clear", """\
  - esapi.hierarchy_change_auth: {new_auth: owner-pw}
  - exec: {command: "tpm2_createprimary -Q -C o -P owner-pw -G ecc -c p.ctx && tpm2_evictcontrol -Q -C o -P owner-pw -c p.ctx 0x81000010"}
  - esapi.get_capability: {capability: handles-persistent}
    save: before
  - esapi.clear:
  - esapi.get_capability: {capability: handles-persistent}
    save: after
  - name: the remembered owner auth is empty too
    esapi.create_primary: {template: ecc256}
    save: p
  - esapi.get_capability: {capability: properties-variable}
    save: var
""")
    run_ok(tpmrun, f)
    res = tpmrun.result("clear")
    caps = [s for s in res["steps"] if s["type"] == "esapi.get_capability"]
    assert decoded(caps[0])["handles"] == ["0x81000010"]
    assert decoded(caps[1])["handles"] == []
    permanent = decoded(caps[2])["properties"]["TPM2_PT_PERMANENT"]
    assert permanent["ownerAuthSet"] is False
    assert [c["command"] for c in named(res, "the remembered owner auth is empty too")["tpm_commands"]] == \
        ["CreatePrimary"]


# ---- dictionary attack and clock -------------------------------------------

def test_dictionary_attack_parameters_in_properties_variable(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_clock_lockout.yaml")
    res = tpmrun.result("esapi_clock_lockout")
    caps = [s for s in res["steps"] if s["type"] == "esapi.get_capability"]
    props = decoded(caps[0])["properties"]
    assert props["TPM2_PT_MAX_AUTH_FAIL"]["raw"] == 2
    assert props["TPM2_PT_LOCKOUT_INTERVAL"]["raw"] == 1000
    assert props["TPM2_PT_LOCKOUT_RECOVERY"]["raw"] == 20
    assert props["TPM2_PT_LOCKOUT_COUNTER"]["raw"] == 0
    assert props["TPM2_PT_PERMANENT"]["inLockout"] is False
    locked = decoded(caps[1])["properties"]
    assert locked["TPM2_PT_LOCKOUT_COUNTER"]["raw"] == 2
    assert locked["TPM2_PT_PERMANENT"]["inLockout"] is True
    steps = {s.get("name"): s for s in res["steps"]}
    assert steps["two failures: locked out, even with the right auth value"]["rc"]["name"] == "TPM2_RC_LOCKOUT"
    assert steps["the clock cannot go back"]["rc"]["name"] == "TPM2_RC_VALUE"


def test_dictionary_attack_parameters_as_tpm2_getcap_sees_them(tpmrun, tmp_path):
    f = write(tmp_path, "da_getcap", """\
  - esapi.dictionary_attack_parameters: {new_max_tries: 7, new_recovery_time: 1234, lockout_recovery: 56}
  - exec: {argv: [tpm2_getcap, properties-variable]}
    save: tool
""")
    run_ok(tpmrun, f)
    got = yaml.safe_load(tpmrun.result("da_getcap")["steps"][1]["outputs"]["stdout"])
    assert (got["TPM2_PT_MAX_AUTH_FAIL"], got["TPM2_PT_LOCKOUT_INTERVAL"], got["TPM2_PT_LOCKOUT_RECOVERY"]) == \
        (7, 1234, 56)


def test_clock_advances_and_clock_set_moves_it(tpmrun, tmp_path):
    f = write(tmp_path, "clock", """\
  - esapi.read_clock:
    save: t1
  - exec: {argv: [sleep, "0.05"]}
  - esapi.read_clock:
    save: t2
  - esapi.clock_set: {new_time: 500000000}
  - esapi.read_clock:
    save: t3
""")
    run_ok(tpmrun, f)
    res = tpmrun.result("clock")
    t1, t2, t3 = (s["outputs"] for s in res["steps"] if s["type"] == "esapi.read_clock")
    assert t2["clock"] >= t1["clock"] + 50 and t2["time"] >= t1["time"] + 50
    assert t3["clock"] >= 500000000
    assert t3["time"] < 500000000                   # time is since the last reset: ClockSet leaves it
    assert t3["reset_count"] == t1["reset_count"] and t3["safe"] is True
    view = t3["current_time"]["decoded"]
    assert view["clockInfo"]["clock"] == t3["clock"] and view["time"] == t3["time"]
    assert t3["current_time"]["type"] == "TPMS_TIME_INFO"


# ---- capabilities against tpm2_getcap --------------------------------------

GROUPS = ["algorithms", "commands", "pcrs", "properties-fixed", "properties-variable", "ecc-curves",
          "handles-permanent", "handles-pcr"]


@pytest.fixture(scope="module")
def getcap_pair(tmp_path_factory):
    """Each group from esapi.get_capability and from tpm2_getcap, on one TPM."""
    from conftest import Tpmrun
    import pathlib
    import shutil
    import tempfile
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-test-"))
    d = tmp_path_factory.mktemp("getcap")
    steps = "".join(f"  - esapi.get_capability: {{capability: {g}}}\n    save: c{i}\n"
                    f"  - exec: {{argv: [tpm2_getcap, {g}]}}\n    save: t{i}\n" for i, g in enumerate(GROUPS))
    f = write(d, "getcap_pair", steps)
    run = Tpmrun(tmp, d / "results")
    p = run(f)
    res = run.result("getcap_pair") if p.returncode == 0 else None
    shutil.rmtree(tmp, ignore_errors=True)
    assert p.returncode == 0, p.stdout + p.stderr
    pairs = {}
    for i, g in enumerate(GROUPS):
        mine, tool = res["steps"][2 * i], res["steps"][2 * i + 1]
        assert mine["outputs"]["more_data"] is False, g
        pairs[g] = (decoded(mine), yaml.safe_load(tool["outputs"]["stdout"]))
    return pairs


BITS = ["asymmetric", "symmetric", "hash", "object", "signing", "encrypting", "method"]


def test_algorithms_as_tpm2_getcap(getcap_pair):
    mine, tool = getcap_pair["algorithms"]
    assert mine["capability"] == "TPM2_CAP_ALGS"
    algs = mine["algorithms"]
    assert list(algs) == list(tool)
    for name, t in tool.items():
        assert int(algs[name]["value"], 16) == t["value"], name
        assert [algs[name][b] for b in BITS] == [bool(t[b]) for b in BITS], name
    assert algs["rsa"]["asymmetric"] and algs["rsa"]["object"] and algs["sha256"]["hash"]


def test_commands_as_tpm2_getcap(getcap_pair):
    mine, tool = getcap_pair["commands"]
    cmds = mine["commands"]
    # tpm2-tools 5.4 keys a command it has no name for by its TPMA_CC in hex (YAML reads a number)
    unnamed = {int(c["value"], 16): name for name, c in cmds.items()}
    tool = {unnamed[k] if isinstance(k, int) else k: v for k, v in tool.items()}
    assert list(cmds) == list(tool) and len(cmds) > 100
    for name, t in tool.items():
        c = cmds[name]
        assert (int(c["value"], 16), c["commandIndex"], c["cHandles"]) == (t["value"], t["commandIndex"],
                                                                            t["cHandles"]), name
        assert [c["nv"], c["extensive"], c["flushed"], c["rHandle"], c["V"]] == \
            [bool(t[k]) for k in ("nv", "extensive", "flushed", "rHandle", "V")], name
    assert cmds["TPM2_CC_Clear"]["cHandles"] == 1 and cmds["TPM2_CC_Clear"]["nv"] is True


def test_pcrs_as_tpm2_getcap(getcap_pair):
    mine, tool = getcap_pair["pcrs"]
    assert [{b["hash"]: b["pcrs"]} for b in mine["pcrs"]] == tool["selected-pcrs"]


def test_fixed_properties_as_tpm2_getcap(getcap_pair):
    mine, tool = getcap_pair["properties-fixed"]
    props = mine["properties"]
    assert set(tool) <= set(props)
    for name, t in tool.items():
        assert props[name]["raw"] == t["raw"], name
        if "value" in t:
            want = t["value"]
            got = props[name]["value"]
            assert (float(got) == want) if isinstance(want, float) else got == want, name
    assert props["TPM2_PT_MANUFACTURER"]["value"] == "IBM"
    assert props["TPM2_PT_FAMILY_INDICATOR"]["value"] == "2.0"


def test_variable_properties_as_tpm2_getcap(getcap_pair):
    mine, tool = getcap_pair["properties-variable"]
    props = mine["properties"]
    assert set(tool) <= set(props)
    for name, t in tool.items():
        if isinstance(t, dict):     # TPM2_PT_PERMANENT, TPM2_PT_STARTUP_CLEAR: bits
            for bit, v in t.items():
                if not bit.startswith("reserved"):
                    assert props[name][bit] == bool(v), (name, bit)
        else:
            assert props[name]["raw"] == t, name


def test_curves_and_handles_as_tpm2_getcap(getcap_pair):
    mine, tool = getcap_pair["ecc-curves"]
    assert {k: int(v, 16) for k, v in mine["ecc-curves"].items()} == tool
    for group in ("handles-permanent", "handles-pcr"):
        mine, tool = getcap_pair[group]
        assert [int(h, 16) for h in mine["handles"]] == tool, group
    assert getcap_pair["handles-permanent"][0]["handles"][0] == "0x40000001"


def test_test_parms_as_tpm2_testparms(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_capability_selftest.yaml")
    res = tpmrun.result("esapi_capability_selftest")
    parms = {s["inputs"]["parameters"]: s["rc"]["name"] for s in res["steps"] if s["type"] == "esapi.test_parms"}
    assert parms["rsa2048"] == parms["rsa1024"] == parms["ecc_sm2"] == "TPM2_RC_SUCCESS"
    assert parms["rsa4096"] == "TPM2_RC_VALUE"
    assert parms["sm4128cfb"] == "TPM2_RC_SYMMETRIC"
    one = named(res, "one property at a time")
    assert list(decoded(one)["properties"]) == ["TPM2_PT_MANUFACTURER"] and one["outputs"]["more_data"] is True
    todo = [s for s in res["steps"] if s["type"] == "esapi.incremental_self_test"]
    assert todo[1]["outputs"]["to_do_list"] == []


def test_test_parms_agrees_with_tpm2_testparms(tpmrun, tmp_path):
    f = write(tmp_path, "testparms", """\
  - esapi.test_parms: {parameters: rsa4096}
    expect: {rc: value}
  - name: tpm2-tools' tool_rc_unsupported
    exec: {argv: [tpm2_testparms, rsa4096]}
    expect: {exit: 5}
  - esapi.test_parms: {parameters: "ecc_nist_p521:ecdsa"}
  - exec: {argv: [tpm2_testparms, "ecc521:ecdsa"]}
""")
    run_ok(tpmrun, f)


def test_incremental_self_test_lists_what_is_left(tpmrun, tmp_path):
    f = write(tmp_path, "incremental", """\
  - esapi.incremental_self_test: {to_test: "sha256"}
    save: a
  - esapi.incremental_self_test: {to_test: "sha1|sha384"}
    save: b
  - esapi.get_test_result:
""")
    run_ok(tpmrun, f)
    res = tpmrun.result("incremental")
    a, b = (s["outputs"]["to_do_list"] for s in res["steps"][:2])
    assert "sha1" in a and "sha384" in a and "sha256" not in a
    assert "sha1" not in b and "sha384" not in b and set(b) < set(a)
    assert res["steps"][2]["outputs"]["test_result_name"] == "TPM2_RC_SUCCESS"


def test_swtpm_answers_unimplemented_commands(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_platform_unimplemented.yaml")
    res = tpmrun.result("esapi_platform_unimplemented")
    by_type = {}
    for s in res["steps"]:
        by_type.setdefault(s["type"], []).append(s)
    for t in ("esapi.act_set_timeout", "esapi.firmware_read", "esapi.field_upgrade_data",
              "esapi.vendor_tcg_test", "esapi.field_upgrade_start"):
        step = by_type[t][0]
        # the TPM's own answer, not ESAPI's
        assert step["rc"]["name"] == "TPM2_RC_COMMAND_CODE", t
        assert step["tpm_commands"][-1]["rc"] == "0x00000143", t
    assert {s["rc"]["name"] for s in by_type["esapi.pp_commands"]} == {"TPM2_RC_PP"}
    assert by_type["esapi.set_algorithm_set"][0]["rc"]["name"] == "TPM2_RC_SUCCESS"
    vendor = [s for s in by_type["esapi.get_capability"] if s["inputs"]["capability"] == "vendor"][0]
    assert vendor["rc"]["value"] == "0x000001c4"        # TPM2_RC_VALUE, parameter 1


# ---- the syntaxes: the loader and the schema agree -------------------------

SYNTAX_CASES = [
    ("esapi.get_capability", "capability", "handles-persistent", True),
    ("esapi.get_capability", "capability", "Properties-Fixed", True),
    ("esapi.get_capability", "capability", "properties", False),
    ("esapi.clock_rate_adjust", "rate_adjust", "coarse_faster", True),
    ("esapi.clock_rate_adjust", "rate_adjust", "faster", False),
    ("esapi.incremental_self_test", "to_test", "sha256|aes| rsa", True),
    ("esapi.incremental_self_test", "to_test", "", True),
    ("esapi.incremental_self_test", "to_test", "sha256|shaa1", False),
    ("esapi.incremental_self_test", "to_test", "sha256||aes", False),
    ("esapi.pp_commands", "set_list", "Clear|ClearControl|0x15d", True),
    ("esapi.pp_commands", "set_list", "Clear|Claer", False),
]
REQUIRED = {"esapi.clock_rate_adjust": {}, "esapi.get_capability": {}, "esapi.incremental_self_test": {},
            "esapi.pp_commands": {}}


@pytest.mark.parametrize("step,param,value,ok", SYNTAX_CASES, ids=lambda v: str(v))
def test_schema_and_loader_agree(tmp_path, step, param, value, ok):
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    doc = {"steps": [{step: {**REQUIRED[step], param: value}}]}
    try:
        jsonschema.validate(doc, schema)
        schema_ok = True
    except jsonschema.ValidationError:
        schema_ok = False
    f = tmp_path / "s.json"
    f.write_text(json.dumps(doc))
    check = subprocess.run([TPMRUN, "--check", str(f)], capture_output=True, text=True)
    assert (check.returncode == 0) == ok, check.stderr
    assert schema_ok == ok


def test_list_errors_point_at_the_item(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("steps:\n  - esapi.pp_commands: {set_list: \"Clear|Claer\"}\n")
    p = subprocess.run([TPMRUN, "--check", str(f)], capture_output=True, text=True)
    assert p.returncode == 2
    assert f"{f}:2:42: error:" in p.stderr and "did you mean 'Clear'" in p.stderr, p.stderr


def test_unknown_capability_lists_every_group(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("steps:\n  - esapi.get_capability: {capability: handles-persistant}\n")
    p = subprocess.run([TPMRUN, "--check", str(f)], capture_output=True, text=True)
    assert p.returncode == 2
    assert f"{f}:2:40: error: unknown capability 'handles-persistant' (algorithms, commands," in p.stderr
    assert "handles-persistent," in p.stderr and p.stderr.rstrip().endswith("auth-policies, act or vendor)"), p.stderr
