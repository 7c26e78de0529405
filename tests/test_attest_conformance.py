"""The tpm2-tools attestation and audit tests ported to the conformance pack
(scenarios/conformance/tpm2-tools: attestation, certify, checkquote, audit
...), and the step changes the port needed: crypto.hash's hex_parts (a
cpHash's input from literals and outputs), esapi.nv_certify's extra_data and
index_name, qualifying data the size TSS 3.2's TPM2B_DATA holds, and an RSA
signature checked with an EC key (or the reverse) not verifying.

The scenarios check themselves on a private swtpm (tests/test_scenarios.py
runs them all); here their results are checked again with Python's hashlib,
independently of crypto.hash."""
import hashlib
import re
import struct

import pytest
import yaml

from conftest import ROOT

PACK = ROOT / "scenarios" / "conformance" / "tpm2-tools"
ESAPI = ROOT / "scenarios" / "esapi"

# the tests of tpm2-tools 5.x this part of the pack answers for
OWNED = ["X509certutil", "attestation", "certify", "certifycreation", "checkquote", "commandaudit", "createak",
         "eventlog", "gettime", "nvcertify", "quote", "sessionaudit"]


def run_ok(tpmrun, *args):
    p = tpmrun(*args)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def scenario(tmp_path, name, steps):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\nsteps:\n" + steps)
    return path


def out(step, name):
    v = step["outputs"][name]
    return bytes.fromhex(v["hex"]) if isinstance(v, dict) and "hex" in v else v


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def by_save(res, path, key):
    """The results of the step saved as `key` in the scenario file at path (steps in file order)."""
    steps = yaml.safe_load(path.read_text())["steps"]
    index = [i for i, s in enumerate(steps) if s.get("save") == key]
    assert len(index) == 1, key
    return res["steps"][index[0]]


# --- the pack ------------------------------------------------------------------

def test_every_owned_test_is_ported_or_has_a_reason():
    origins = {re.search(r"tests/([\w.-]+)\.sh", yaml.safe_load(p.read_text())["origin"]).group(1)
               for p in PACK.glob("*.yaml")}
    readme = (PACK / "README.md").read_text()
    for test in OWNED:
        skipped = re.search(rf"^\| `?{re.escape(test)}(\.sh)?`? \| .{{16,}} \|$", readme, re.M)
        assert (test in origins) != bool(skipped), f"{test}: port it or say why not, not both"


# --- crypto.hash hex_parts ------------------------------------------------------

def test_hex_parts_join_literals_bytes_and_structures(tpmrun, tmp_path):
    path = scenario(tmp_path, "parts", """\
  - crypto.hash: {data: abc}
    save: h
  - esapi.pcr_read: {pcrs: "sha256:16"}
    save: p
  - name: joined
    crypto.hash: {hex_parts: ["0000017b", "00 08", "${h.digest}", "${p.selection}"]}
  - name: sha1
    crypto.hash: {hex_parts: ["0x0102", "${h}"], alg: sha1}
  - name: nothing
    crypto.hash: {hex_parts: []}
""")
    run_ok(tpmrun, path)
    res = tpmrun.result("parts")
    abc = hashlib.sha256(b"abc").digest()
    selection = out(res["steps"][1], "selection")
    assert selection == bytes.fromhex("00000001000b03000001")      # TPML_PCR_SELECTION, as the wire has it
    assert out(named(res, "joined"), "digest") == hashlib.sha256(bytes.fromhex("0000017b0008") + abc + selection).digest()
    assert out(named(res, "sha1"), "digest") == hashlib.sha1(b"\x01\x02" + abc).digest()
    assert out(named(res, "nothing"), "digest") == hashlib.sha256(b"").digest()


