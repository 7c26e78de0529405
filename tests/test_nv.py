"""NV indices through ESAPI (esapi.nv_*), against real swtpms: known
contents and answers, reads and writes split by the TPM's NV buffer, the
TPM's refusals, NV_Certify checked with OpenSSL and Python, cross-checks
with tpm2-tools, an EK certificate read by its index number, and what a run
leaves on a TPM that outlives it."""
import hashlib
import json
import math
import os
import re
import subprocess

import jsonschema

from conftest import ROOT

ESAPI = ROOT / "scenarios" / "esapi"
INTEROP = ROOT / "scenarios" / "interop"
# PolicyCommandCode(NV_UndefineSpaceSpecial) from an empty policy digest (sha256)
POLICY_UNDEFINE_SPECIAL = "1d2dc485e177ddd0a40a344913ceeb420caa093c42587d2e1b132b157ccb5db0"


def write(tmp_path, name, steps, head=""):
    f = tmp_path / f"{name}.yaml"
    f.write_text(f"scenario: {name}\n{head}steps:\n{steps}")
    return f


def run_ok(tpmrun, *args):
    p = tpmrun(*args)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def of_type(res, kind):
    return [s for s in res["steps"] if s["type"] == kind]


def hexof(v):
    return v["hex"]


def commands(step, name, ok_only=True):
    """The step's TPM commands called `name` (those that succeeded)."""
    return [c for c in step["tpm_commands"] if c["command"] == name and (not ok_only or int(c["rc"], 16) == 0)]


def index_of(step):
    """The nv_index a step was given: a defined index's handle or a number."""
    v = step["inputs"]["nv_index"]
    return int(v["handle"], 16) if isinstance(v, dict) else v


def rc_name(step):
    return step["rc"]["name"]


# --- the committed scenarios ------------------------------------------------

