"""TCG JSON policies: the digest tpmrun computes in software
(crypto.policy_digest) equals the digest a TPM trial session reaches when
esapi.policy runs the same JSON, for every supported element type and for
nested ORs; both also equal a third computation here (hashlib, the TPM 2.0
Part 3 formulas written out).  Then known answers, negative paths, the
load-time checks with their file:line:col, salted/bound sessions and
parameter encryption seen on the wire."""
import hashlib
import json
import pathlib
import re
import shutil
import struct
import tempfile
import textwrap

import pytest

from conftest import ROOT, Tpmrun, swtpm_processes_under

EK_POLICY = "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa"
STORAGE = "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"
ALG_ID = {"sha1": 0x0004, "sha256": 0x000B, "sha384": 0x000C, "sha512": 0x000D}
CC = {"PolicySecret": 0x151, "Sign": 0x15D, "Unseal": 0x15E, "Duplicate": 0x14B, "PolicyAuthValue": 0x16B,
      "PolicyCommandCode": 0x16C, "PolicyCpHash": 0x16E, "PolicyLocality": 0x16F, "PolicyNameHash": 0x170,
      "PolicyOR": 0x171, "PolicyPCR": 0x17F, "PolicyPhysicalPresence": 0x187, "PolicyDuplicationSelect": 0x188,
      "PolicyNvWritten": 0x18F, "PolicyTemplate": 0x190}


# ---- the reference: TPM 2.0 Part 3 policy updates, written out with hashlib ------

def H(alg, *parts):
    h = hashlib.new(alg)
    for p in parts:
        h.update(p)
    return h.digest()


def ext(alg, digest, cc, *parts):
    return H(alg, digest, struct.pack(">I", CC[cc]), *parts)