def test_hex_parts_errors(tpmrun, tmp_path):
    both = scenario(tmp_path, "both", '  - crypto.hash: {data: a, hex_parts: ["00"]}\n')
    p = tpmrun("--check", both)
    assert p.returncode == 2 and "exactly one of data or hex_parts" in p.stderr, p.stderr
    # a structure inside other text is still refused where the text is not hex
    text = scenario(tmp_path, "text", "  - esapi.pcr_read: {pcrs: 'sha256:16'}\n    save: p\n"
                                      "  - crypto.hash: {data: 'x${p.selection}'}\n")
    p = tpmrun("--check", text)
    assert p.returncode == 2 and "${p} is TPML_PCR_SELECTION and cannot be part of a text" in p.stderr, p.stderr
    bad = scenario(tmp_path, "bad", '  - crypto.hash: {hex_parts: ["00", "0g"]}\n')
    p = tpmrun(bad)
    assert p.returncode == 1
    step = tpmrun.result("bad")["steps"][0]
    assert step["status"] == "failed" and step["message"].startswith("hex_parts: ") and '(in "000g")' in step["message"]


# --- esapi.nv_certify's extra_data and index_name ----------------------------------

def test_nv_certify_gives_extra_data_and_index_name(tpmrun):
    path = PACK / "nvcertify.yaml"
    run_ok(tpmrun, path)
    res = tpmrun.result("tpm2tools_nvcertify")
    qual = out(by_save(res, path, "qual"), "random")
    c1, c2 = by_save(res, path, "c1"), by_save(res, path, "c2")
    decoded = c2["outputs"]["certify_info"]["decoded"]
    assert decoded["type"] == "nv" and out(c2, "extra_data") == qual == bytes.fromhex(decoded["extraData"])
    assert out(c1, "extra_data") == b""
    name = out(by_save(res, path, "nv_pub"), "name")
    assert out(c1, "index_name") == out(c2, "index_name") == name
    assert decoded["attested"]["indexName"] == name.hex()
    # the signed bytes hold the nonce after magic, type and the qualified signer
    attest = out(c2, "attest")
    n = struct.unpack(">H", attest[6:8])[0]
    assert attest[8 + n:8 + n + 2 + 32] == b"\x00\x20" + qual


# --- qualifying data: what TPM2B_DATA holds --------------------------------------

@pytest.mark.parametrize("step,param", [("esapi.quote", "qualifying_data"), ("esapi.get_time", "qualifying_data"),
                                        ("esapi.certify_x509", "reserved")])
def test_data_over_64_bytes_is_refused_at_load(tpmrun, tmp_path, step, param):
    args = {"esapi.quote": "pcr_select: 'sha256:0'", "esapi.get_time": "hash: sha256",
            "esapi.certify_x509": "object_handle: '${k}', partial_certificate: {hex: '3000'}"}[step]
    key = "  - esapi.create_primary: {}\n    save: k\n"
    for n, ok in [(64, True), (65, False)]:
        path = scenario(tmp_path, f"d{n}", key + f"  - {step}: {{{args}, {param}: {{hex: '{'ab' * n}'}}}}\n")
        p = tpmrun("--check", path)
        if ok:
            assert p.returncode == 0, p.stderr
        else:
            assert p.returncode == 2 and f"'{param}' is 65 bytes; {step} takes at most 64" in p.stderr, p.stderr


# --- a signature of another key type does not verify -------------------------------