def test_round_trip_counter_extend_bits(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_nv.yaml")
    res = tpmrun.result("esapi_nv")
    define = named(res, "an ordinary index with an auth value")
    pub = define["outputs"]["public"]["decoded"]
    assert pub["attributes"] == "nt=ordinary|ownerwrite|authwrite|ownerread|authread|no_da"
    assert pub["dataSize"] == 32 and pub["nvIndex"] == "0x01500001"
    assert define["inputs"]["auth"] == "<redacted>"
    # name = nameAlg || H(TPMS_NV_PUBLIC), before and after TPMA_NV_WRITTEN
    first = hexof(of_type(res, "esapi.nv_read_public")[0]["outputs"]["name"])
    assert first == "000b" + hashlib.sha256(bytes.fromhex("01500001000b0206000600000020")).hexdigest()
    after = hexof(of_type(res, "esapi.nv_read_public")[1]["outputs"]["name"])
    assert after == "000b" + hashlib.sha256(bytes.fromhex("01500001000b2206000600000020")).hexdigest()
    reads = of_type(res, "esapi.nv_read")
    assert [rc_name(s) for s in reads[:3]] == ["TPM2_RC_NV_UNINITIALIZED", "TPM2_RC_SUCCESS", "TPM2_RC_BAD_AUTH"]
    by_number = named(res, "the index by its number, read by the owner")
    assert by_number["outputs"]["data"]["text"] == "hello nv!!"
    # an index by its number: ESAPI reads its public first (Esys_TR_FromTPMPublic)
    assert [c["command"] for c in by_number["tpm_commands"]][:1] == ["NV_ReadPublic"]
    assert rc_name(named(res, "gone")) == "TPM2_RC_HANDLE"
    # the counter: 8 bytes big-endian, one more per increment
    counts = [int(hexof(s["outputs"]["data"]), 16) for s in reads
              if index_of(s) == 0x01500002]
    assert len(counts) == 2 and counts[1] == counts[0] + 1 and counts[0] >= 2
    assert rc_name(named(res, "a counter is not written")) == "TPM2_RC_ATTRIBUTES"
    # the extend index: SHA-256(32 zero bytes || "abc"), computed here too
    ext = [s for s in reads if index_of(s) == 0x01500003][0]
    assert hexof(ext["outputs"]["data"]) == hashlib.sha256(bytes(32) + b"abc").hexdigest()
    bits = [s for s in reads if index_of(s) == 0x01500004][0]
    assert int(hexof(bits["outputs"]["data"]), 16) == 0x11 | 0x0100000000000003


def test_locks_and_change_auth(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_nv_locks_auth.yaml")
    res = tpmrun.result("esapi_nv_locks_auth")
    rcs = [(s["type"], rc_name(s)) for s in res["steps"] if s["type"].startswith("esapi.nv_")]
    assert rcs.count(("esapi.nv_write", "TPM2_RC_NV_LOCKED")) == 3
    assert ("esapi.nv_read", "TPM2_RC_NV_LOCKED") in rcs
    locked = of_type(res, "esapi.nv_read_public")[0]["outputs"]["public"]["decoded"]["attributes"]
    assert "writelocked" in locked.split("|") and "written" in locked.split("|")
    assert rc_name(named(res, "a password session is not the ADMIN role")) == "TPM2_RC_AUTH_TYPE"
    change = [s for s in of_type(res, "esapi.nv_change_auth") if rc_name(s) == "TPM2_RC_SUCCESS"][0]
    assert change["inputs"]["new_auth"] == "<redacted>"
    assert [c["command"] for c in change["tpm_commands"]] == ["NV_ChangeAuth"]
    assert named(res, "later steps use the new auth value")["outputs"]["data"]["text"] == "12345678"


def test_platform_undefine_special_and_certify(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_nv_platform_certify.yaml")
    res = tpmrun.result("esapi_nv_platform_certify")
    special = of_type(res, "esapi.nv_undefine_space_special")
    assert [rc_name(s) for s in special] == ["TPM2_RC_AUTH_TYPE", "TPM2_RC_SUCCESS"]
    part = named(res, "eight bytes at offset 4")["outputs"]
    info = part["certify_info"]
    # the attest bytes are certify_info without its TPM2B size
    assert hexof(part["attest"]) == info["hex"][4:] and int(info["hex"][:4], 16) * 2 == len(info["hex"]) - 4
    dec = info["decoded"]
    assert dec["type"] == "nv" and dec["magic"] == "0xff544347"
    assert dec["extraData"] == b"nonce".hex()
    assert dec["attested"] == {"indexName": dec["attested"]["indexName"], "offset": 4,
                               "nvContents": b"456789ab".hex()}
    assert part["nv_contents"]["text"] == "456789ab" and part["offset"] == 4
    # OpenSSL verified the signature in the scenario; the digest it checked is SHA-256 of the attest bytes
    h = of_type(res, "crypto.hash")[0]["outputs"]["digest"]
    assert hexof(h) == hashlib.sha256(bytes.fromhex(hexof(part["attest"]))).hexdigest()
    verdicts = [s["outputs"]["valid"] for s in of_type(res, "crypto.verify")]
    assert verdicts == [True, False, True]
    whole = named(res, "all of it, the platform authorizing")
    assert whole["outputs"]["nv_contents"]["text"] == "0123456789abcdef"
    # the index was written before it was certified: its name has TPMA_NV_WRITTEN
    signed_name = whole["outputs"]["certify_info"]["decoded"]["attested"]["indexName"]
    assert signed_name == "000b" + hashlib.sha256(bytes.fromhex("01500021000b6005000500000010")).hexdigest()


def test_tpm2_tools_read_what_esapi_wrote(tpmrun):
    run_ok(tpmrun, INTEROP / "nv_tpm2_tools.yaml")
    res = tpmrun.result("nv_tpm2_tools")
    assert named(res, "tpm2_nvread with the index's auth value")["outputs"]["stdout"] == "written by tpmrun"
    assert named(res, "tpm2_nvread as the owner, at an offset")["outputs"]["stdout"] == "tpmrun"
    counts = [int(hexof(s["outputs"]["data"]), 16) for s in of_type(res, "esapi.nv_read")[:2]]
    assert counts[1] == counts[0] + 1
    pub = of_type(res, "esapi.nv_read_public")[0]["outputs"]["public"]["decoded"]
    assert pub["attributes"] == "nt=ordinary|ownerwrite|authwrite|ownerread|authread|written"
    assert "Esys_TR_FromTPMPublic(0x18B)" in named(res, "tpm2-tools finds it gone")["outputs"]["stderr"]


# --- generated scenarios ----------------------------------------------------

def test_large_write_and_read_are_split_by_the_nv_buffer(tpmrun, tmp_path):
    data = os.urandom(2048)
    (tmp_path / "big.bin").write_bytes(data)
    f = write(tmp_path, "nv_big", """
  - exec: {argv: [tpm2_getcap, properties-fixed]}
    save: cap
  - esapi.nv_define_space: {nv_index: 0x01500060, size: 2048}
    save: nv
  - name: write all
    esapi.nv_write: {nv_index: "${nv}", data: {file: big.bin}}
  - name: read all
    esapi.nv_read: {nv_index: "${nv}"}
  - name: read a middle part
    esapi.nv_read: {nv_index: "${nv}", offset: 300, size: 1500}
  - name: one piece past the end
    esapi.nv_write: {nv_index: "${nv}", data: "abc", offset: 2046}
    expect: {rc: nv_range}
  - name: several pieces past the end
    esapi.nv_write: {nv_index: "${nv}", data: {file: big.bin}, offset: 1}
""")
    p = tpmrun(f)
    assert p.returncode == 1
    res = tpmrun.result("nv_big")
    cap = of_type(res, "exec")[0]["outputs"]["stdout"]
    buffer_max = int(re.search(r"TPM2_PT_NV_BUFFER_MAX:\s+raw: (0x[0-9a-f]+)", cap).group(1), 16)
    assert buffer_max < 2048, "the test needs a TPM whose NV buffer is smaller than the data"
    pieces = math.ceil(2048 / buffer_max)
    assert len(commands(named(res, "write all"), "NV_Write")) == pieces >= 2
    whole = named(res, "read all")
    assert len(commands(whole, "NV_Read")) == pieces
    assert bytes.fromhex(hexof(whole["outputs"]["data"])) == data
    middle = named(res, "read a middle part")
    assert bytes.fromhex(hexof(middle["outputs"]["data"])) == data[300:1800]
    assert len(commands(middle, "NV_Read")) == math.ceil(1500 / buffer_max)
    assert len(commands(named(res, "one piece past the end"), "NV_Write", ok_only=False)) == 1
    # several pieces that do not fit: refused before any is sent (the TPM
    # would take the first), so the index keeps what it had
    past = named(res, "several pieces past the end")
    assert res["failed_step"]["index"] == past["index"]
    assert past["message"] == ("2048 bytes at offset 1 do not fit the index's 2048 bytes (nothing written: the TPM "
                               f"would have taken the first of {pieces} pieces)")
    assert [c["command"] for c in past["tpm_commands"]] == ["GetCapability", "NV_ReadPublic"]


def test_default_attributes_with_a_policy(tpmrun, tmp_path):
    """As tpm2_nvdefine: with a policy, policyread|policywrite instead of
    authread|authwrite, so a password session cannot write by the index."""
    f = write(tmp_path, "nv_policy_default", f"""
  - esapi.nv_define_space: {{nv_index: 0x01500050, size: 8, policy: {{hex: "{POLICY_UNDEFINE_SPECIAL}"}}}}
    save: nv
  - name: by the index
    esapi.nv_write: {{nv_index: "${{nv}}", data: "12345678"}}
    expect: {{rc: auth_unavailable}}
  - esapi.nv_write: {{nv_index: "${{nv}}", auth_handle: owner, data: "12345678"}}
  - esapi.nv_read: {{nv_index: "${{nv}}", auth_handle: owner}}
    expect: {{outputs: {{data: "12345678"}}}}
""")
    run_ok(tpmrun, f)
    res = tpmrun.result("nv_policy_default")
    pub = of_type(res, "esapi.nv_define_space")[0]["outputs"]["public"]["decoded"]
    assert pub["attributes"] == "nt=ordinary|ownerwrite|policywrite|ownerread|policyread"
    assert pub["authPolicy"] == POLICY_UNDEFINE_SPECIAL
    assert rc_name(named(res, "by the index")) == "TPM2_RC_AUTH_UNAVAILABLE"


def test_new_auth_value_against_tpm2_tools(tpmrun, tmp_path):
    """The new auth value reaches the TPM (tpm2_nvread with it works, with
    the old one fails) and later steps use it after a program."""
    f = write(tmp_path, "nv_auth_tools", """
  - esapi.start_auth_session: {type: trial}
    save: trial
  - esapi.policy_command_code: {session: "${trial}", code: NV_ChangeAuth}
  - esapi.policy_auth_value: {session: "${trial}"}
  - esapi.policy_get_digest: {session: "${trial}"}
    save: policy
  - esapi.flush_context: {handle: "${trial}"}
  - esapi.nv_define_space:
      {nv_index: 0x01500051, size: 8, auth: old, policy: "${policy.digest}",
       attributes: "ownerread|ownerwrite|authread|authwrite|no_da"}
    save: nv
  - esapi.nv_write: {nv_index: "${nv}", data: "12345678"}
  - esapi.start_auth_session: {type: policy}
    save: ps
  - esapi.policy_command_code: {session: "${ps}", code: NV_ChangeAuth}
  - esapi.policy_auth_value: {session: "${ps}"}
  - esapi.nv_change_auth: {nv_index: "${nv}", new_auth: new}
    sessions: ["${ps}"]
  - name: tpm2-tools with the new one
    exec: {argv: [tpm2_nvread, -P, new, -s, "8", "0x01500051"]}
  - name: tpm2-tools with the old one
    exec: {argv: [tpm2_nvread, -P, old, -s, "8", "0x01500051"]}
    expect: {exit: 1}
  - name: after a program
    esapi.nv_read: {nv_index: "${nv}"}
""")
    run_ok(tpmrun, f)
    res = tpmrun.result("nv_auth_tools")
    assert named(res, "tpm2-tools with the new one")["outputs"]["stdout"] == "12345678"
    assert "Esys_NV_Read(0x9A2)" in named(res, "tpm2-tools with the old one")["outputs"]["stderr"]
    assert named(res, "after a program")["outputs"]["data"]["text"] == "12345678"


def test_ek_certificate_read_by_its_index_number(tpmrun, tmp_path):
    f = write(tmp_path, "nv_ek_cert", """
  - name: the RSA EK certificate swtpm_setup wrote
    esapi.nv_read: {nv_index: 0x01c00002, auth_handle: owner}
    save: cert
  - file.write: {path: ek.der, data: "${cert.data}"}
  - exec: {argv: [openssl, x509, -inform, DER, -in, ek.der, -noout, -modulus]}
    save: modulus
  - esapi.create_primary: {hierarchy: endorsement, template: ek-rsa2048}
    save: ek
  - esapi.nv_read_public: {nv_index: 0x01c00002}
""", head="tpms:\n  a: {ek_cert: true}\n")
    run_ok(tpmrun, f)
    res = tpmrun.result("nv_ek_cert")
    read = named(res, "the RSA EK certificate swtpm_setup wrote")
    der = bytes.fromhex(hexof(read["outputs"]["data"]))
    assert der[0] == 0x30
    modulus = of_type(res, "exec")[0]["outputs"]["stdout"].strip().split("=")[1].lower()
    ek = of_type(res, "esapi.create_primary")[0]["outputs"]["public"]["decoded"]
    assert modulus == ek["unique"]["n"], "the certificate is for the EK the template makes"
    pub = of_type(res, "esapi.nv_read_public")[0]["outputs"]["public"]["decoded"]
    assert pub["dataSize"] == len(der)
    assert {"ppwrite", "ownerread", "platformcreate", "written"} <= set(pub["attributes"].split("|"))


def test_load_time_and_run_time_refusals(tpmrun, tmp_path):
    bad_range = write(tmp_path, "nv_bad_range", "  - esapi.nv_define_space: {nv_index: 0x81000001, size: 8}\n")
    p = tpmrun("--check", bad_range)
    assert p.returncode == 2 and "'nv_index' must be 16777216..33554431" in p.stderr, p.stderr
    bad_word = write(tmp_path, "nv_bad_word", "  - esapi.nv_define_space: {nv_index: 0x01500001, auth_handle: endorsement}\n")
    p = tpmrun("--check", bad_word)
    assert p.returncode == 2 and "unknown nv hierarchy 'endorsement' (owner, o, platform or p)" in p.stderr, p.stderr
    cases = {
        "  - esapi.nv_read: {nv_index: \"0x01500001\"}\n":
            "nv_index is an index a step defined (${nv}) or an index number, not string",
        "  - esapi.nv_read: {nv_index: 0x02000000}\n": "nv_index 0x02000000 is no NV index handle (0x01000000 to 0x01ffffff)",
        "  - esapi.create_primary: {template: ecc256}\n    save: k\n  - esapi.nv_read: {nv_index: \"${k}\"}\n":
            "nv_index is handle 0x80000000, which is no NV index",
        "  - esapi.nv_define_space: {nv_index: 0x01500001, type: counter, attributes: \"nt=bits|ownerread|ownerwrite\"}\n":
            "type is 1 but the attributes say nt=2: give the type in one place",
        "  - esapi.nv_define_space: {nv_index: 0x01500001, size: 8}\n  - esapi.nv_undefine_space: {nv_index: 0x01500001}\n":
            "0x01500001 is an index the scenario defined: undefine it as the saved index (${...})",
    }
    for i, (steps, message) in enumerate(cases.items()):
        f = write(tmp_path, f"nv_refused{i}", steps)
        p = tpmrun(f)
        assert p.returncode == 1, p.stdout + p.stderr
        assert tpmrun.result(f"nv_refused{i}")["failed_step"]["message"] == message


# --- a TPM that outlives the scenario ---------------------------------------

LASTING = """
  - esapi.nv_define_space: {nv_index: 0x01500040, size: 8}
    save: o
  - esapi.nv_write: {nv_index: "${o}", data: "12345678"}
  - esapi.nv_define_space: {nv_index: 0x01500041, auth_handle: platform, size: 8}
  - esapi.nv_define_space: {nv_index: 0x01500044, size: 8}
    save: gone
  - esapi.nv_undefine_space: {nv_index: "${gone}"}
  - name: an index from outside, by its number
    esapi.nv_read: {nv_index: 0x01500043, auth_handle: owner}
    expect: {outputs: {data: "outside!"}}
"""
LEFT = f"""
  - name: an index the platform cannot undefine (policydelete)
    esapi.nv_define_space:
      nv_index: 0x01500042
      auth_handle: platform
      size: 8
      policy: {{hex: "{POLICY_UNDEFINE_SPECIAL}"}}
      attributes: ppread|ppwrite|authread|authwrite|platformcreate|policydelete
"""


def nv_handles(tcti):
    env = dict(os.environ, TPM2TOOLS_TCTI=tcti)
    out = subprocess.run(["tpm2_getcap", "handles-nv-index"], env=env, capture_output=True, text=True, check=True)
    return sorted(int(h, 16) for h in re.findall(r"0x[0-9a-fA-F]+", out.stdout))


def test_indices_the_scenario_defined_are_gone_from_a_lasting_tpm(tpmrun, tmp_path, shared_swtpm):
    tcti, _ = shared_swtpm
    env = dict(os.environ, TPM2TOOLS_TCTI=tcti)
    (tmp_path / "outside.bin").write_bytes(b"outside!")
    subprocess.run(["tpm2_nvdefine", "-C", "o", "-s", "8", "-a", "ownerread|ownerwrite", "0x01500043"], env=env,
                   check=True, capture_output=True)
    subprocess.run(["tpm2_nvwrite", "-C", "o", "-i", tmp_path / "outside.bin", "0x01500043"], env=env, check=True,
                   capture_output=True)
    schema = json.loads((ROOT / "schemas" / "results.schema.json").read_text())
    run_ok(tpmrun, "--tcti", tcti, write(tmp_path, "nv_lasting", LASTING + LEFT))
    res = tpmrun.result("nv_lasting")
    jsonschema.validate(res, schema)
    cleanup = res["cleanup"]
    assert cleanup["removed"] == [{"handle": "0x01500041", "kind": "nv-index"},
                                  {"handle": "0x01500040", "kind": "nv-index"}]
    assert len(cleanup["left"]) == 1
    left = cleanup["left"][0]
    assert left["handle"] == "0x01500042" and left["kind"] == "nv-index"
    assert left["rc"]["name"] == "TPM2_RC_ATTRIBUTES"
    assert nv_handles(tcti) == [0x01500042, 0x01500043]
    # a second run defines the same indices again, and removes them again
    run_ok(tpmrun, "--tcti", tcti, write(tmp_path, "nv_lasting", LASTING))
    res = tpmrun.result("nv_lasting")
    assert [e["handle"] for e in res["cleanup"]["removed"]] == ["0x01500041", "0x01500040"]
    assert res["cleanup"]["left"] == []
    assert nv_handles(tcti) == [0x01500042, 0x01500043]
