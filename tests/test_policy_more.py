"""The policy commands that take outside authorizations or read what the TPM
holds -- PolicySigned, PolicyTicket, PolicyAuthorize, PolicyNV,
PolicyAuthorizeNV, PolicyCounterTimer -- and PolicyPhysicalPresence,
PolicyTemplate and the locality syntax.

Known answers: each command's step on a trial session reaches the digest
crypto.policy_digest computes for the same JSON element, esapi.policy
reaches it running that JSON, and all three equal a hashlib computation of
TPM 2.0 Part 3's formulas here (with names computed here too: a PEM key's
as FAPI forms it, an NV index's as written).  FAPI itself computes the same
digests for the same JSON.  Then the commands in real sessions: what passes
opens a key, what does not fails with the TPM's code."""
import hashlib
import json
import pathlib
import re
import shutil
import struct
import subprocess
import tempfile
import textwrap

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from conftest import ROOT, TPMRUN, Tpmrun, swtpm_processes_under

ALG = {"sha1": 0x0004, "sha256": 0x000B, "sha384": 0x000C, "sha512": 0x000D}
CC = {"PolicyNV": 0x149, "PolicySigned": 0x160, "PolicyAuthorize": 0x16A, "PolicyAuthValue": 0x16B,
      "PolicyCommandCode": 0x16C, "PolicyCounterTimer": 0x16D, "PolicyLocality": 0x16F,
      "PolicyPhysicalPresence": 0x187, "PolicyTemplate": 0x190, "PolicyAuthorizeNV": 0x192}
SIGN = struct.pack(">I", 0x15D)
EO = {"eq": 0, "neq": 1, "signed_gt": 2, "unsigned_gt": 3, "signed_lt": 4, "unsigned_lt": 5, "signed_ge": 6,
      "unsigned_ge": 7, "signed_le": 8, "unsigned_le": 9, "bits": 10, "bitclear": 11}
NV = 0x01500001
NV_ATTRS = "ownerread|ownerwrite|authread|authwrite"
TPMA_NV_WRITTEN = 0x20000000


# ---- the reference: Part 3's updates of policyDigest, and names ----------------------

def H(alg, *parts):
    h = hashlib.new(alg)
    for p in parts:
        h.update(p)
    return h.digest()


def ext(alg, digest, cc, *parts):
    return H(alg, digest, struct.pack(">I", CC[cc]), *parts)


def zeros(alg):
    return bytes(len(H(alg)))


def ref_signed(alg, d, name, ref=b""):
    return H(alg, ext(alg, d, "PolicySigned", name), ref)


def ref_authorize(alg, name, ref=b""):
    return H(alg, ext(alg, zeros(alg), "PolicyAuthorize", name), ref)


def args_hash(alg, operand, offset, op):
    return H(alg, operand, struct.pack(">HH", offset, EO[op]))


def ref_nv(alg, d, name, operand, offset=0, op="eq"):
    return ext(alg, d, "PolicyNV", args_hash(alg, operand, offset, op), name)


def ref_counter_timer(alg, d, operand, offset, op):
    return ext(alg, d, "PolicyCounterTimer", args_hash(alg, operand, offset, op))


def tpm2b(b):
    return struct.pack(">H", len(b)) + b