def test_signature_of_another_key_type_does_not_verify(tpmrun, tmp_path):
    pem = ESAPI / "esapi_rsa_import_key.pem"         # RSA 2048
    ec_pem = ESAPI / "esapi_load_external_ec.pem"
    path = scenario(tmp_path, "types", f"""\
  - esapi.create_primary: {{template: "ecc256:ecdsa", attributes: "sign|fixedtpm|fixedparent|sensitivedataorigin|userwithauth"}}
    save: ec
  - esapi.load_external: {{key: {{file: {pem}}}, with_private: false}}
    save: rsa
  - crypto.hash: {{data: signed}}
    save: h
  - crypto.sign: {{key: {{file: {pem}}}, digest: "${{h.digest}}", scheme: rsapss}}
    save: pss
  - crypto.sign: {{key: {{file: {ec_pem}}}, digest: "${{h.digest}}"}}
    save: ecdsa
  - name: PSS, RSA key
    crypto.verify: {{public: "${{rsa.public}}", digest: "${{h.digest}}", signature: "${{pss.signature}}"}}
  - name: PSS, EC key
    crypto.verify: {{public: "${{ec.public}}", digest: "${{h.digest}}", signature: "${{pss.signature}}", allow_invalid: true}}
  - name: ECDSA, RSA key
    crypto.verify: {{public: "${{rsa.public}}", digest: "${{h.digest}}", signature: "${{ecdsa.signature}}", allow_invalid: true}}
  - name: PSS, EC key, not allowed
    crypto.verify: {{public: "${{ec.public}}", digest: "${{h.digest}}", signature: "${{pss.signature}}"}}
""")
    p = tpmrun(path)
    assert p.returncode == 1
    res = tpmrun.result("types")
    assert named(res, "PSS, RSA key")["outputs"]["valid"] is True
    assert named(res, "PSS, EC key")["outputs"]["valid"] is False
    assert named(res, "ECDSA, RSA key")["outputs"]["valid"] is False
    last = named(res, "PSS, EC key, not allowed")
    assert last["status"] == "failed" and "does not verify" in last["message"]


# --- the audit scenarios, checked again in Python -----------------------------------

def h(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def test_session_audit_of_get_random_is_a_known_answer(tpmrun):
    path = PACK / "sessionaudit_tpm.yaml"
    run_ok(tpmrun, path)
    res = tpmrun.result("tpm2tools_sessionaudit_tpm")
    random = out(by_save(res, path, "r"), "random")
    assert len(random) == 8
    cp = h(struct.pack(">IH", 0x17B, 8))
    rp = h(struct.pack(">IIH", 0, 0x17B, 8) + random)
    a1 = by_save(res, path, "a1")
    assert out(a1, "session_digest") == h(bytes(32), cp, rp)
    assert a1["outputs"]["audit_info"]["decoded"]["type"] == "session-audit"
    # the platform and owner commands: no response parameters
    for key, cc, handle, params in [("a2", 0x124, 0x4000000C, b""), ("a3", 0x125, 0x4000000C, b""),
                                    ("a4", 0x129, 0x40000001, b"\x00\x0d" + b"ownerpassword")]:
        cp = h(struct.pack(">II", cc, handle) + params)
        assert out(by_save(res, path, key), "session_digest") == h(bytes(32), cp, h(struct.pack(">II", 0, cc))), key


def test_command_audit_digests_are_known_answers(tpmrun):
    path = PACK / "commandaudit.yaml"
    run_ok(tpmrun, path)
    res = tpmrun.result("tpm2tools_commandaudit")
    a1, a2, a3 = (by_save(res, path, k) for k in ("a1", "a2", "a3"))
    assert out(a1, "command_digest") == out(a3, "command_digest") == h(bytes.fromhex("00000140"))
    assert out(a2, "command_digest") == h(bytes.fromhex("000001400000017b"))
    assert [out(a, "audit_counter") for a in (a1, a2, a3)] == [1, 2, 3]
    set_empty = h(bytes.fromhex("00000140 40000001 000b 00000000 00000000"))
    assert out(a1, "audit_digest") == h(bytes(32), set_empty, h(bytes.fromhex("0000000000000140")))
    random = out(by_save(res, path, "r"), "random")
    set_random = h(bytes.fromhex("00000140 40000001 0010 00000001 0000017b 00000000"))
    first = h(bytes(32), set_random, h(bytes.fromhex("0000000000000140")))
    get_random = h(bytes.fromhex("0000017b0008")), h(bytes.fromhex("000000000000017b0008") + random)
    assert out(a2, "audit_digest") == h(first, *get_random)
