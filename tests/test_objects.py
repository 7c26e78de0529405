"""Object commands and credentials (steps/esapi_objects.c,
steps/esapi_credential.c) against real swtpms: unseal, object_change_auth,
create_loaded (derived keys too), rewrap, RSA encryption, saved contexts,
persistent objects (also on a TPM that outlives the run), and credentials
made by the TPM, in software and by tpm2-tools.

Known answers are recomputed here independently: a derived HMAC key is the
first block of KDFa(parent key, label, context, 8192 bits), per TPM 2.0
Part 1 and libtpms' TPM_MAX_DERIVATION_BITS."""
import hashlib
import hmac
import os
import pathlib
import subprocess

from conftest import ROOT

ESAPI = ROOT / "scenarios" / "esapi"
SRK = ('{template: "ecc256:null:aes128cfb", '
       'attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"}')


def write(directory, name, steps):
    path = pathlib.Path(directory) / f"{name}.yaml"
    path.write_text(f"scenario: {name}\nsteps:\n{steps}")
    return path


def run_ok(tpmrun, path, *extra):
    p = tpmrun(*extra, path)
    assert p.returncode == 0, p.stdout + p.stderr
    name = pathlib.Path(path).stem
    return tpmrun.result(name)


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def of_type(res, step_type):
    return [s for s in res["steps"] if s["type"] == step_type]


def kdfa_first_block(hash_name, key, label, context, bits=8192):
    """KDFa's first block: HMAC(key, [1]32 || label || 00 || context || [bits]32)."""
    data = (1).to_bytes(4, "big") + label + b"\0" + context + bits.to_bytes(4, "big")
    return hmac.new(key, data, hash_name).digest()