def fapi_pem_name(pem, name_alg="sha256", scheme=0x0016, scheme_hash=None):
    """The name FAPI gives a PEM key in a policy: sign-only, no symmetric;
    ECC: ECDSA-SHA256, kdf null; RSA: the scheme, exponent written out."""
    key = load_pem_public_key(pem)
    head = struct.pack(">HHI", 0x0023 if isinstance(key, ec.EllipticCurvePublicKey) else 0x0001, ALG[name_alg],
                       0x00040000) + tpm2b(b"") + struct.pack(">H", 0x0010)
    if isinstance(key, ec.EllipticCurvePublicKey):
        n = key.public_numbers()
        size = (key.curve.key_size + 7) // 8
        pub = head + struct.pack(">HHHH", 0x0018, ALG["sha256"], 0x0003, 0x0010) + \
            tpm2b(n.x.to_bytes(size, "big")) + tpm2b(n.y.to_bytes(size, "big"))
    else:
        n = key.public_numbers()
        pub = head + struct.pack(">HHHI", scheme, ALG[scheme_hash or name_alg], key.key_size, n.e) + \
            tpm2b(n.n.to_bytes(key.key_size // 8, "big"))
    return struct.pack(">H", ALG[name_alg]) + H(name_alg, pub)


def nv_name(attrs, size, index=NV, policy=b""):
    """An NV index's name once written: nameAlg || H(TPMS_NV_PUBLIC)."""
    pub = struct.pack(">IHI", index, ALG["sha256"], attrs | TPMA_NV_WRITTEN) + tpm2b(policy) + struct.pack(">H", size)
    return struct.pack(">H", ALG["sha256"]) + H("sha256", pub)


# ---- keys and running ---------------------------------------------------------------

@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """PEM files: an EC signer (private, public), another EC key, an RSA public key."""
    d = tmp_path_factory.mktemp("keys")
    for name, args in (("ec", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                       ("other", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                       ("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])):
        subprocess.run(["openssl", "genpkey", *args, "-out", str(d / f"{name}.pem")], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", str(d / f"{name}.pem"), "-pubout", "-out",
                        str(d / f"{name}_pub.pem")], check=True, capture_output=True)
    return d


def key_vars(keys):
    return {n: {"file": str(keys / f"{n}.pem")} for n in ("ec", "ec_pub", "other", "rsa_pub")}


def run_dir(files, *args):
    """Runs scenario files on private swtpms; returns (process, Tpmrun)."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-test-"))
    results = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-results-"))
    run = Tpmrun(tmp, results)
    try:
        proc = run(*args, *files)
        leftovers, procs = list(tmp.iterdir()), swtpm_processes_under(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert not leftovers and not procs, (leftovers, procs)
    return proc, run


def run_one(tpmrun, tmp_path, text, name="t", *args):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + textwrap.dedent(text))
    p = tpmrun(*args, path)
    f = tpmrun.results / f"{name}.json"
    return p, (tpmrun.result(name) if f.exists() else None)


def by_name(res):
    return {s["name"]: s for s in res["steps"] if "name" in s}


def out_bytes(step, field):
    v = step["outputs"][field]
    return bytes.fromhex(v["hex"] if isinstance(v, dict) else v)


def nv_setup(data_hex="000000000000002a", index=NV, size=8):
    octal = "".join("\\%03o" % b for b in bytes.fromhex(data_hex))
    return [{"exec": {"command": f"tpm2_nvdefine {index:#x} -C o -s {size} -a '{NV_ATTRS}' && "
                                 f"printf '{octal}' | tpm2_nvwrite {index:#x} -C o -i -"}},
            {"name": "nv", "esapi.tr_from_tpmpublic": {"handle": index}, "save": "nv"}]


EXT = {"name": "ext", "esapi.load_external": {"key": "${ec_pub}", "template": "ecc256:ecdsa-sha256:null",
                                              "attributes": "sign"}, "save": "ext"}
APPROVER = {"name": "approver", "esapi.create_primary": {"template": "ecc256:ecdsa-sha256",
                                                         "attributes": "sign|userwithauth|fixedtpm|fixedparent|"
                                                                       "sensitivedataorigin"}, "save": "approver"}

# ---- trial sessions: step == crypto.policy_digest == esapi.policy == reference ------------
# (id, hash, setup steps, steps on ${t} (None: none), JSON policy, software digest from the
#  calculated policy (the policy needs the TPM), reference(alg, out, keys))

T = "${t}"
CASES = [
    ("signed_name", "sha256", [EXT], [{"esapi.policy_signed": {"session": T, "key": "${ext}",
                                                             "policy_ref": {"hex": "0102"}}}],
     [{"type": "POLICYSIGNED", "publicKey": "${ext.name}", "policyRef": "0102"}], False,
     lambda a, o, k: ref_signed(a, zeros(a), o("ext", "name"), b"\x01\x02")),
    ("signed_pem_ecc", "sha384", [EXT], [{"esapi.policy_signed": {"session": T, "key": "${ext}"}}],
     [{"type": "POLICYSIGNED", "keyPEM": "${ec_pub}"}], False,
     lambda a, o, k: ref_signed(a, zeros(a), fapi_pem_name((k / "ec_pub.pem").read_bytes()))),
    # FAPI's RSA public area (exponent written out) is loaded by esapi.policy itself
    ("signed_pem_rsa", "sha256", [], None,
     [{"type": "PolicySigned", "keyPEM": "${rsa_pub}", "keyPEMhashAlg": "SHA384",
       "rsaScheme": {"scheme": "TPM2_ALG_RSASSA", "details": {"hashAlg": "SHA256"}}, "policyRef": "ff"}], False,
     lambda a, o, k: ref_signed(a, zeros(a), fapi_pem_name((k / "rsa_pub.pem").read_bytes(), "sha384", 0x0014,
                                                           "sha256"), b"\xff")),
    ("signed_keypublic", "sha256", [EXT],
     [{"esapi.policy_signed": {"session": T, "key": "${ext}", "cp_hash": {"hex": "cc" * 32}, "expiration": -5}}],
     [{"type": "signed", "keyPublic": "${ext.public}", "cpHashA": "cc" * 32, "expiration": -5}], False,
     lambda a, o, k: ref_signed(a, zeros(a), o("ext", "name"))),
    ("authorize_keyname", "sha256", [APPROVER],
     [{"esapi.policy_auth_value": {"session": T}},
      {"esapi.policy_authorize": {"session": T, "key_sign": "${approver.name}", "policy_ref": {"hex": "0a0b"}}}],
     [{"type": "POLICYAUTHVALUE"}, {"type": "POLICYAUTHORIZE", "keyName": "${approver.name}", "policyRef": "0a0b"}],
     False, lambda a, o, k: ref_authorize(a, o("approver", "name"), b"\x0a\x0b")),
    ("authorize_pem", "sha1", [EXT], [{"esapi.policy_authorize": {"session": T, "key_sign": "${ext.name}"}}],
     [{"type": "Authorize", "keyPEM": "${ec_pub}", "keyName": "${ext.name}"}], False,
     lambda a, o, k: ref_authorize(a, fapi_pem_name((k / "ec_pub.pem").read_bytes()))),
    ("nv_eq_by_index", "sha256", nv_setup(),
     [{"esapi.policy_nv": {"session": T, "nv_index": "${nv}", "operand_b": {"hex": "000000000000002a"}}}],
     [{"type": "POLICYNV", "nvIndex": NV, "operandB": "000000000000002a"}], True,
     lambda a, o, k: ref_nv(a, zeros(a), nv_name(0x00060006, 8), bytes.fromhex("000000000000002a"))),
    ("nv_ugt_public_hex", "sha256", nv_setup(),
     [{"esapi.policy_nv": {"session": T, "nv_index": "${nv}", "operand_b": {"hex": "29"}, "offset": 7,
                           "operation": "unsigned_gt"}}],
     [{"type": "POLICYNV", "nvPublic": "${nv.nv_public}", "operandB": "29", "offset": 7,
       "operation": "TPM2_EO_UNSIGNED_GT"}], False,
     lambda a, o, k: ref_nv(a, zeros(a), o("nv", "name"), b"\x29", 7, "unsigned_gt")),
    ("nv_tss_json", "sha256", nv_setup(),
     [{"esapi.policy_nv": {"session": T, "nv_index": "${nv}", "operand_b": {"hex": "0000"}, "offset": 2,
                           "operation": "signed_le"}}],
     [{"type": "POLICYNV", "nvIndex": "0x01500001", "operandB": "0000", "offset": 2, "operation": "SIGNED_LE",
       "nvPublic": {"size": 14, "nvPublic": {
           "nvIndex": NV, "nameAlg": "TPM2_ALG_SHA256", "authPolicy": "", "dataSize": 8,
           "attributes": {"OWNERREAD": "YES", "OWNERWRITE": 1, "AUTHREAD": True, "TPMA_NV_AUTHWRITE": "YES",
                          "PPREAD": "NO", "TPM2_NT": "ORDINARY"}}}}], False,
     lambda a, o, k: ref_nv(a, zeros(a), o("nv", "name"), b"\0\0", 2, "signed_le")),
    ("nv_attribute_forms", "sha256", nv_setup(),
     [{"esapi.policy_nv": {"session": T, "nv_index": "${nv}", "operand_b": {"hex": "2a"}, "offset": 7,
                           "operation": "bits"}},
      {"esapi.policy_nv": {"session": T, "nv_index": "${nv}", "operand_b": {"hex": "80"}, "offset": 7,
                           "operation": "bitclear"}}],
     [{"type": "POLICYNV", "operandB": "2a", "offset": 7, "operation": "TPM2_EO_BITSET",
       "nvPublic": {"nvIndex": NV, "nameAlg": "sha256", "dataSize": 8,
                    "attributes": ["TPMA_NV_OWNERREAD", "OWNERWRITE", "AUTHREAD", "AUTHWRITE", "ORDINARY"]}},
      {"type": "POLICYNV", "operandB": "80", "offset": 7, "operation": 11,
       "nvPublic": {"nvIndex": NV, "nameAlg": "sha256", "dataSize": 8, "attributes": NV_ATTRS}}], False,
     lambda a, o, k: ref_nv(a, ref_nv(a, zeros(a), nv_name(0x00060006, 8), b"\x2a", 7, "bits"),
                            nv_name(0x00060006, 8), b"\x80", 7, "bitclear")),
    ("authorize_nv_by_index", "sha256", nv_setup("000b" + "00" * 32, size=34),
     [{"esapi.policy_command_code": {"session": T, "code": "Sign"}},
      {"esapi.policy_authorize_nv": {"session": T, "nv_index": "${nv}"}}],
     [{"type": "POLICYCOMMANDCODE", "code": "Sign"}, {"type": "POLICYAUTHORIZENV", "nvIndex": NV}], True,
     lambda a, o, k: ext(a, zeros(a), "PolicyAuthorizeNV", nv_name(0x00060006, 34))),
    ("authorize_nv_public", "sha384", nv_setup("000b" + "00" * 32, size=34),
     [{"esapi.policy_authorize_nv": {"session": T, "nv_index": "${nv}", "auth_handle": "owner"}}],
     [{"type": "AuthorizeNv", "nvPublic": "${nv.nv_public}"}], False,
     lambda a, o, k: ext(a, zeros(a), "PolicyAuthorizeNV", o("nv", "name"))),
    ("counter_timer_time", "sha256", [],
     [{"esapi.policy_counter_timer": {"session": T, "operand_b": {"hex": "00" * 8}, "operation": "unsigned_gt"}}],
     [{"type": "POLICYCOUNTERTIMER", "operandB": "00" * 8, "operation": "TPM2_EO_UNSIGNED_GT"}], False,
     lambda a, o, k: ref_counter_timer(a, zeros(a), bytes(8), 0, "unsigned_gt")),
    ("counter_timer_safe", "sha1", [],
     [{"esapi.policy_counter_timer": {"session": T, "operand_b": {"hex": "01"}, "offset": 24,
                                      "operation": "signed_lt"}}],
     [{"type": "countertimer", "operandB": "01", "offset": 24, "operation": "signed_lt"}], False,
     lambda a, o, k: ref_counter_timer(a, zeros(a), b"\x01", 24, "signed_lt")),
    ("physical_presence", "sha256", [], [{"esapi.policy_physical_presence": {"session": T}}],
     [{"type": "POLICYPHYSICALPRESENCE"}], False,
     lambda a, o, k: ext(a, zeros(a), "PolicyPhysicalPresence")),
    ("template", "sha256", [], [{"esapi.policy_template": {"session": T, "template_hash": {"hex": "ab" * 32}}}],
     [{"type": "POLICYTEMPLATE", "templateHash": "ab" * 32}], False,
     lambda a, o, k: ext(a, zeros(a), "PolicyTemplate", b"\xab" * 32)),
]
# the locality syntax against the JSON forms: (step value, JSON value, TPMA_LOCALITY)
LOCALITIES = [("three", ["THREE"], 0x08), ("3", ["TPM2_LOC_THREE"], 0x08),
              ("zero|three", "0x09", 0x09), (["one", "FOUR"], "one|four", 0x12), ([0, 2], [0, 2], 0x05),
              ("0x1f", [0, 1, 2, 3, 4], 0x1F), (32, 32, 0x20), ("255", "255", 0xFF)]
for i, (sv, jv, byte) in enumerate(LOCALITIES):
    CASES.append((f"locality_{i}", "sha256", [], [{"esapi.policy_locality": {"session": T, "locality": sv}}],
                  [{"type": "POLICYLOCALITY", "locality": jv}], False,
                  lambda a, o, k, byte=byte: ext(a, zeros(a), "PolicyLocality", bytes([byte]))))
NEW_TYPES = {"POLICYSIGNED", "POLICYAUTHORIZE", "POLICYNV", "POLICYAUTHORIZENV", "POLICYCOUNTERTIMER"}


def case_scenario(cid, alg, setup, steps, pol, from_calculated, keys):
    doc = {"description": f"case {cid}", "policy": pol}
    body = list(setup)
    body.append({"esapi.start_auth_session": {"type": "trial", "hash": alg}, "save": "t"})
    if steps is not None:
        body += steps
        body.append({"name": "step", "esapi.policy_get_digest": {"session": T}, "save": "step"})
    if not from_calculated:
        body.append({"name": "soft", "crypto.policy_digest": {"policy": doc, "hash": alg}, "save": "soft"})
    body.append({"esapi.start_auth_session": {"type": "trial", "hash": alg}, "save": "t2"})
    body.append({"name": "json", "esapi.policy": {"session": "${t2}", "policy": doc}, "save": "json"})
    if from_calculated:    # the calculated policy holds what was read from the TPM
        body.append({"name": "soft", "crypto.policy_digest": {"policy": "${json.policy}", "hash": alg},
                     "save": "soft"})
    return {"scenario": f"more_{cid}", "vars": key_vars(keys), "steps": body}


@pytest.fixture(scope="module")
def cases_run(tmp_path_factory, keys):
    d = tmp_path_factory.mktemp("policy_more")
    for cid, alg, setup, steps, pol, calc, _ in CASES:
        (d / f"more_{cid}.yaml").write_text(json.dumps(case_scenario(cid, alg, setup, steps, pol, calc, keys),
                                                       indent=1))
    proc, run = run_dir([d], "-j", "4")
    yield proc, run
    shutil.rmtree(run.results, ignore_errors=True)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_trial_digest_equals_software_and_reference(cases_run, keys, case):
    cid, alg, _, steps, _, _, reference = case
    _, run = cases_run
    res = run.result(f"more_{cid}")
    assert res["status"] == "passed", res.get("message")
    s = by_name(res)
    soft, tpm = out_bytes(s["soft"], "digest"), out_bytes(s["json"], "digest")
    assert len(tpm) == len(H(alg))
    assert soft == tpm
    if steps is not None:
        assert out_bytes(s["step"], "digest") == tpm, "the step and the JSON policy reach different digests"
    expected = reference(alg, lambda name, field: out_bytes(s[name], field), keys)
    assert tpm.hex() == expected.hex(), "tpmrun and the TPM agree, but not with the Part 3 formulas"


def test_cases_cover_every_new_type():
    seen = {e["type"].upper() if e["type"].upper().startswith("POLICY") else "POLICY" + e["type"].upper()
            for c in CASES for e in c[4]}
    assert NEW_TYPES <= seen


def test_names_are_known_answers(cases_run, keys):
    """The PEM key loaded as FAPI forms it, and the written NV index, have the names computed here."""
    _, run = cases_run
    s = by_name(run.result("more_signed_pem_ecc"))
    assert out_bytes(s["ext"], "name") == fapi_pem_name((keys / "ec_pub.pem").read_bytes())
    s = by_name(run.result("more_nv_eq_by_index"))
    assert out_bytes(s["nv"], "name") == nv_name(0x00060006, 8)
    assert s["nv"]["outputs"]["nv_public"]["decoded"]["attributes"] == \
        "nt=ordinary|ownerwrite|authwrite|ownerread|authread|written"
    # esapi.policy wrote the index it read into the calculated policy, in FAPI 3.2's form
    el = json.loads(s["json"]["outputs"]["policy"])["policy"][0]
    assert el["nvPublic"] == {"size": 14, "nvPublic": {"nvIndex": NV, "nameAlg": "TPM2_ALG_SHA256",
                                                       "attributes": 0x00060006 | TPMA_NV_WRITTEN,
                                                       "authPolicy": "", "dataSize": 8}}
    cmds = [c["command"] for c in s["json"]["tpm_commands"]]
    assert cmds.count("PolicyNV") == 1 and "NV_ReadPublic" in cmds


def test_signed_loads_the_pem_key_for_one_command(cases_run):
    _, run = cases_run
    s = by_name(run.result("more_signed_pem_rsa"))
    assert [c["command"] for c in s["json"]["tpm_commands"]] == [
        "PolicyGetDigest", "LoadExternal", "PolicySigned", "FlushContext", "PolicyGetDigest"]
    assert run.result("more_signed_pem_rsa")["cleanup"]["transient_handles_after"] == 0


# ---- FAPI computes the same digests ---------------------------------------------------

def test_fapi_computes_the_same_digests(tpmrun, tmp_path, keys):
    ec_pem, rsa_pem = (keys / "ec_pub.pem").read_text(), (keys / "rsa_pub.pem").read_text()
    nv_public = {"size": 14, "nvPublic": {"nvIndex": NV, "nameAlg": "TPM2_ALG_SHA256", "authPolicy": "",
                                          "dataSize": 8, "attributes": {"OWNERREAD": "YES", "OWNERWRITE": "YES",
                                                                        "TPM2_NT": "ORDINARY"}}}
    policies = {
        "signed_ec": [{"type": "POLICYSIGNED", "keyPEM": ec_pem, "policyRef": "0102"}],
        "signed_rsa": [{"type": "POLICYSIGNED", "keyPEM": rsa_pem, "keyPEMhashAlg": "SHA384"}],
        "signed_rsassa": [{"type": "POLICYSIGNED", "keyPEM": rsa_pem,
                           "rsaScheme": {"scheme": "TPM2_ALG_RSASSA", "details": {"hashAlg": "TPM2_ALG_SHA256"}}}],
        "authorize": [{"type": "POLICYAUTHORIZE", "keyPEM": ec_pem, "policyRef": "aa"}],
        "nv": [{"type": "POLICYNV", "nvIndex": NV, "nvPublic": nv_public, "operandB": "0102", "offset": 2,
                "operation": "TPM2_EO_UNSIGNED_GT"}],
        "authorize_nv": [{"type": "POLICYAUTHORIZENV", "nvPublic": nv_public}],
        "counter_timer": [{"type": "POLICYCOUNTERTIMER", "operandB": "0000000000000001", "offset": 8,
                           "operation": "TPM2_EO_SIGNED_LE"}],
    }
    steps = [{"fapi.provision": None}]
    for i, (pid, pol) in enumerate(policies.items()):
        doc = {"description": pid, "policy": pol}
        steps += [{"fapi.import": {"path": f"/policy/{pid}", "data": json.dumps(doc)}},
                  {"fapi.create_key": {"path": f"/HS/SRK/k{i}", "type": "sign", "policy_path": f"/policy/{pid}"}},
                  {"name": f"fapi_{pid}", "fapi.export_policy": {"path": f"/HS/SRK/k{i}"}},
                  {"name": f"soft_{pid}", "crypto.policy_digest": {"policy": doc}}]
    path = tmp_path / "fapi_same.json"
    path.write_text(json.dumps({"scenario": "fapi_same", "steps": steps}))
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(tpmrun.result("fapi_same"))
    for pid in policies:
        fapi = s[f"fapi_{pid}"]["outputs"]["policy"]["policyDigests"][0]["digest"]
        assert out_bytes(s[f"soft_{pid}"], "digest").hex() == fapi, pid
    assert out_bytes(s["soft_signed_ec"], "digest") == ref_signed(
        "sha256", zeros("sha256"), fapi_pem_name(ec_pem.encode()), b"\x01\x02")


# ---- real sessions --------------------------------------------------------------------

SIGNED = """
    vars: %s
    steps:
      - name: ext
        esapi.load_external: {key: "${ec_pub}", template: "ecc256:ecdsa-sha256:null", attributes: sign}
        save: ext
      - crypto.policy_digest: {policy: [{type: POLICYSIGNED, keyPEM: "${ec_pub}", policyRef: "0102"}]}
        save: pol
      - esapi.create_primary:
          {template: "ecc256:ecdsa-sha256", attributes: "sign|fixedtpm|fixedparent|sensitivedataorigin",
           policy: "${pol.digest}"}
        save: key
      - esapi.hash: {data: abc}
        save: h
      - esapi.start_auth_session: {type: policy}
        save: s
      - name: ahash
        crypto.policy_signed_hash: {nonce_tpm: "${s.nonce_tpm}", policy_ref: {hex: "0102"}}
        save: ahash
      - crypto.sign: {key: "${other}", digest: "${ahash.digest}"}
        save: wrong
      - name: wrong key
        esapi.policy_signed: {session: "${s}", key: "${ext}", nonce_tpm: true, policy_ref: {hex: "0102"}, signature: "${wrong.signature}"}
        expect: {rc: signature}
      - name: without the nonce it signed
        esapi.policy_signed: {session: "${s}", key: "${ext}", policy_ref: {hex: "0102"}, signature: "${wrong.signature}"}
        expect: {rc: signature}
      - name: before
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
        expect: {rc: policy_fail}
      - crypto.sign: {key: "${ec}", digest: "${ahash.digest}"}
        save: sig
      - name: ok
        esapi.policy_signed: {session: "${s}", key: "${ext}", nonce_tpm: true, policy_ref: {hex: "0102"}, signature: "${sig.signature}"}
        save: ok
      - name: used
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
        save: used
      - crypto.verify: {public: "${key.public}", digest: "${h.digest}", signature: "${used.signature}"}
      - name: lasting hash
        crypto.policy_signed_hash: {expiration: -100, policy_ref: {hex: "0102"}}
        save: lasting
      - crypto.sign: {key: "${ec}", digest: "${lasting.digest}"}
        save: lsig
      - name: lasting
        esapi.policy_signed: {session: "${s}", key: "${ext}", expiration: -100, policy_ref: {hex: "0102"}, signature: "${lsig.signature}"}
        save: lasting_ok
      - esapi.flush_context: {handle: "${s}"}
      - esapi.start_auth_session: {type: policy}
        save: s2
      - name: ticket with another policyRef
        esapi.policy_ticket: {session: "${s2}", timeout: "${lasting_ok.timeout}", auth_name: "${ext.name}", policy_ref: {hex: "0103"}, ticket: "${lasting_ok.ticket}"}
        expect: {rc: ticket}
      - name: ticket
        esapi.policy_ticket: {session: "${s2}", timeout: "${lasting_ok.timeout}", auth_name: "${ext.name}", policy_ref: {hex: "0102"}, ticket: "${lasting_ok.ticket}"}
      - esapi.policy_get_digest: {session: "${s2}"}
        expect: {outputs: {digest: "${pol.digest}"}}
      - name: used by ticket
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s2}"]
    """


def test_policy_signed_with_a_pem_key(tpmrun, tmp_path, keys):
    p, res = run_one(tpmrun, tmp_path, SIGNED % json.dumps(key_vars(keys)))
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(res)
    assert s["wrong key"]["rc"]["name"] == "TPM2_RC_SIGNATURE" and s["wrong key"]["call"] == "Esys_PolicySigned"
    assert s["before"]["rc"]["name"] == "TPM2_RC_POLICY_FAIL"
    ec_pub = load_pem_public_key((keys / "ec_pub.pem").read_bytes())
    assert ec_pub   # the signature is over aHash = H(nonceTPM || expiration || cpHashA || policyRef)
    nonce = bytes.fromhex(res["steps"][4]["outputs"]["nonce_tpm"]["hex"])
    assert out_bytes(s["ahash"], "digest") == H("sha256", nonce, struct.pack(">i", 0), b"", b"\x01\x02")
    assert out_bytes(s["lasting hash"], "digest") == H("sha256", struct.pack(">i", -100), b"\x01\x02")
    # expiration 0: a null ticket; below 0: a PolicySigned ticket and a timeout
    null, real = s["ok"]["outputs"]["ticket"]["decoded"], s["lasting"]["outputs"]["ticket"]["decoded"]
    assert null == {"tag": "0x8025", "hierarchy": "0x40000007", "digest": ""}
    assert real["tag"] == "0x8025" and real["digest"] and out_bytes(s["lasting"], "timeout")
    assert s["ticket with another policyRef"]["rc"]["name"] == "TPM2_RC_TICKET"
    assert s["used by ticket"]["status"] == "passed"


AUTHORIZE = """
    steps:
      - esapi.create_primary: {template: "ecc256:ecdsa-sha256", attributes: "sign|userwithauth|fixedtpm|fixedparent|sensitivedataorigin"}
        save: approver
      - crypto.policy_digest: {policy: [{type: POLICYCOMMANDCODE, code: Sign}]}
        save: approved
      - name: approval
        crypto.policy_authorize_hash: {approved_policy: "${approved.digest}", public: "${approver.public}", policy_ref: v1}
        save: approval
      - esapi.sign: {key: "${approver}", digest: "${approval.digest}"}
        save: asig
      - esapi.verify_signature: {key: "${approver}", digest: "${approval.digest}", signature: "${asig.signature}"}
        save: tk
      - crypto.policy_digest: {policy: [{type: POLICYAUTHORIZE, keyName: "${approval.name}", policyRef: "7631"}]}
        save: pol
      - esapi.create_primary:
          {template: "ecc256:ecdsa-sha256", attributes: "sign|fixedtpm|fixedparent|sensitivedataorigin",
           policy: "${pol.digest}", unique: {hex: "0909"}}
        save: key
      - esapi.hash: {data: abc}
        save: h
      - esapi.start_auth_session: {type: policy}
        save: s
      - esapi.policy_command_code: {session: "${s}", code: Sign}
      - name: approved
        esapi.policy_authorize: {session: "${s}", key_sign: "${approval.name}", policy_ref: v1, check_ticket: "${tk.validation}"}
      - name: used
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
      - esapi.policy_auth_value: {session: "${s}"}
      - name: ticket for another policy
        esapi.policy_authorize: {session: "${s}", key_sign: "${approval.name}", policy_ref: v1, check_ticket: "${tk.validation}"}
        expect: {rc: value}
      - name: not the session's digest
        esapi.policy_authorize: {session: "${s}", key_sign: "${approval.name}", approved_policy: "${approved.digest}", policy_ref: v1, check_ticket: "${tk.validation}"}
        expect: {rc: value}
      - name: without a ticket
        esapi.policy: {session: "${s}", policy: [{type: POLICYAUTHORIZE, keyName: "${approval.name}", policyRef: "7631"}]}
        expect: {rc: value}
      - name: not used
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
        expect: {rc: policy_fail}
      - esapi.policy_restart: {session: "${s}"}
      - name: json
        esapi.policy:
          session: "${s}"
          policy: [{type: POLICYCOMMANDCODE, code: Sign}, {type: POLICYAUTHORIZE, keyName: "${approval.name}", policyRef: "7631"}]
          authorize_ticket: "${tk.validation}"
        expect: {outputs: {digest: "${pol.digest}"}}
      - name: used after json
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
    """


def test_policy_authorize_with_a_tpm_approver(tpmrun, tmp_path):
    p, res = run_one(tpmrun, tmp_path, AUTHORIZE)
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(res)
    approver = res["steps"][0]["outputs"]
    approved = bytes.fromhex(res["steps"][1]["outputs"]["digest"]["hex"])
    assert out_bytes(s["approval"], "name") == bytes.fromhex(approver["name"]["hex"])
    assert out_bytes(s["approval"], "digest") == H("sha256", approved, b"v1")
    assert s["approved"]["status"] == "passed" and s["used"]["status"] == "passed"
    # the ticket is checked against H(session digest || policyRef): parameter 4 (checkTicket)
    assert s["ticket for another policy"]["rc"]["value"] == "0x000004c4"
    # approvedPolicy is not what the session holds: parameter 1
    assert s["not the session's digest"]["rc"]["value"] == "0x000001c4"
    # a null ticket (what esapi.policy sends without authorize_ticket) does not pass either
    assert s["without a ticket"]["call"] == "Esys_PolicyAuthorize"
    assert s["without a ticket"]["rc"]["value"] == "0x000004c4"
    assert s["not used"]["rc"]["name"] == "TPM2_RC_POLICY_FAIL"
    assert [c["command"] for c in s["json"]["tpm_commands"]] == [
        "PolicyGetDigest", "PolicyCommandCode", "PolicyGetDigest", "PolicyAuthorize", "PolicyGetDigest"]
    assert s["used after json"]["status"] == "passed"


NV_COMPARE = """
    steps:
      - exec: {command: "tpm2_nvdefine 0x1500001 -C o -s 4 -a '%s' && printf '\\\\377\\\\000\\\\200\\\\052' | tpm2_nvwrite 0x1500001 -C o -i -"}
      - esapi.tr_from_tpmpublic: {handle: 0x1500001}
        save: nv
      - esapi.start_auth_session: {type: policy}
        save: s
%s
    """
# the index holds ff 00 80 2a: (operand, offset, operation, passes)
COMPARISONS = [("ff00802a", 0, "eq", True), ("ff00802b", 0, "eq", False), ("ff00802b", 0, "neq", True),
               ("2a", 3, "unsigned_gt", False), ("29", 3, "unsigned_gt", True), ("01", 0, "unsigned_gt", True),
               ("01", 0, "signed_gt", False), ("01", 0, "signed_lt", True), ("ff", 0, "signed_le", True),
               ("fe", 0, "unsigned_le", False), ("ff00", 0, "unsigned_ge", True), ("80", 2, "bits", True),
               ("81", 2, "bits", False), ("7f", 2, "bitclear", True), ("80", 2, "bitclear", False)]


def test_policy_nv_compares_the_index(tpmrun, tmp_path):
    lines = []
    for i, (operand, offset, op, ok) in enumerate(COMPARISONS):
        lines.append(f"      - name: c{i}\n        esapi.policy_nv: {{session: \"${{s}}\", nv_index: \"${{nv}}\", "
                     f"operand_b: {{hex: \"{operand}\"}}, offset: {offset}, operation: {op}}}"
                     + ("" if ok else "\n        expect: {rc: policy}"))
    lines.append('      - name: past the end\n        esapi.policy_nv: {session: "${s}", nv_index: "${nv}", '
                 'operand_b: {hex: "00"}, offset: 4}\n        expect: {rc: size}')
    lines.append('      - name: owner reads\n        esapi.policy_nv: {session: "${s}", nv_index: "${nv}", '
                 'auth_handle: owner, operand_b: {hex: "2a"}, offset: 3}')
    lines.append('      - name: wrong auth\n        esapi.policy_nv: {session: "${s}", nv_index: "${nv}", '
                 'auth: nope, operand_b: {hex: "2a"}, offset: 3}\n        expect: {rc: auth_fail}')
    lines.append('      - name: json\n        esapi.policy: {session: "${s}", policy: [{type: POLICYNV, '
                 'nvIndex: 0x1500001, operandB: "80", offset: 2, operation: unsigned_ge}], nv_auth_handle: owner}')
    lines.append('      - name: json fails\n        esapi.policy: {session: "${s}", policy: [{type: POLICYNV, '
                 'nvIndex: 0x1500001, operandB: "81", offset: 2, operation: unsigned_ge}]}\n'
                 '        expect: {rc: policy}')
    p, res = run_one(tpmrun, tmp_path, NV_COMPARE % (NV_ATTRS, "\n".join(lines)))
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(res)
    for i, (_, _, _, ok) in enumerate(COMPARISONS):
        assert s[f"c{i}"]["rc"]["name"] == ("TPM2_RC_SUCCESS" if ok else "TPM2_RC_POLICY"), COMPARISONS[i]
    assert s["past the end"]["rc"]["name"] == "TPM2_RC_SIZE"
    assert s["wrong auth"]["rc"]["name"] == "TPM2_RC_AUTH_FAIL"
    assert s["json fails"]["call"] == "Esys_PolicyNV"


NV_GATE = """
    steps:
      - exec: {command: "tpm2_nvdefine 0x1500001 -C o -s 1 -a '%s' && printf '\\\\052' | tpm2_nvwrite 0x1500001 -C o -i -"}
      - esapi.tr_from_tpmpublic: {handle: 0x1500001}
        save: nv
      - crypto.policy_digest: {policy: [{type: POLICYNV, nvPublic: "${nv.nv_public}", operandB: "2a"}]}
        save: pol
      - esapi.create_primary: {template: "ecc256:ecdsa-sha256", attributes: "sign|fixedtpm|fixedparent|sensitivedataorigin", policy: "${pol.digest}"}
        save: key
      - esapi.hash: {data: abc}
        save: h
      - esapi.start_auth_session: {type: policy}
        save: s
      - esapi.policy: {session: "${s}", policy: [{type: POLICYNV, nvIndex: 0x1500001, operandB: "2a"}]}
      - name: while 42
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
      - exec: {command: "printf '\\\\053' | tpm2_nvwrite 0x1500001 -C o -i -"}
      - name: at 43
        esapi.policy_nv: {session: "${s}", nv_index: "${nv}", operand_b: {hex: "2a"}}
        expect: {rc: policy}
      - name: the handle survives the programs
        esapi.policy_nv: {session: "${s}", nv_index: "${nv}", operand_b: {hex: "2b"}, operation: eq}
      - name: but the key's policy is 42
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
        expect: {rc: policy_fail}
      - name: twice
        esapi.tr_from_tpmpublic: {handle: 0x1500001}
    """


def test_policy_nv_gates_a_key(tpmrun, tmp_path):
    p, res = run_one(tpmrun, tmp_path, NV_GATE % NV_ATTRS)
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(res)
    assert s["while 42"]["status"] == "passed"
    assert s["at 43"]["rc"]["name"] == "TPM2_RC_POLICY"
    assert s["the handle survives the programs"]["status"] == "passed"
    assert s["but the key's policy is 42"]["rc"]["name"] == "TPM2_RC_POLICY_FAIL"
    # found again by its number: the same index
    first = next(x for x in res["steps"] if x["type"] == "esapi.tr_from_tpmpublic")
    assert s["twice"]["outputs"]["name"] == first["outputs"]["name"]


AUTHORIZE_NV = """
    steps:
      - crypto.policy_digest: {policy: [{type: POLICYCOMMANDCODE, code: Sign}]}
        save: approved
      - file.write: {path: approved.bin, data: "${approved.digest}"}
      - exec: {command: "tpm2_nvdefine 0x1500002 -C o -s 34 -a '%s' && { printf '\\\\000\\\\013'; cat approved.bin; } | tpm2_nvwrite 0x1500002 -C o -i -"}
      - esapi.tr_from_tpmpublic: {handle: 0x1500002}
        save: nv
      - crypto.policy_digest: {policy: [{type: POLICYAUTHORIZENV, nvPublic: "${nv.nv_public}"}]}
        save: pol
      - esapi.create_primary: {template: "ecc256:ecdsa-sha256", attributes: "sign|fixedtpm|fixedparent|sensitivedataorigin", policy: "${pol.digest}"}
        save: key
      - esapi.hash: {data: abc}
        save: h
      - esapi.start_auth_session: {type: policy}
        save: s
      - esapi.policy_password: {session: "${s}"}
      - name: another policy
        esapi.policy_authorize_nv: {session: "${s}", nv_index: "${nv}"}
        expect: {rc: value}
      - esapi.policy_restart: {session: "${s}"}
      - name: json
        esapi.policy: {session: "${s}", policy: [{type: POLICYCOMMANDCODE, code: Sign}, {type: POLICYAUTHORIZENV, nvIndex: 0x1500002}], nv_auth_handle: owner}
        expect: {outputs: {digest: "${pol.digest}"}}
      - name: used
        esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
    """


def test_policy_authorize_nv(tpmrun, tmp_path):
    p, res = run_one(tpmrun, tmp_path, AUTHORIZE_NV % NV_ATTRS)
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(res)
    assert s["another policy"]["rc"]["name"] == "TPM2_RC_VALUE"
    assert "PolicyAuthorizeNV" in [c["command"] for c in s["json"]["tpm_commands"]]
    assert s["used"]["status"] == "passed"


CLOCK = """
    steps:
      - esapi.start_auth_session: {type: policy}
        save: s
      - name: time > 0
        esapi.policy_counter_timer: {session: "${s}", operand_b: {hex: "0000000000000000"}, operation: unsigned_gt}
      - name: time < 0
        esapi.policy_counter_timer: {session: "${s}", operand_b: {hex: "0000000000000000"}, operation: unsigned_lt}
        expect: {rc: policy}
      - name: clock < 2^62
        esapi.policy_counter_timer: {session: "${s}", operand_b: {hex: "4000000000000000"}, offset: 8, operation: unsigned_lt}
      - name: safe
        esapi.policy_counter_timer: {session: "${s}", operand_b: {hex: "01"}, offset: 24}
      - name: past TPMS_TIME_INFO
        esapi.policy_counter_timer: {session: "${s}", operand_b: {hex: "0000"}, offset: 24}
        expect: {rc: range}
      - name: json
        esapi.policy:
          session: "${s}"
          policy: [{type: POLICYCOUNTERTIMER, operandB: "00", offset: 24, operation: TPM2_EO_NEQ}]
      - name: json fails
        esapi.policy:
          session: "${s}"
          policy: [{type: POLICYCOUNTERTIMER, operandB: "ffffffffffffffff", offset: 8, operation: unsigned_gt}]
        expect: {rc: policy}
    """


def test_policy_counter_timer_against_the_clock(tpmrun, tmp_path):
    p, res = run_one(tpmrun, tmp_path, CLOCK)
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(res)
    assert s["time < 0"]["rc"]["name"] == "TPM2_RC_POLICY"
    assert s["past TPMS_TIME_INFO"]["rc"]["name"] == "TPM2_RC_RANGE"
    assert s["json fails"]["call"] == "Esys_PolicyCounterTimer"


JSON_SIGNED = """
    vars: %s
    steps:
      - crypto.policy_digest: {policy: [{type: POLICYSIGNED, keyPEM: "${ec_pub}"}]}
        save: pol
      - esapi.create_primary: {template: "ecc256:ecdsa-sha256", attributes: "sign|fixedtpm|fixedparent|sensitivedataorigin", policy: "${pol.digest}"}
        save: key
      - esapi.hash: {data: abc}
        save: h
      - esapi.start_auth_session: {type: policy}
        save: s
      - name: no signature
        esapi.policy: {session: "${s}", policy: "${pol.policy}"}
        expect: {rc: scheme}
      - crypto.policy_signed_hash: {nonce_tpm: "${s.nonce_tpm}"}
        save: ahash
      - crypto.sign: {key: "${ec}", digest: "${ahash.digest}"}
        save: sig
      - name: signed nonce
        esapi.policy: {session: "${s}", policy: "${pol.policy}", signature: "${sig.signature}"}
      - esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
      - name: the nonce signed is no longer the session's
        esapi.policy: {session: "${s}", policy: "${pol.policy}", signature: "${sig.signature}"}
        expect: {rc: signature}
      - crypto.policy_signed_hash: {}
        save: bare
      - crypto.sign: {key: "${ec}", digest: "${bare.digest}"}
        save: bare_sig
      - name: without a nonce
        esapi.policy: {session: "${s}", policy: "${pol.policy}", signature: "${bare_sig.signature}", signed_nonce: false}
      - esapi.sign: {key: "${key}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
    """


def test_esapi_policy_signed_in_a_real_session(tpmrun, tmp_path, keys):
    p, res = run_one(tpmrun, tmp_path, JSON_SIGNED % json.dumps(key_vars(keys)))
    assert p.returncode == 0, p.stdout + p.stderr
    s = by_name(res)
    # without `signature` the empty RSASSA one a trial session takes: an EC key refuses its scheme
    assert s["no signature"]["call"] == "Esys_PolicySigned"
    assert s["no signature"]["rc"]["name"] == "TPM2_RC_SCHEME"
    cmds = [c["command"] for c in s["signed nonce"]["tpm_commands"]]
    assert cmds == ["PolicyGetDigest", "LoadExternal", "PolicySigned", "FlushContext", "PolicyGetDigest"]
    assert res["cleanup"]["transient_handles_after"] == 0


# ---- load-time and run-time errors ---------------------------------------------------

LOAD_ERRORS = [
    ("key_path", "[{type: POLICYSIGNED, keyPath: /HS/SRK/key}]",
     r"policy\[0\]: 'keyPath' is resolved by FAPI only; tpmrun needs the key's name, keyPublic"),
    ("no_key", "[{type: POLICYSIGNED, policyRef: '00'}]",
     r"policy\[0\]: POLICYSIGNED needs publicKey \(the key's name, hex\), keyPublic \(hex TPM2B_PUBLIC\) or keyPEM"),
    ("two_keys", "[{type: POLICYAUTHORIZE, keyPublic: '00', keyPEM: x}]",
     r"POLICYAUTHORIZE takes one of keyPublic, keyPEM"),
    ("key_public_json", "[{type: POLICYAUTHORIZE, keyPublic: {type: TPM2_ALG_ECC}}]",
     r"keyPublic as a TSS JSON TPMT_PUBLIC is not read by tpmrun"),
    ("bad_pem", "[{type: POLICYSIGNED, keyPEM: 'not a key'}]",
     r"'keyPEM' must be a PEM public key \(text, or its hex\)"),
    ("rsa_scheme", "[{type: POLICYSIGNED, publicKey: '000b00', rsaScheme: {scheme: ECDSA}}]",
     r"'scheme' must be RSAPSS or RSASSA"),
    ("field_typo", "[{type: POLICYNV, nvIndex: 0x1500001, operandb: '00', ofset: 1}]",
     r"POLICYNV has no field 'ofset' \(did you mean 'offset'\?\)"),
    ("nv_path", "[{type: POLICYNV, nvPath: /nv/Owner/x, operandB: '00'}]",
     r"'nvPath' is resolved by FAPI only; tpmrun needs nvIndex \(the handle\) or nvPublic"),
    ("no_index", "[{type: POLICYNV, operandB: '00'}]", r"POLICYNV needs nvIndex \(the handle\) or nvPublic"),
    ("not_nv", "[{type: POLICYNV, nvIndex: 0x81000001, operandB: '00'}]",
     r"'nvIndex' must be an NV index handle 0x01000000..0x01ffffff"),
    ("no_operand", "[{type: POLICYNV, nvIndex: 0x1500001}]", r"POLICYNV needs operandB \(hex\)$"),
    ("operation", "[{type: POLICYNV, nvIndex: 0x1500001, operandB: '00', operation: unsigned_gtt}]",
     r"'operation' must be a TPM2_EO: EQ, NEQ"),
    ("index_mismatch", "[{type: POLICYAUTHORIZENV, nvIndex: 0x1500002, nvPublic: {nvIndex: 0x1500001, "
                       "nameAlg: sha256, attributes: 0, dataSize: 34}}]",
     r"'nvIndex' 0x01500002 is not nvPublic's index 0x01500001"),
    ("nv_attributes", "[{type: POLICYAUTHORIZENV, nvPublic: {nvIndex: 0x1500001, nameAlg: sha256, "
                      "attributes: [OWNERREAD, OWNERWRITTEN], dataSize: 34}}]",
     r"'attributes' must be TPMA_NV"),
    ("counter_timer", "[{type: POLICYCOUNTERTIMER, operandB: '00'}]",
     r"POLICYCOUNTERTIMER needs operandB \(hex\) and operation"),
    ("locality_text", "[{type: POLICYLOCALITY, locality: 'zero|five'}]", r"'locality': unknown locality 'five'"),
]


@pytest.mark.parametrize("cid,policy,pattern", LOAD_ERRORS, ids=[c[0] for c in LOAD_ERRORS])
def test_load_time_errors(tpmrun, tmp_path, cid, policy, pattern):
    path = tmp_path / f"{cid}.yaml"
    path.write_text(f"scenario: {cid}\nsteps:\n  - crypto.policy_digest:\n      policy: {policy}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2, p.stdout
    line = p.stderr.strip()
    assert "\n" not in line and line.startswith(f"{path}:4:"), line
    assert re.search(pattern, line), line


def test_name_and_key_must_agree(tpmrun, tmp_path, keys):
    pem = (keys / "ec_pub.pem").read_text().replace("\n", "\\n")
    name = fapi_pem_name((keys / "ec_pub.pem").read_bytes())
    for key_name, ok in ((name.hex(), True), ("000b" + "00" * 32, False)):
        path = tmp_path / "agree.yaml"
        path.write_text(f'steps:\n  - crypto.policy_digest:\n      policy: [{{type: POLICYAUTHORIZE, '
                        f'keyName: "{key_name}", keyPEM: "{pem}"}}]\n')
        p = tpmrun("--check", path)
        assert (p.returncode == 0) == ok, p.stderr
        if not ok:
            assert f"'keyName' is not the name of keyPEM ({name.hex()})" in p.stderr


def test_software_digest_needs_the_nv_public_area(tpmrun, tmp_path):
    p, res = run_one(tpmrun, tmp_path, """
        steps:
          - name: soft
            crypto.policy_digest: {policy: [{type: POLICYAUTHORIZENV, nvIndex: 0x1500001}]}
        """)
    assert p.returncode == 1
    assert by_name(res)["soft"]["message"] == (
        "POLICYAUTHORIZENV names NV index 0x01500001 by its handle only: its name comes from the TPM "
        "(run the policy with esapi.policy), or give nvPublic")


def test_a_private_key_stays_out_of_a_policy(tpmrun, tmp_path, keys):
    """A ${...} holding a private PEM becomes hex in the policy: refused when the step runs."""
    p, res = run_one(tpmrun, tmp_path, """
        vars: %s
        steps:
          - name: soft
            crypto.policy_digest: {policy: [{type: POLICYSIGNED, keyPEM: "${ec}"}]}
        """ % json.dumps(key_vars(keys)))
    assert p.returncode == 1
    msg = by_name(res)["soft"]["message"]
    assert msg.endswith("'keyPEM': this is a private key: a policy names the public key (openssl pkey -pubout)")
    assert "outputs" not in by_name(res)["soft"]


# ---- syntaxes: the schema and the loader agree ----------------------------------------

SYNTAX_CASES = [
    ("esapi.policy_locality", "locality", "three", True),
    ("esapi.policy_locality", "locality", "THREE", True),
    ("esapi.policy_locality", "locality", "3", True),
    ("esapi.policy_locality", "locality", " zero | three ", True),
    ("esapi.policy_locality", "locality", "TPM2_LOC_ONE|loc_two", True),
    ("esapi.policy_locality", "locality", "0x09", True),
    ("esapi.policy_locality", "locality", "32", True),
    ("esapi.policy_locality", "locality", "255", True),
    ("esapi.policy_locality", "locality", ["zero", "three"], True),
    ("esapi.policy_locality", "locality", [0, 3], True),
    ("esapi.policy_locality", "locality", "5", False),
    ("esapi.policy_locality", "locality", "256", False),
    ("esapi.policy_locality", "locality", "0x00", False),
    ("esapi.policy_locality", "locality", "fiv", False),
    ("esapi.policy_locality", "locality", "zero|", False),
    ("esapi.policy_counter_timer", "operation", "unsigned_gt", True),
    ("esapi.policy_counter_timer", "operation", "BitClear", True),
    ("esapi.policy_counter_timer", "operation", "gt", False),
]


@pytest.mark.parametrize("step,param,value,ok", SYNTAX_CASES, ids=lambda v: str(v))
def test_schema_and_loader_agree(tmp_path, step, param, value, ok):
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    args = {"session": "${s}", param: value}
    if step == "esapi.policy_counter_timer":
        args["operand_b"] = {"hex": "00"}
    doc = {"steps": [{"esapi.start_auth_session": {}, "save": "s"}, {step: args}]}
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


@pytest.mark.parametrize("value,message", [
    ("7", "'7' is no locality (0-4, 32-255 for an extended one, or the TPMA_LOCALITY byte 0x01-0xff)"),
    ("zero|33", "an extended locality (32-255) stands alone"),
    ("zero|thre", "unknown locality 'thre' (did you mean 'three'?) (zero..four, 0-4, 32-255 or 0x..)"),
])
def test_locality_errors_point_at_the_piece(tpmrun, tmp_path, value, message):
    path = tmp_path / "loc.yaml"
    line = '  - esapi.policy_locality: {session: "${t}", locality: "'
    path.write_text(f'steps:\n  - esapi.start_auth_session: {{type: trial}}\n    save: t\n{line}{value}"}}\n')
    p = tpmrun("--check", path)
    assert p.returncode == 2
    col = len(line) + 1 + value.rfind("|") + 1     # the piece at fault
    assert p.stderr.strip() == f"{path}:4:{col}: error: {message}"