def pcr_selection(banks):
    """TPML_PCR_SELECTION for [(bank, [pcr ...]) ...], sizeofSelect 3."""
    out = struct.pack(">I", len(banks))
    for bank, pcrs in banks:
        bits = bytearray(3)
        for p in pcrs:
            bits[p // 8] |= 1 << (p % 8)
        out += struct.pack(">HB", ALG_ID[bank], 3) + bytes(bits)
    return out


def ref_pcr(alg, d, banks, values):
    """values: the PCR values in selection order."""
    return ext(alg, d, "PolicyPCR", pcr_selection(banks), H(alg, *values))


def ref_secret(alg, d, name, ref=b""):
    return H(alg, ext(alg, d, "PolicySecret", name), ref)


def ref_or(alg, branch_digests):
    return ext(alg, bytes(len(branch_digests[0])), "PolicyOR", *branch_digests)


# ---- cases: (id, hash, setup steps, policy, branch, reference(alg, outputs)) -------
# `out(name, field)` gives the bytes a setup step (labelled `name`) produced.

PCR16 = {"pcr": 16, "hashAlg": "TPM2_ALG_SHA256", "digest": "${p16.digest}"}


def setup_pcrs():
    return [
        {"name": "p16", "esapi.pcr_read": {"pcrs": "sha256:16"}, "save": "p16"},
        {"name": "p23", "esapi.pcr_read": {"pcrs": "sha256:23"}, "save": "p23"},
        {"name": "p16sha1", "esapi.pcr_read": {"pcrs": "sha1:16"}, "save": "p16sha1"},
    ]


def setup_key():
    return [{"name": "key", "esapi.create_primary": {"template": "ecc256:null:aes128cfb", "attributes": STORAGE,
                                                     "auth": "secret"}, "save": "key"}]


def setup_parent():
    return setup_key() + [{"name": "parent", "esapi.create_primary": {"template": "ecc256", "unique": {"hex": "0102"}},
                           "save": "parent"}]


AUTHVALUE = {"type": "POLICYAUTHVALUE"}
SIGN_ONLY = {"type": "POLICYCOMMANDCODE", "code": "TPM2_CC_Sign"}

CASES = [
    ("pcr", "sha256", setup_pcrs, [{"type": "POLICYPCR", "pcrs": [PCR16]}], None,
     lambda a, o: ref_pcr(a, bytes(len(H(a))), [("sha256", [16])], [o("p16", "digest")])),
    ("pcr_two_banks", "sha256", setup_pcrs,
     [{"type": "PolicyPCR", "pcrs": [{"pcr": 23, "hashAlg": "sha256", "digest": "${p23.digest}"}, PCR16,
                                     {"pcr": 16, "hashAlg": "TPM2_ALG_SHA1", "digest": "${p16sha1.digest}"}]}], None,
     lambda a, o: ref_pcr(a, bytes(len(H(a))), [("sha256", [16, 23]), ("sha1", [16])],
                          [o("p16", "digest"), o("p23", "digest"), o("p16sha1", "digest")])),
    ("pcr_current", "sha256", setup_pcrs, [{"type": "pcr", "currentPCRs": [23, 16]}], None,
     lambda a, o: ref_pcr(a, bytes(len(H(a))), [("sha256", [16, 23])], [o("p16", "digest"), o("p23", "digest")])),
    ("pcr_current_banks", "sha384", setup_pcrs,
     [{"type": "POLICYPCR", "currentPCRandBanks": [{"hash": "TPM2_ALG_SHA1", "pcrSelect": [16]},
                                                   {"hash": "TPM2_ALG_SHA256", "pcrSelect": [16]}]}], None,
     lambda a, o: ref_pcr(a, bytes(len(H(a))), [("sha1", [16]), ("sha256", [16])],
                          [o("p16sha1", "digest"), o("p16", "digest")])),
    ("authvalue", "sha256", list, [AUTHVALUE], None,
     lambda a, o: ext(a, bytes(32), "PolicyAuthValue")),
    ("password", "sha1", list, [{"type": "PolicyPassword"}], None,
     lambda a, o: ext(a, bytes(20), "PolicyAuthValue")),
    ("physicalpresence", "sha256", list, [{"type": "physicalpresence"}], None,
     lambda a, o: ext(a, bytes(32), "PolicyPhysicalPresence")),
    ("secret_endorsement", "sha256", list, [{"type": "POLICYSECRET", "objectName": "4000000b"}], None,
     lambda a, o: bytes.fromhex(EK_POLICY)),
    ("secret_object", "sha256", setup_key,
     [{"type": "secret", "objectName": "${key.name}", "policyRef": "74706d72756e", "expiration": 0}], None,
     lambda a, o: ref_secret(a, bytes(32), o("key", "name"), b"tpmrun")),
    ("commandcode", "sha256", list, [SIGN_ONLY, {"type": "POLICYCOMMANDCODE", "code": 0x15D}], None,
     lambda a, o: ext(a, ext(a, bytes(32), "PolicyCommandCode", struct.pack(">I", CC["Sign"])), "PolicyCommandCode",
                      struct.pack(">I", CC["Sign"]))),
    ("duplicationselect", "sha256", setup_parent,
     [{"type": "POLICYDUPLICATIONSELECT", "objectName": "${key.name}", "newParentName": "${parent.name}"}], None,
     lambda a, o: ext(a, bytes(32), "PolicyDuplicationSelect", o("parent", "name"), b"\x00")),
    ("duplicationselect_include", "sha256", setup_parent,
     [{"type": "PolicyDuplicationSelect", "objectName": "${key.name}", "newParentName": "${parent.name}",
       "includeObject": "YES"}], None,
     lambda a, o: ext(a, bytes(32), "PolicyDuplicationSelect", o("key", "name"), o("parent", "name"), b"\x01")),
    ("locality", "sha256", list, [{"type": "POLICYLOCALITY", "locality": ["ZERO", "TPM2_LOC_THREE"]}], None,
     lambda a, o: ext(a, bytes(32), "PolicyLocality", b"\x09")),
    ("locality_byte", "sha256", list, [{"type": "POLICYLOCALITY", "locality": 1}], None,
     lambda a, o: ext(a, bytes(32), "PolicyLocality", b"\x01")),
    ("namehash", "sha256", list, [{"type": "POLICYNAMEHASH", "nameHash": "ab" * 32}], None,
     lambda a, o: ext(a, bytes(32), "PolicyNameHash", b"\xab" * 32)),
    ("namehash_names", "sha256", setup_parent,
     [{"type": "NameHash", "objectNames": ["${key.name}", "${parent.name}"]}], None,
     lambda a, o: ext(a, bytes(32), "PolicyNameHash", H(a, o("key", "name"), o("parent", "name")))),
    ("cphash", "sha256", list, [{"type": "POLICYCPHASH", "cpHash": "cd" * 32}], None,
     lambda a, o: ext(a, bytes(32), "PolicyCpHash", b"\xcd" * 32)),
    # (the TPM takes one writtenSet per session: a second, different one is TPM2_RC_VALUE)
    ("nvwritten", "sha256", list, [{"type": "POLICYNVWRITTEN", "writtenSet": "NO"}], None,
     lambda a, o: ext(a, bytes(32), "PolicyNvWritten", b"\x00")),
    ("nvwritten_default", "sha256", list, [{"type": "nvwritten"}], None,
     lambda a, o: ext(a, bytes(32), "PolicyNvWritten", b"\x01")),
    ("template", "sha256", list, [{"type": "POLICYTEMPLATE", "templateHash": "ef" * 32}], None,
     lambda a, o: ext(a, bytes(32), "PolicyTemplate", b"\xef" * 32)),
    ("or_first", "sha256", list,
     [{"type": "POLICYOR", "branches": [{"name": "auth", "description": "auth value", "policy": [AUTHVALUE]},
                                        {"name": "sign", "description": "Sign only", "policy": [SIGN_ONLY]}]}],
     "auth",
     lambda a, o: ref_or(a, [ext(a, bytes(32), "PolicyAuthValue"),
                             ext(a, bytes(32), "PolicyCommandCode", struct.pack(">I", CC["Sign"]))])),
    ("or_second_after_prefix", "sha384", list,
     [SIGN_ONLY,
      {"type": "PolicyOR", "branches": [{"name": "auth", "policy": [AUTHVALUE]},
                                        {"name": "password", "policy": [{"type": "POLICYPASSWORD"}, AUTHVALUE]}]},
      {"type": "POLICYLOCALITY", "locality": ["ONE"]}],
     ["password"],
     lambda a, o: (lambda pre: ext(a, ref_or(a, [ext(a, pre, "PolicyAuthValue"),
                                                 ext(a, ext(a, pre, "PolicyAuthValue"), "PolicyAuthValue")]),
                                   "PolicyLocality", b"\x02"))(
         ext(a, bytes(48), "PolicyCommandCode", struct.pack(">I", CC["Sign"])))),
    # an OR inside an OR branch, after a PolicyPCR prefix; the path taken: outer "pcr" -> inner "b"
    ("or_nested", "sha256", setup_pcrs,
     [{"type": "POLICYPCR", "pcrs": [PCR16]},
      {"type": "POLICYOR", "branches": [
          {"name": "pcr", "description": "an inner OR", "policy": [
              {"type": "POLICYOR", "branches": [
                  {"name": "a", "description": "auth value", "policy": [AUTHVALUE]},
                  {"name": "b", "description": "EK secret then Sign",
                   "policy": [{"type": "POLICYSECRET", "objectName": "endorsement"}, SIGN_ONLY]}]}]},
          {"name": "loc", "description": "locality 0", "policy": [{"type": "POLICYLOCALITY", "locality": [0]}]}]}],
     ["pcr", "b"],
     lambda a, o: (lambda pre: ref_or(a, [
         ref_or(a, [ext(a, pre, "PolicyAuthValue"),
                    ext(a, ref_secret(a, pre, bytes.fromhex("4000000b")), "PolicyCommandCode",
                        struct.pack(">I", CC["Sign"]))]),
         ext(a, pre, "PolicyLocality", b"\x01")]))(
         ref_pcr(a, bytes(32), [("sha256", [16])], [o("p16", "digest")]))),
]
CASE_IDS = [c[0] for c in CASES]
# every element type tpmrun supports appears in a case above
SUPPORTED = {"POLICYPCR", "POLICYAUTHVALUE", "POLICYPASSWORD", "POLICYOR", "POLICYSECRET", "POLICYCOMMANDCODE",
             "POLICYDUPLICATIONSELECT", "POLICYLOCALITY", "POLICYNAMEHASH", "POLICYCPHASH", "POLICYNVWRITTEN",
             "POLICYPHYSICALPRESENCE", "POLICYTEMPLATE"}


def case_scenario(cid, alg, setup, pol, branch):
    steps = [{"esapi.hash": {"data": "tpmrun"}, "save": "h"},
             {"esapi.pcr_extend": {"pcr": 16, "digest": "${h.digest}"}},
             {"esapi.pcr_extend": {"pcr": 16, "digest": {"hex": "11" * 20}, "hash": "sha1"}}]
    steps += setup()
    current = "current" in cid
    doc = {"description": f"case {cid}", "policy": pol}
    if not current:
        steps.append({"name": "soft", "crypto.policy_digest": {"policy": doc, "hash": alg}, "save": "soft"})
    steps.append({"esapi.start_auth_session": {"type": "trial", "hash": alg, "symmetric": "null"}, "save": "t"})
    run = {"session": "${t}", "policy": doc}
    if branch is not None:
        run["branch"] = branch
    steps.append({"name": "tpm", "esapi.policy": run, "save": "tpm"})
    if current:  # the calculated policy holds the values read: software can compute it now
        steps.append({"name": "soft", "crypto.policy_digest": {"policy": "${tpm.policy}", "hash": alg},
                      "save": "soft"})
    steps.append({"assert.equal": {"actual": "${tpm.digest}", "expected": "${soft.digest}"}})
    return {"scenario": f"pol_{cid}", "steps": steps}


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


@pytest.fixture(scope="module")
def cases_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("policy_cases")
    for cid, alg, setup, pol, branch, _ in CASES:
        # JSON is YAML too (and yaml.safe_dump would write anchors for shared pieces)
        (d / f"pol_{cid}.yaml").write_text(json.dumps(case_scenario(cid, alg, setup, pol, branch), indent=1))
    proc, run = run_dir([d], "-j", "4")
    yield proc, run
    shutil.rmtree(run.results, ignore_errors=True)


def by_name(res):
    return {s["name"]: s for s in res["steps"] if "name" in s}


def out_bytes(step, field):
    v = step["outputs"][field]
    return bytes.fromhex(v["hex"] if isinstance(v, dict) else v)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_software_digest_equals_trial_session(cases_run, case):
    cid, alg, _, _, _, reference = case
    _, run = cases_run
    res = run.result(f"pol_{cid}")
    assert res["status"] == "passed", res.get("message")
    steps = by_name(res)
    soft, tpm = out_bytes(steps["soft"], "digest"), out_bytes(steps["tpm"], "digest")
    assert len(tpm) == len(H(alg))
    assert soft == tpm
    expected = reference(alg, lambda name, field: out_bytes(steps[name], field))
    assert tpm.hex() == expected.hex(), "tpmrun and the TPM agree, but not with the Part 3 formulas"
    # the calculated policy carries the digest at the top and at every element
    calc = json.loads(steps["soft"]["outputs"]["policy"])
    assert {"hashAlg": f"TPM2_ALG_{alg.upper()}", "digest": tpm.hex()} in calc["policyDigests"]
    for element in calc["policy"]:
        assert element["policyDigests"][0]["hashAlg"] == f"TPM2_ALG_{alg.upper()}"
    assert calc["policy"][-1]["policyDigests"][0]["digest"] == tpm.hex()
    # the TPM commands esapi.policy sent: one TPM2_Policy* per element on the path taken
    sent = [c["command"] for c in steps["tpm"]["tpm_commands"]]
    assert sent[0] == "PolicyGetDigest" and sent[-1] == "PolicyGetDigest"


def test_cases_cover_every_supported_type():
    seen = set()

    def walk(elements):
        for e in elements:
            t = e["type"].upper()
            seen.add(t if t.startswith("POLICY") else "POLICY" + t)
            for b in e.get("branches", []):
                walk(b["policy"])
    for case in CASES:
        walk(case[3])
    assert seen == SUPPORTED
    assert any(c[0] == "or_nested" for c in CASES)


def test_nested_or_calculated_branches(cases_run):
    _, run = cases_run
    steps = by_name(run.result("pol_or_nested"))
    calc = json.loads(steps["tpm"]["outputs"]["policy"])
    outer = calc["policy"][1]
    inner = outer["branches"][0]["policy"][0]
    # each branch's digest is the digest the OR lists; the OR hashes them after zeros
    for orr in (outer, inner):
        digests = [bytes.fromhex(b["policyDigests"][0]["digest"]) for b in orr["branches"]]
        assert orr["policyDigests"][0]["digest"] == ref_or("sha256", digests).hex()
    assert outer["branches"][0]["policyDigests"][0]["digest"] == inner["policyDigests"][0]["digest"]
    cmds = [c["command"] for c in steps["tpm"]["tpm_commands"]]
    assert cmds == ["PolicyGetDigest", "PolicyPCR", "PolicyGetDigest", "PolicyGetDigest", "PolicySecret",
                    "PolicyCommandCode", "PolicyOR", "PolicyOR", "PolicyGetDigest"]


def test_current_pcrs_become_values(cases_run):
    _, run = cases_run
    steps = by_name(run.result("pol_pcr_current"))
    el = json.loads(steps["tpm"]["outputs"]["policy"])["policy"][0]
    assert "currentPCRs" not in el
    assert [(p["pcr"], p["digest"]) for p in el["pcrs"]] == [
        (16, out_bytes(steps["p16"], "digest").hex()), (23, out_bytes(steps["p23"], "digest").hex())]


# ---- single scenarios --------------------------------------------------------------

def run_one(tpmrun, tmp_path, text, name="t", *args):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + textwrap.dedent(text))
    p = tpmrun(*args, path)
    f = tpmrun.results / f"{name}.json"
    return p, (tpmrun.result(name) if f.exists() else None), path