def persistent_handles(tcti):
    env = {k: v for k, v in os.environ.items() if k not in ("TSS2_TCTI", "TPM2OPENSSL_TCTI")}
    env["TPM2TOOLS_TCTI"] = tcti
    p = subprocess.run(["tpm2_getcap", "handles-persistent"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.split()


# --- unseal and object_change_auth ------------------------------------------

def test_unseal_gives_the_sealed_bytes_and_change_auth(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_unseal_change_auth.yaml", "--show-secrets")
    unseals = of_type(res, "esapi.unseal")
    good = [s for s in unseals if s["status"] == "passed" and "out_data" in s.get("outputs", {})]
    assert [s["outputs"]["out_data"]["hex"] for s in good][:3] == ["7365616c6564206279746573006869ff"] * 3
    assert good[3]["outputs"]["out_data"]["text"] == "sealed in software"
    assert [s["rc"]["name"] for s in unseals if s.get("rc", {}).get("value") != "0x00000000"] == \
        ["TPM2_RC_BAD_AUTH", "TPM2_RC_BAD_AUTH", "TPM2_RC_ATTRIBUTES"]
    # and redacted without --show-secrets
    res = run_ok(tpmrun, ESAPI / "esapi_unseal_change_auth.yaml")
    assert of_type(res, "esapi.unseal")[0]["outputs"]["out_data"] == "<redacted>"
    change = of_type(res, "esapi.object_change_auth")[0]
    assert change["inputs"]["new_auth"] == "<redacted>"
    assert change["outputs"]["out_private"]["type"] == "TPM2B_PRIVATE"


def test_a_wrong_expected_unseal_fails(tpmrun, tmp_path):
    text = (ESAPI / "esapi_unseal_change_auth.yaml").read_text()
    mutated = text.replace('expect: {outputs: {out_data: "sealed in software"}}',
                           'expect: {outputs: {out_data: "sealed in softwarX"}}')
    assert mutated != text
    f = tmp_path / "esapi_unseal_change_auth.yaml"
    f.write_text(mutated)
    p = tpmrun(f)
    assert p.returncode == 1
    assert "output 'out_data'" in tpmrun.result("esapi_unseal_change_auth")["failed_step"]["message"]


# --- create_loaded and derived keys -----------------------------------------

def test_create_loaded_scenario_and_derived_known_answer(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_create_loaded.yaml")
    parent_key = bytes(range(32))
    key = kdfa_first_block("sha256", parent_key, b"tpmrun label", b"context 1")
    want = hmac.new(key, b"data to mac", hashlib.sha256).hexdigest()
    macs = of_type(res, "esapi.hmac")
    assert macs[0]["outputs"]["digest"]["hex"] == want
    assert named(res, "no RSA keys by derivation")["rc"]["name"] == "TPM2_RC_TYPE"
    assert named(res, "a derived key is not sensitivedataorigin")["rc"]["name"] == "TPM2_RC_ATTRIBUTES"
    d1 = named(res, "a derived ECC key")["outputs"]
    assert d1["private"]["hex"] == "0000"
    assert "sensitivedataorigin" not in d1["public"]["decoded"]["attributes"]
    # the derivation parent's scheme as the TPM wants it
    dp = named(res, "a derivation parent made by the TPM")["outputs"]["public"]["decoded"]
    assert dp["parameters"]["scheme"] == {"scheme": "xor", "hashAlg": "sha256", "kdf": "kdf1_sp800_108"}


def test_derived_hmac_keys_follow_kdfa(tpmrun, tmp_path):
    """Other hashes, an empty label and context: the TPM's HMAC with the
    derived key is HMAC with KDFa's first block (cut to the HMAC hash)."""
    k256, k384 = bytes(range(100, 132)), bytes(range(48))
    f = write(tmp_path, "derive_more", f"""
  - esapi.create_primary: {SRK}
    save: srk
  - esapi.create_loaded: {{parent: "${{srk}}", template: "xor:sha256", attributes: "userwithauth|restricted|decrypt",
                          sensitive_data: {{hex: "{k256.hex()}"}}}}
    save: p256
  - esapi.create_loaded: {{parent: "${{p256}}", template: "hmac:sha256", attributes: "userwithauth|sign|fixedparent",
                          label: "", context: ""}}
    save: empty
  - esapi.hmac: {{key: "${{empty}}", data: abc}}
    name: empty label and context
  - esapi.flush_context: {{handle: "${{empty}}"}}
  - esapi.create_loaded: {{parent: "${{p256}}", template: "hmac:sha256", attributes: "userwithauth|sign|fixedparent",
                          label: {{hex: "00ff00"}}, context: {{hex: "0102"}}}}
    save: binary
  - esapi.hmac: {{key: "${{binary}}", data: abc}}
    name: binary label
  - esapi.flush_context: {{handle: "${{binary}}"}}
  - esapi.flush_context: {{handle: "${{p256}}"}}
  - esapi.create_loaded: {{parent: "${{srk}}", template: "xor:sha384", attributes: "userwithauth|restricted|decrypt",
                          sensitive_data: {{hex: "{k384.hex()}"}}}}
    save: p384
  - esapi.create_loaded: {{parent: "${{p384}}", template: "hmac:sha256", attributes: "userwithauth|sign|fixedparent",
                          label: L, context: C}}
    save: from384
  - esapi.hmac: {{key: "${{from384}}", data: abc}}
    name: sha384 parent
  - esapi.create_loaded: {{parent: "${{p384}}", template: "hmac:sha256", unique: x, label: L}}
    name: unique and label
""")
    p = tpmrun(f)
    assert p.returncode == 1
    res = tpmrun.result("derive_more")
    assert res["failed_step"]["message"] == "give `unique` or `label`/`context` (a derived key's unique), not both"

    def mac(key):
        return hmac.new(key, b"abc", hashlib.sha256).hexdigest()
    assert named(res, "empty label and context")["outputs"]["digest"]["hex"] == \
        mac(kdfa_first_block("sha256", k256, b"", b""))
    # a label ending in a NUL gets no second one (libtpms' CryptKDFa)
    label = b"\x00\xff\x00"
    block = hmac.new(k256, (1).to_bytes(4, "big") + label + b"\x01\x02" + (8192).to_bytes(4, "big"),
                     "sha256").digest()
    assert named(res, "binary label")["outputs"]["digest"]["hex"] == mac(block)
    assert named(res, "sha384 parent")["outputs"]["digest"]["hex"] == \
        mac(kdfa_first_block("sha384", k384, b"L", b"C")[:32])


# --- rewrap, RSA ---------------------------------------------------------------

def test_rewrap(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_rewrap.yaml")
    rw = named(res, "from A to B")["outputs"]
    assert len(bytes.fromhex(rw["out_sym_seed"]["hex"])) == 256        # OAEP for B's RSA key
    assert named(res, "the blob is B's now, not A's")["rc"]["name"] == "TPM2_RC_SIZE"
    # without any wrapper the duplicate holds the key bytes (a secret of the scenario): hidden ...
    assert named(res, "from B to no parent at all")["outputs"]["out_duplicate"] == "<redacted>"
    # ... unless asked for
    res = run_ok(tpmrun, ESAPI / "esapi_rewrap.yaml", "--show-secrets")
    clear = named(res, "from B to no parent at all")["outputs"]["out_duplicate"]["hex"]
    # TPM2B_PRIVATE(TPM2B_SENSITIVE(keyedhash, no auth, seedValue, the key))
    assert clear[8:16] == "00080000" and clear.endswith(b"\x00\x0ehmac key bytes".hex())


def test_rsa_encrypt_decrypt(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_rsa_encrypt_decrypt.yaml")
    raw = [s for s in of_type(res, "crypto.decrypt") if s["inputs"].get("scheme") == "null"][0]
    assert raw["outputs"]["data"]["hex"] == "00" * 253 + b"raw".hex()
    assert named(res, "another label")["rc"]["name"] == "TPM2_RC_FAILURE"
    assert named(res, "a label without its NUL")["rc"]["name"] == "TPM2_RC_VALUE"
    assert len(named(res, "the TPM encrypts (OAEP-SHA256, labeled)")["outputs"]["out_data"]["hex"]) == 512


# --- contexts --------------------------------------------------------------

def test_context_save_load(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_context_save_load.yaml")
    saves = of_type(res, "esapi.context_save")
    obj = saves[0]["outputs"]["context"]["decoded"]
    assert obj["kind"] == "object" and obj["savedHandle"] == "0x80000000" and obj["hierarchy"] == "0x40000001"
    assert obj["blobSize"] > 100
    ses = saves[1]["outputs"]["context"]["decoded"]
    assert ses["kind"] == "policy-session" and ses["savedHandle"] == "0x03000000"
    assert ses["sequence"] > obj["sequence"]
    loads = of_type(res, "esapi.context_load")
    assert [l["outputs"]["handle"].get("handle") for l in loads[:2]] == ["0x80000001", "0x80000002"]
    assert loads[2]["outputs"]["handle"] == {"session": "0x03000000", "name": "03000000"}
    assert loads[3]["rc"]["name"] == "TPM2_RC_HANDLE"
    cleanup = res["cleanup"]
    assert cleanup["transient_handles_after"] == 0 and cleanup["loaded_sessions_after"] == 0
    assert cleanup["saved_sessions_after"] == 0


def test_a_saved_session_value_ends(tpmrun, tmp_path):
    f = write(tmp_path, "saved_session", """
  - esapi.start_auth_session: {type: hmac}
    save: s
  - esapi.context_save: {save_handle: "${s}"}
    save: saved
  - esapi.get_random: {bytes: 4}
    sessions: ["${s}"]
""")
    p = tpmrun(f)
    assert p.returncode == 1
    res = tpmrun.result("saved_session")
    assert res["failed_step"]["message"] == "session 1 is no longer loaded (it was flushed or closed by the TPM)"
    # never loaded again: ESAPI has no handle for it, the proxy flushes it at the end
    assert [(e["kind"], e["client"]) for e in res["cleanup"]["flushed_left_loaded"]] == [("session", "tpmrun")]
    assert res["cleanup"]["saved_sessions_after"] == 0


# --- persistent objects ------------------------------------------------------

def test_evict_control_on_a_private_swtpm(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_evict_control.yaml")
    assert "removed" not in res["cleanup"]     # a private swtpm goes with all it holds
    assert named(res, "the platform does not persist the owner's objects")["rc"]["name"] == "TPM2_RC_HIERARCHY"
    assert named(res, "the platform's range is 0x81800000 and up")["rc"]["name"] == "TPM2_RC_RANGE"
    assert named(res, "the handle is taken")["rc"]["name"] == "TPM2_RC_NV_DEFINED"
    assert named(res, "nothing at 0x81800010 now")["rc"]["name"] == "TPM2_RC_HANDLE"


def test_evict_control_on_an_external_tpm_twice(tpmrun, shared_swtpm):
    tcti, _ = shared_swtpm
    for _ in range(2):
        res = run_ok(tpmrun, ESAPI / "esapi_evict_control.yaml", "--tcti", tcti)
        assert res["cleanup"]["removed"] == [{"handle": "0x81000010", "kind": "persistent"}]
        assert res["cleanup"]["left"] == []
        assert persistent_handles(tcti) == []


def test_persistent_objects_left_are_removed_platform_too(tpmrun, tmp_path, shared_swtpm):
    """A platform persistent object is evicted with the platform's auth; a
    persistent object found again by number is still the scenario's."""
    f = write(tmp_path, "left_behind", f"""
  - esapi.create_primary: {SRK}
    save: srk
  - esapi.evict_control: {{object_handle: "${{srk}}", persistent_handle: 0x81000020}}
  - esapi.tr_from_tpmpublic: {{handle: 0x81000020}}
    save: again
  - esapi.create_primary: {{hierarchy: platform, template: ecc256}}
    save: pk
  - esapi.evict_control: {{auth: platform, object_handle: "${{pk}}", persistent_handle: 0x81800020}}
""")
    tcti, _ = shared_swtpm
    for _ in range(2):
        res = run_ok(tpmrun, f, "--tcti", tcti)
        removed = sorted(r["handle"] for r in res["cleanup"]["removed"])
        assert removed == ["0x81000020", "0x81800020"], res["cleanup"]
        assert res["cleanup"]["left"] == []
        assert persistent_handles(tcti) == []


# --- credentials ---------------------------------------------------------------

def test_credentials(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_credential.yaml")
    made = named(res, "the TPM makes the credential")["outputs"]
    blob = made["credential_blob"]["decoded"]
    assert len(blob["integrityHMAC"]) == 64 and len(blob["encIdentity"]) == 2 * (2 + len("TPM-made credential"))
    assert set(made["secret"]["decoded"]["eccPoint"]) == {"x", "y"}
    assert made["tools_file"]["hex"].startswith("badcc0de00000001" + made["credential_blob"]["hex"])
    sizes = [s["outputs"]["secret"]["decoded"] for s in of_type(res, "crypto.make_credential")]
    assert [d["size"] for d in sizes] == [68, 68, 256, 68]      # ECC points; OAEP for the RSA EK
    assert "eccPoint" not in sizes[2] and "eccPoint" in sizes[3]
    activations = of_type(res, "esapi.activate_credential")
    assert [a.get("rc", {}).get("name") for a in activations] == [
        "TPM2_RC_AUTH_UNAVAILABLE", "TPM2_RC_SUCCESS", "TPM2_RC_SUCCESS", "TPM2_RC_INTEGRITY", "TPM2_RC_SUCCESS",
        "TPM2_RC_SIZE"]
    assert all(a["outputs"]["cert_info"] == "<redacted>" for a in activations if a["status"] == "passed"
               and a["outputs"])
    assert of_type(res, "crypto.make_credential")[0]["inputs"]["credential"] == "<redacted>"


def test_credentials_with_tpm2_tools(tpmrun):
    res = run_ok(tpmrun, ESAPI / "esapi_credential_tools.yaml")
    assert named(res, "tpmrun activates it")["status"] == "passed"


def test_crypto_make_credential_refuses_what_the_tpm_would(tpmrun, tmp_path):
    f = write(tmp_path, "cred_limits", """
  - esapi.create_primary: {hierarchy: endorsement, template: ek-ecc256}
    save: ek
  - crypto.make_credential: {public: "${ek.public}", credential: {hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}, object_name: "${ek.name}"}
    name: 32 bytes fit
  - esapi.make_credential: {handle: "${ek}", credential: {hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00"}, object_name: "${ek.name}"}
    name: the TPM refuses 33
    expect: {rc: size}
  - crypto.make_credential: {public: "${ek.public}", credential: {hex: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00"}, object_name: "${ek.name}"}
    name: so does the software
""")
    p = tpmrun(f)
    assert p.returncode == 1
    res = tpmrun.result("cred_limits")
    assert named(res, "32 bytes fit")["status"] == "passed"
    assert named(res, "the TPM refuses 33")["status"] == "passed"
    assert res["failed_step"]["message"] == "the credential is 33 bytes; the key's nameAlg allows 32"
    f = write(tmp_path, "cred_signing_key", """
  - esapi.create_primary: {template: "ecc256:ecdsa"}
    save: k
  - crypto.make_credential: {public: "${k.public}", credential: x, object_name: "${k.name}"}
""")
    p = tpmrun(f)
    assert p.returncode == 1
    assert "storage key" in tpmrun.result("cred_signing_key")["failed_step"]["message"]