def test_ek_policy_known_answer(tpmrun, tmp_path):
    """PolicySecret(TPM_RH_ENDORSEMENT) is the EK templates' authPolicy."""
    p, res, _ = run_one(tpmrun, tmp_path, f"""
        steps:
          - name: ek
            esapi.create_primary: {{hierarchy: endorsement, template: ek-ecc256}}
            save: ek
          - name: soft
            crypto.policy_digest: {{policy: {{policy: [{{type: POLICYSECRET, objectName: 4000000b}}]}}}}
            save: soft
          - esapi.start_auth_session: {{type: trial}}
            save: t
          - name: steps
            esapi.policy_secret: {{session: "${{t}}", hierarchy: e}}
          - name: trial
            esapi.policy_get_digest: {{session: "${{t}}"}}
            expect: {{outputs: {{digest: "${{soft.digest}}"}}}}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    steps = by_name(res)
    assert steps["soft"]["outputs"]["digest"]["hex"] == EK_POLICY
    assert steps["trial"]["outputs"]["digest"]["hex"] == EK_POLICY
    assert steps["ek"]["outputs"]["public"]["decoded"]["authPolicy"] == EK_POLICY


NEGATIVE = """
    steps:
      - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s"}
        save: primary
      - esapi.pcr_read: {pcrs: "sha256:23"}
        save: pcr
      - crypto.policy_digest:
          policy: [{type: POLICYPCR, pcrs: [{pcr: 23, hashAlg: TPM2_ALG_SHA256, digest: "${pcr.digest}"}]}, {type: POLICYAUTHVALUE}]
        save: pol
      - esapi.create:
          parent: ${primary}
          template: "ecc256:ecdsa-sha256:null"
          attributes: fixedtpm|fixedparent|sensitivedataorigin|sign
          policy: ${pol.digest}
          auth: right
        save: key
      - esapi.load: {parent: "${primary}", private: "${key.private}", public: "${key.public}", auth: right}
        save: signer
      - esapi.hash: {data: fff}
        save: h
      - esapi.start_auth_session: {type: policy}
        save: s
      - esapi.policy: {session: "${s}", policy: "${pol.policy}"}
      - name: good
        esapi.sign: {key: "${signer}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
      - esapi.policy: {session: "${s}", policy: "${pol.policy}"}
      - name: wrong auth
        esapi.sign: {key: "${signer}", auth: wrong, digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
        expect: {rc: auth_fail}
      - esapi.tr_set_auth: {object: "${signer}", auth: right}
      - esapi.policy_restart: {session: "${s}"}
      - esapi.pcr_extend: {pcr: 23, digest: "${h.digest}"}
      - name: json policy after extend
        esapi.policy: {session: "${s}", policy: "${pol.policy}"}
        expect: {rc: TPM2_RC_VALUE}
      - esapi.policy_pcr: {session: "${s}", pcrs: "sha256:23"}
      - esapi.policy_auth_value: {session: "${s}"}
      - name: use after extend
        esapi.sign: {key: "${signer}", digest: "${h.digest}", validation: "${h.validation}"}
        sessions: ["${s}"]
        expect: {rc: TPM2_RC_POLICY_FAIL}
    """ % STORAGE


def test_negative_pcr_extend_and_wrong_auth(tpmrun, tmp_path):
    p, res, _ = run_one(tpmrun, tmp_path, NEGATIVE)
    assert p.returncode == 0, p.stdout + p.stderr
    steps = by_name(res)
    assert steps["good"]["status"] == "passed" and steps["good"]["rc"]["name"] == "TPM2_RC_SUCCESS"
    assert steps["wrong auth"]["rc"]["name"] == "TPM2_RC_AUTH_FAIL"
    # the JSON policy carries the old PCR digest: TPM2_PolicyPCR itself refuses it
    assert steps["json policy after extend"]["rc"]["name"] == "TPM2_RC_VALUE"
    assert steps["json policy after extend"]["call"] == "Esys_PolicyPCR"
    assert steps["use after extend"]["rc"]["name"] == "TPM2_RC_POLICY_FAIL"
    assert res["cleanup"]["loaded_sessions_after"] == 0 and res["cleanup"]["flushed"] == 3


def test_or_branch_choice_errors(tpmrun, tmp_path):
    pol = ('{policy: [{type: POLICYOR, branches: [{name: a, policy: [{type: POLICYAUTHVALUE}]},'
           ' {name: b, policy: [{type: POLICYPASSWORD}]}]}]}')
    p, res, _ = run_one(tpmrun, tmp_path, f"""
        steps:
          - esapi.start_auth_session: {{type: trial}}
            save: t
          - name: none
            esapi.policy: {{session: "${{t}}", policy: {pol}}}
        """, "none")
    assert p.returncode == 1
    assert by_name(res)["none"]["message"] == (
        "POLICYOR #1 needs a branch: give branch: [...] a name for it (its branches: a, b)")
    p, res, _ = run_one(tpmrun, tmp_path, f"""
        steps:
          - esapi.start_auth_session: {{type: trial}}
            save: t
          - name: typo
            esapi.policy: {{session: "${{t}}", policy: {pol}, branch: [c]}}
        """, "typo")
    assert by_name(res)["typo"]["message"] == "POLICYOR #1 has no branch 'c' (its branches: a, b)"
    p, res, _ = run_one(tpmrun, tmp_path, f"""
        steps:
          - esapi.start_auth_session: {{type: trial}}
            save: t
          - name: extra
            esapi.policy: {{session: "${{t}}", policy: {pol}, branch: [a, b]}}
        """, "extra")
    assert by_name(res)["extra"]["message"] == "2 branch name(s) given, but only 1 POLICYOR taken"


def test_policy_file_in_tpm2_tss_form(tpmrun, tmp_path):
    """A policy file as tpm2-tss writes them (its test data pol_pcr16_0_or form)."""
    (tmp_path / "pol.json").write_text(json.dumps({
        "description": "hareness description",
        "policy": [{"type": "POLICYOR", "branches": [
            {"name": "branch0", "description": "description branch 0",
             "policy": [{"type": "POLICYPCR", "pcrs": [{"pcr": 16, "hashAlg": "TPM2_ALG_SHA256", "digest": "00" * 32}]}]},
            {"name": "branch1", "description": "description branch 1",
             "policy": [{"type": "POLICYPCR", "pcrs": [{"pcr": 16, "hashAlg": "TPM2_ALG_SHA256", "digest": "aa" * 32}]}]},
        ]}]}, indent=4))
    p, res, _ = run_one(tpmrun, tmp_path, """
        steps:
          - crypto.policy_digest: {policy: {file: pol.json}}
            save: soft
          - esapi.start_auth_session: {type: trial}
            save: t
          - esapi.policy: {session: "${t}", policy: {file: pol.json}, branch: branch1}
            expect: {outputs: {digest: "${soft.digest}"}}
          - esapi.start_auth_session: {type: policy}
            save: s
          - name: real session, PCR 16 is zero
            esapi.policy: {session: "${s}", policy: {file: pol.json}, branch: branch0}
            expect: {outputs: {digest: "${soft.digest}"}}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    sel = pcr_selection([("sha256", [16])])
    b0 = ref_pcr("sha256", bytes(32), [("sha256", [16])], [bytes(32)])
    b1 = ref_pcr("sha256", bytes(32), [("sha256", [16])], [b"\xaa" * 32])
    assert sel and res["steps"][0]["outputs"]["digest"]["hex"] == ref_or("sha256", [b0, b1]).hex()


@pytest.mark.parametrize("spelling", ["POLICYPCR", "PolicyPCR", "pcr", "policypcr", "Pcr"])
def test_type_names_as_tpm2_tss(tpmrun, tmp_path, spelling):
    p, res, _ = run_one(tpmrun, tmp_path, f"""
        steps:
          - crypto.policy_digest:
              policy: [{{type: {spelling}, pcrs: [{{pcr: 0, hashAlg: sha256, digest: "{'00' * 32}"}}]}}]
            expect: {{outputs: {{digest: {{hex: "{ref_pcr('sha256', bytes(32), [('sha256', [0])], [bytes(32)]).hex()}"}}}}}}
        """)
    assert p.returncode == 0, p.stdout + p.stderr


# ---- load-time checks: one line, file:line:col ----------------------------------------

LOAD_ERRORS = [
    ("unsupported",
     "policy: [{type: POLICYAUTHVALUE}, {type: POLICYACTION, action: x}]",
     r":4:48: error: policy\[1\]: policy element type 'POLICYACTION' is not supported by tpmrun: "
     r"it is a FAPI callback hook$"),
    ("unsupported_short",
     "policy: [{type: action}]",
     r":4:23: error: policy\[0\]: policy element type 'action' \(POLICYACTION\) is not supported by tpmrun"),
    ("typo", "policy: [{type: POLICYPCRR, currentPCRs: [0]}]",
     r":4:23: error: policy\[0\]: unknown policy element type 'POLICYPCRR' \(did you mean 'POLICYPCR'\?\)$"),
    ("field_typo", "policy: [{type: POLICYPCR, pcr: [0]}]",
     r":4:34: error: policy\[0\]: POLICYPCR has no field 'pcr' \(did you mean 'pcrs'\?\)$"),
    ("or_one_branch", "policy: [{type: POLICYOR, branches: [{name: a, policy: []}]}]",
     r":4:43: error: policy\[0\]: 'branches' must be a list of 2 to 8 branches"),
    ("digest_size", 'policy: [{type: pcr, pcrs: [{pcr: 1, hashAlg: sha256, digest: "00"}]}]',
     r":4:69: error: policy\[0\]: 'digest' is 1 bytes; a sha256 PCR value is 32$"),
    ("nested", "policy: [{type: or, branches: [{name: a, policy: [{type: action}]}, {name: b, policy: []}]}]",
     r":4:64: error: policy\[0\]\.branches\[0\]\.policy\[0\]: policy element type 'action' \(POLICYACTION\)"),
    ("fapi_path", "policy: [{type: secret, objectPath: /HS/SRK}]",
     r":4:31: error: policy\[0\]: 'objectPath' is resolved by FAPI only; tpmrun needs objectName"),
    ("json_text", "policy: '{\"policy\": [{\"type\": \"POLICYACTION\"}]}'",
     r":4:16: error: policy\[0\]: policy element type 'POLICYACTION' is not supported by tpmrun: it is a FAPI callback hook$"),
    ("bad_ref", 'policy: [{type: secret, objectName: "${nope.name}"}]',
     r":4:44: error: undefined reference 'nope'"),
]


@pytest.mark.parametrize("cid,policy,pattern", LOAD_ERRORS, ids=[c[0] for c in LOAD_ERRORS])
def test_load_time_errors(tpmrun, tmp_path, cid, policy, pattern):
    path = tmp_path / f"{cid}.yaml"
    path.write_text(f"scenario: {cid}\nsteps:\n  - crypto.policy_digest:\n      {policy}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2
    line = p.stderr.strip()
    assert "\n" not in line
    assert line.startswith(str(path) + ":"), line
    assert re.search(pattern, line), line


def test_load_error_inside_policy_file(tpmrun, tmp_path):
    (tmp_path / "p.json").write_text('{\n  "policy": [\n    {"type": "POLICYAUTHVALUE"},\n'
                                     '    {"type": "POLICYACTION", "action": "00"}\n  ]\n}\n')
    path = tmp_path / "f.yaml"
    path.write_text("steps:\n  - crypto.policy_digest: {policy: {file: p.json}}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2
    assert p.stderr.strip().startswith(f"{tmp_path}/p.json:4:14: error: policy[1]: policy element type "
                                       "'POLICYACTION' is not supported by tpmrun"), p.stderr
    path.write_text("steps:\n  - crypto.policy_digest: {policy: {file: missing.json}}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2
    assert p.stderr.strip() == f"{path}:2:43: error: cannot read policy file 'missing.json'"


def test_calculated_policy_as_value_and_rerun(tpmrun, tmp_path):
    """The calculated JSON (policyDigests everywhere) is itself a valid policy input."""
    p, res, _ = run_one(tpmrun, tmp_path, """
        steps:
          - name: a
            crypto.policy_digest: {policy: [{type: POLICYCOMMANDCODE, code: Unseal}], hash: sha512}
            save: a
          - name: b
            crypto.policy_digest: {policy: "${a.policy}", hash: sha256}
            save: b
          - name: c
            crypto.policy_digest: {policy: "${b.policy}", hash: sha512}
            expect: {outputs: {digest: "${a.digest}"}}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    c = by_name(res)["c"]["outputs"]
    algs = [d["hashAlg"] for d in c["calculated"]["policyDigests"]]
    assert algs == ["TPM2_ALG_SHA512", "TPM2_ALG_SHA256"], "digests of other hashes are kept, this one replaced"
    assert len(bytes.fromhex(c["digest"]["hex"])) == 64


# ---- sessions: salted (RSA, ECC), bound, parameter encryption on the wire ---------------

SESSIONS = """
    vars:
      plaintext: fooo
      iv: thisis16bytes123
    steps:
      - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s"}
        save: primary
      - esapi.create: {parent: "${primary}", template: aes128cfb, auth: pass}
        save: k
      - esapi.load: {parent: "${primary}", private: "${k.private}", public: "${k.public}", auth: pass}
        save: aes
      - esapi.create_primary: {hierarchy: endorsement, template: ek-ecc256}
        save: ek
      - name: salted with the ECC EK, bound to the key
        esapi.start_auth_session: {tpm_key: "${ek}", bind: "${aes}", bind_auth: pass, attributes: continuesession|decrypt|encrypt}
        save: s
      - name: encrypted
        esapi.encrypt_decrypt: {key: "${aes}", data: "${plaintext}", mode: cfb, iv: "${iv}"}
        sessions: ["${s}"]
        save: enc
      - name: decrypted
        esapi.encrypt_decrypt: {key: "${aes}", data: "${enc.data}", mode: cfb, iv: "${iv}", decrypt: true}
        sessions: ["${s}"]
        expect: {outputs: {data: "${plaintext}"}}
      - name: plain HMAC session
        esapi.start_auth_session: {symmetric: "null"}
        save: p
      - name: in clear
        esapi.encrypt_decrypt: {key: "${aes}", data: "${enc.data}", mode: cfb, iv: "${iv}", decrypt: true}
        sessions: ["${p}"]
        expect: {outputs: {data: "${plaintext}"}}
      - name: XOR obfuscation, the session ends with the command
        esapi.start_auth_session: {symmetric: xor, hash: sha384, attributes: decrypt}
        save: x
      - name: xor
        esapi.encrypt_decrypt: {key: "${aes}", data: "${plaintext}", mode: cfb, iv: "${iv}"}
        sessions: ["${x}"]
        expect: {outputs: {data: "${enc.data}"}}
      - name: the session is gone
        esapi.encrypt_decrypt: {key: "${aes}", data: "${plaintext}", mode: cfb, iv: "${iv}"}
        sessions: ["${x}"]
        expect: {rc: TPM2_RC_REFERENCE_S0}
    """ % STORAGE


def command_of(step):
    return next(c for c in step["tpm_commands"] if c["command"] == "EncryptDecrypt2")


def test_salted_bound_session_encrypts_parameters(tpmrun, tmp_path):
    p, res, _ = run_one(tpmrun, tmp_path, SESSIONS, "sessions", "--wire")
    assert p.returncode == 0, p.stdout + p.stderr
    steps = by_name(res)
    fooo = b"fooo".hex()
    enc, dec, clear, xor = (command_of(steps[n]) for n in ("encrypted", "decrypted", "in clear", "xor"))
    assert fooo not in enc["command_hex"], "decrypt attribute: the plaintext must not be on the wire"
    assert fooo not in dec["response_hex"], "encrypt attribute: the plaintext must not come back in clear"
    assert fooo in clear["response_hex"], "without encrypt the TPM answers in clear"
    assert fooo not in xor["command_hex"]
    handle = steps["salted with the ECC EK, bound to the key"]["outputs"]["handle"]
    assert handle >> 24 == 0x02
    # StartAuthSession carried an encrypted salt (ECC point), not an empty one
    start = next(c for c in steps["salted with the ECC EK, bound to the key"]["tpm_commands"]
                 if c["command"] == "StartAuthSession")
    assert start["command_bytes"] > 100
    assert res["cleanup"]["loaded_sessions_after"] == 0


def test_unknown_session_options_fail_at_load(tpmrun, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("steps:\n  - esapi.start_auth_session: {type: trail}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2 and "unknown session type 'trail' (hmac, policy or trial)" in p.stderr
    path.write_text("steps:\n  - esapi.start_auth_session: {attributes: decrypt|encrpyt}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2 and ":2:52: error:" in p.stderr and "encrpyt" in p.stderr
    path.write_text("steps:\n  - esapi.start_auth_session: {}\n    save: s\n"
                    "  - esapi.policy_command_code: {session: '${s}', code: Sing}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2 and "unknown command 'Sing' (did you mean 'Sign'?)" in p.stderr


def test_policy_secret_auth_of_a_loaded_object(tpmrun, tmp_path):
    """POLICYSECRET finds the loaded object by its name; secret_auth is its auth value."""
    p, res, _ = run_one(tpmrun, tmp_path, f"""
        steps:
          - esapi.create_primary: {{template: "ecc256:null:aes128cfb", attributes: "{STORAGE}", auth: s3cret}}
            save: key
          - esapi.tr_set_auth: {{object: "${{key}}", auth: wrong}}
          - esapi.start_auth_session: {{type: policy}}
            save: s
          - name: wrong (the key is noda, so not AUTH_FAIL)
            esapi.policy: {{session: "${{s}}", policy: [{{type: POLICYSECRET, objectName: "${{key.name}}"}}]}}
            expect: {{rc: TPM2_RC_BAD_AUTH}}
          - name: right
            esapi.policy:
              session: ${{s}}
              policy: [{{type: POLICYSECRET, objectName: "${{key.name}}"}}]
              secret_auth: s3cret
          - name: nobody
            esapi.policy: {{session: "${{s}}", policy: [{{type: POLICYSECRET, objectName: "000b{'00' * 32}"}}]}}
        """)
    assert p.returncode == 1
    steps = by_name(res)
    wrong = steps["wrong (the key is noda, so not AUTH_FAIL)"]
    assert wrong["status"] == "passed" and wrong["call"] == "Esys_PolicySecret"
    assert steps["right"]["status"] == "passed"
    assert steps["right"]["inputs"]["secret_auth"] == "<redacted>"
    assert steps["nobody"]["message"] == "POLICYSECRET: no loaded object has the name 000b" + "00" * 32
