"""FAPI's policy callbacks and the policy calls around them: which POLICYOR
branch (or which approved policy) FAPI takes decides what the TPM accepts,
POLICYSIGNED challenges are signed with the scenario's PEM key (checked with
openssl against the challenge the TPM issued), POLICYACTION strings reach the
results, PolicyAuthorize approvals and PolicyAuthorizeNV digests are the
known answers, and Fapi_GetPlatformCertificates gives back what tpm2-tools
stored."""
import hashlib
import json
import pathlib
import shutil
import subprocess
import tempfile

import jsonschema
import pytest
import yaml

from conftest import ROOT, Tpmrun, swtpm_processes_under

FAPI_DIR = ROOT / "scenarios" / "fapi"
RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())
SCENARIOS = ["fapi_policy_or_branch", "fapi_policy_authorize", "fapi_policy_authorize_nv", "fapi_policy_signed",
             "fapi_policy_action", "fapi_platform_certificates"]
PCR16_EXTENDED = "00380ef351dea6170c973beeff92375a2d71af0789e3f26c3fd1c954fa769c02"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One run of the callback scenarios with command bytes (--wire)."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-test-"))
    run = Tpmrun(tmp, tmp_path_factory.mktemp("results"))
    proc = run("-j", "3", "--wire", *(FAPI_DIR / f"{s}.yaml" for s in SCENARIOS))
    leftovers, procs = list(tmp.iterdir()), swtpm_processes_under(tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    assert not leftovers and not procs, (leftovers, procs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return run


def steps_of(res, step_type):
    return [s for s in res["steps"] if s["type"] == step_type]


def commands(step):
    return [c["command"] for c in step.get("tpm_commands", [])]


def rc_name(step):
    return step["rc"]["name"]


def scenario_file(tmp_path, name, base, steps):
    """A copy of scenario `base` named `name`, its steps cut and extended."""
    doc = yaml.safe_load((FAPI_DIR / f"{base}.yaml").read_text())
    doc["scenario"] = name
    doc["steps"] = steps(doc["steps"])
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def policy_pcr_digest(pcr, value):
    """PolicyPCR's digest from an empty session, sha256, one PCR (known answer)."""
    select = bytearray(3)
    select[pcr // 8] |= 1 << (pcr % 8)
    pcrs = bytes.fromhex("00000001000b03") + bytes(select)
    return hashlib.sha256(bytes(32) + bytes.fromhex("0000017f") + pcrs + hashlib.sha256(value).digest()).digest()


def der_ecdsa(r, s):
    """DER ECDSA-Sig-Value of r and s (big-endian bytes)."""
    def integer(b):
        b = b.lstrip(b"\0") or b"\0"
        if b[0] & 0x80:
            b = b"\0" + b
        return b"\x02" + bytes([len(b)]) + b
    body = integer(r) + integer(s)
    return b"\x30" + bytes([len(body)]) + body


def openssl_verify(tmp, pem, data, sig, *opts):
    """openssl dgst -sha256 -verify over data; opts are -sigopt pairs."""
    (tmp / "key.pem").write_text(pem)
    (tmp / "data.bin").write_bytes(data)
    (tmp / "sig.bin").write_bytes(sig)
    sigopts = [a for o in opts for a in ("-sigopt", o)]
    return subprocess.run(["openssl", "dgst", "-sha256", *sigopts, "-verify", tmp / "key.pem", "-signature",
                           tmp / "sig.bin", tmp / "data.bin"], capture_output=True, text=True).returncode == 0


def test_results_follow_the_schema(runs):
    for sid in SCENARIOS:
        res = runs.result(sid)
        jsonschema.validate(res, RESULTS_SCHEMA)
        assert res["status"] == "passed", (sid, res.get("message"))
        assert res["cleanup"]["transient_handles_after"] == 0


# ---- branches ----------------------------------------------------------------

def test_the_branch_chosen_decides_which_policy_holds(runs):
    res = runs.result("fapi_policy_or_branch")
    signs = steps_of(res, "fapi.sign")
    chosen = [s["fapi"]["branches"][0]["chosen"] for s in signs]
    outcome = [rc_name(s) for s in signs]
    # PCR 16 fresh: only "fresh" holds; extended once: only "extended"
    assert list(zip(chosen, outcome)) == [("fresh", "TPM2_RC_SUCCESS"), ("extended", "TPM2_RC_VALUE"),
                                          ("extended", "TPM2_RC_SUCCESS"), ("fresh", "TPM2_RC_VALUE")]
    for s in signs:
        (asked,) = s["fapi"]["branches"]
        assert asked["offered"] == ["fresh", "extended"]
        assert asked["for"] == "PolicyOR"
        assert asked["object"].endswith("/HS/SRK/orkey")
    # the TPM judged: PolicyPCR then PolicyOR and Sign when it held, PolicyPCR failing when not
    assert commands(signs[0])[commands(signs[0]).index("PolicyPCR"):][:3] == ["PolicyPCR", "PolicyOR", "Sign"]
    failing = [c for c in signs[1]["tpm_commands"] if c["command"] == "PolicyPCR"][0]
    assert int(failing["rc"], 16) & 0x0bf == 0x084     # TPM_RC_VALUE, of a parameter
    assert "Sign" not in commands(signs[1])
    # the PCR digest FAPI sent for "extended" is the known answer
    pcr_cmd = [c for c in signs[2]["tpm_commands"] if c["command"] == "PolicyPCR"][0]["command_hex"]
    assert hashlib.sha256(bytes.fromhex(PCR16_EXTENDED)).hexdigest() in pcr_cmd
    assert all(not s.get("tpm_commands") for s in steps_of(res, "fapi.set_branch"))


def test_a_branch_fapi_does_not_offer_or_none_left(tpmrun, tmp_path):
    unknown = scenario_file(tmp_path, "unknown_branch", "fapi_policy_or_branch", lambda st: st[:3] + [
        {"fapi.set_branch": {"branches": ["nope", "fresh"]}},
        {"fapi.sign": {"path": "${key}", "digest": "${digest}"}}])
    none_left = scenario_file(tmp_path, "no_branch", "fapi_policy_or_branch", lambda st: st[:3] + [
        {"fapi.sign": {"path": "${key}", "digest": "${digest}"}}])
    proc = tpmrun(unknown, none_left)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for sid, why in (("unknown_branch", "branch 'nope' is not one FAPI offers for PolicyOR of "),
                     ("no_branch", "FAPI asked which branch to take for PolicyOR of ")):
        res = tpmrun.result(sid)
        jsonschema.validate(res, RESULTS_SCHEMA)
        sign = steps_of(res, "fapi.sign")[0]
        assert sign["status"] == "failed"
        assert sign["message"].startswith("Fapi_Sign: " + why), sign["message"]
        assert "fresh, extended" in sign["message"]             # FAPI's names
        (asked,) = sign["fapi"]["branches"]
        assert asked["offered"] == ["fresh", "extended"] and "chosen" not in asked
        assert "Sign" not in commands(sign) and "PolicyPCR" not in commands(sign)
        assert res["cleanup"]["transient_handles_after"] == 0


# ---- PolicyAuthorize, PolicyAuthorizeNV ------------------------------------------

def test_policy_authorize_approval_and_choice(runs, tmp_path):
    res = runs.result("fapi_policy_authorize")
    signs = steps_of(res, "fapi.sign")
    assert [rc_name(s) for s in signs] == ["TSS2_FAPI_RC_POLICY_UNKNOWN", "TPM2_RC_SUCCESS", "TPM2_RC_VALUE",
                                           "TPM2_RC_SUCCESS", "TPM2_RC_VALUE"]
    assert ["PolicyPCR", "LoadExternal", "VerifySignature", "PolicyAuthorize"] == \
        [c for c in commands(signs[1]) if c in ("PolicyPCR", "LoadExternal", "VerifySignature", "PolicyAuthorize")]
    # one approved policy: no question; two: the branch callback picks by policy path
    assert "fapi" not in signs[1] or "branches" not in signs[1]["fapi"]
    for s, want in ((signs[3], "/policy/pcr16-extended"), (signs[4], "/policy/pcr16-fresh")):
        (asked,) = s["fapi"]["branches"]
        assert asked["for"] == "PolicyAuthorize"
        assert sorted(asked["offered"]) == ["/policy/pcr16-extended", "/policy/pcr16-fresh"]
        assert asked["chosen"] == want

    # the approval: the authority's signature over sha256(approvedPolicy || policyRef)
    approval = steps_of(res, "fapi.authorize_policy")[0]["outputs"]["policy"]
    approved = approval["policyDigests"][0]["digest"]
    assert bytes.fromhex(approved) == policy_pcr_digest(16, bytes(32))
    (auth,) = approval["policyAuthorizations"]
    assert auth["policyRef"] == "0102030405"
    pem = steps_of(res, "fapi.export_key")[0]["outputs"]["public_pem"]
    sig = auth["signature"]["signature"]
    der = der_ecdsa(bytes.fromhex(sig["signatureR"]), bytes.fromhex(sig["signatureS"]))
    assert openssl_verify(tmp_path, pem, bytes.fromhex(approved) + bytes.fromhex("0102030405"), der)
    assert not openssl_verify(tmp_path, pem, bytes.fromhex(approved) + bytes.fromhex("0102030406"), der)


def test_policy_authorize_nv_holds_the_known_digest(runs):
    res = runs.result("fapi_policy_authorize_nv")
    stored = steps_of(res, "fapi.nv_read")[0]["outputs"]["data"]["hex"]
    assert stored == "000b" + policy_pcr_digest(16, bytes(32)).hex()
    assert [c for c in commands(steps_of(res, "fapi.write_authorize_nv")[0]) if c.startswith("NV_")] == ["NV_Write"]
    signs = steps_of(res, "fapi.sign")
    assert [rc_name(s) for s in signs] == ["TPM2_RC_SUCCESS", "TPM2_RC_VALUE", "TPM2_RC_SUCCESS"]
    assert ["NV_Read", "PolicyPCR", "PolicyAuthorizeNV", "Sign"] == \
        [c for c in commands(signs[0]) if c in ("NV_Read", "PolicyPCR", "PolicyAuthorizeNV", "Sign")]
    # with the never-true policy in NV, FAPI ran that one: its PCR digest went to the TPM
    pcr = [c for c in signs[1]["tpm_commands"] if c["command"] == "PolicyPCR"][0]["command_hex"]
    assert hashlib.sha256(bytes.fromhex("aa" * 32)).hexdigest() in pcr
    assert "PolicyAuthorizeNV" not in commands(signs[1])


# ---- POLICYSIGNED ----------------------------------------------------------------

def policy_session_nonce(step):
    """nonceTPM of the policy session FAPI started for the step (the second StartAuthSession)."""
    starts = [c for c in step["tpm_commands"] if c["command"] == "StartAuthSession"]
    resp = bytes.fromhex(starts[-1]["response_hex"])
    size = int.from_bytes(resp[14:16], "big")
    return resp[16:16 + size]


def test_policy_signed_with_the_right_key_and_another(runs, tmp_path):
    res = runs.result("fapi_policy_signed")
    imports = steps_of(res, "fapi.import")
    ec_pem = imports[0]["inputs"]["data"]["policy"][0]["keyPEM"]
    rsa_pem = imports[1]["inputs"]["data"]["policy"][0]["keyPEM"]
    assert all(s["inputs"]["key"] == "<redacted>" for s in steps_of(res, "fapi.set_sign_key"))
    signs = steps_of(res, "fapi.sign")
    assert [rc_name(s) for s in signs] == ["TPM2_RC_SUCCESS", "TPM2_RC_SIGNATURE", "TPM2_RC_SUCCESS",
                                           "TPM2_RC_SIGNATURE"]
    for s, hint in zip(signs, ["operator", "operator", "rsa signer", "rsa signer"]):
        (ch,) = s["fapi"]["signed"]
        assert ch["for"] == "PolicySigned" and ch["hash"] == "sha256"
        assert ch["public_key_hint"] == hint and ch["key"] == hint
        # the challenge: the policy session's nonceTPM, expiration 0, no cpHash, no policyRef
        data = bytes.fromhex(ch["data"])
        assert data == policy_session_nonce(s) + bytes(4)
        assert "PolicySigned" in commands(s) and "LoadExternal" in commands(s)
    sig = [bytes.fromhex(s["fapi"]["signed"][0]["signature"]) for s in signs]
    data = [bytes.fromhex(s["fapi"]["signed"][0]["data"]) for s in signs]
    # the right key: openssl agrees, and the TPM got those r and s in TPM2_PolicySigned
    assert openssl_verify(tmp_path, ec_pem, data[0], sig[0])
    r_len = sig[0][3]
    r = sig[0][4:4 + r_len].lstrip(b"\0")
    ps = [c for c in signs[0]["tpm_commands"] if c["command"] == "PolicySigned"][0]
    assert r.hex() in ps["command_hex"]
    # another P-256 key: not the policy's, and the TPM says so
    assert not openssl_verify(tmp_path, ec_pem, data[1], sig[1])
    failed = [c for c in signs[1]["tpm_commands"] if c["command"] == "PolicySigned"][0]
    assert int(failed["rc"], 16) & 0x0bf == 0x09b       # TPM_RC_SIGNATURE, of a parameter
    assert "Sign" not in commands(signs[1])
    # RSA: PSS as the element's default scheme says; PKCS#1 v1.5 is a valid signature the TPM refuses
    pss = ("rsa_padding_mode:pss", "rsa_pss_saltlen:32")
    assert len(sig[2]) == 256 and openssl_verify(tmp_path, rsa_pem, data[2], sig[2], *pss)
    assert openssl_verify(tmp_path, rsa_pem, data[3], sig[3], "rsa_padding_mode:pkcs1")
    assert not openssl_verify(tmp_path, rsa_pem, data[3], sig[3], *pss)
    assert res["cleanup"]["transient_handles_after"] == 0


def test_sign_callback_without_a_key_or_with_one_of_another_kind(tpmrun, tmp_path):
    doc = yaml.safe_load((FAPI_DIR / "fapi_policy_signed.yaml").read_text())
    rsa_key = doc["vars"]["rsa_key"]
    no_key = scenario_file(tmp_path, "no_sign_key", "fapi_policy_signed", lambda st: st[:4] + [
        {"fapi.sign": {"path": "${ec_key}", "digest": "${digest}"}}])
    wrong_kind = scenario_file(tmp_path, "wrong_kind", "fapi_policy_signed", lambda st: st[:4] + [
        {"fapi.set_sign_key": {"key": rsa_key, "public_key_hint": "operator"}},
        {"fapi.sign": {"path": "${ec_key}", "digest": "${digest}"}}])
    proc = tpmrun(no_key, wrong_kind)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    for sid, why in (("no_sign_key", "FAPI asked to sign for a POLICYSIGNED element of '"),
                     ("wrong_kind", "the fapi.set_sign_key key is RSA 2048, the POLICYSIGNED key of '")):
        res = tpmrun.result(sid)
        jsonschema.validate(res, RESULTS_SCHEMA)
        sign = steps_of(res, "fapi.sign")[0]
        assert sign["status"] == "failed"
        assert sign["message"].startswith("Fapi_Sign: " + why), sign["message"]
        (ch,) = sign["fapi"]["signed"]
        assert "signature" not in ch
        assert "PolicySigned" not in commands(sign) and "Sign" not in commands(sign)
        assert res["cleanup"]["transient_handles_after"] == 0
    assert "publicKeyHint 'operator'" in steps_of(tpmrun.result("no_sign_key"), "fapi.sign")[0]["message"]
    assert "is EC prime256v1" in steps_of(tpmrun.result("wrong_kind"), "fapi.sign")[0]["message"]


def test_a_sign_key_must_be_private(tpmrun, tmp_path):
    doc = yaml.safe_load((FAPI_DIR / "fapi_policy_signed.yaml").read_text())
    public = doc["steps"][1]["fapi.import"]["data"]["policy"][0]["keyPEM"]
    path = scenario_file(tmp_path, "public_key", "fapi_policy_signed", lambda st: st[:1] + [
        {"fapi.set_sign_key": {"key": public}}])
    proc = tpmrun(path)
    assert proc.returncode == 1
    step = steps_of(tpmrun.result("public_key"), "fapi.set_sign_key")[0]
    assert step["message"] == "key: the sign key must be a private key"


# ---- POLICYACTION ------------------------------------------------------------------

def test_policy_action_is_recorded_accepted_and_refused(runs):
    res = runs.result("fapi_policy_action")
    unseals = steps_of(res, "fapi.unseal")
    assert [rc_name(s) for s in unseals] == ["TPM2_RC_SUCCESS", "TSS2_FAPI_RC_AUTHORIZATION_FAILED",
                                             "TPM2_RC_SUCCESS"]
    answers = [s["fapi"]["actions"] for s in unseals]
    for acts, answer in zip(answers, ["accepted", "refused", "accepted"]):
        (act,) = acts
        assert act == {"object": act["object"], "action": "log the unseal", "answer": answer}
        assert act["object"].endswith("/HS/SRK/logged")
    # refused before any policy command went to the TPM; accepted, the policy ran
    assert "PolicyPCR" not in commands(unseals[1]) and "Unseal" not in commands(unseals[1])
    assert ["PolicyPCR", "Unseal"] == [c for c in commands(unseals[2]) if c in ("PolicyPCR", "Unseal")]
    assert unseals[0]["outputs"]["data"] == "<redacted>"
    assert all("fapi" not in s for s in steps_of(res, "fapi.set_policy_action"))


# ---- platform certificates --------------------------------------------------------

def test_platform_certificates_none_then_the_stored_one(runs, tmp_path):
    res = runs.result("fapi_platform_certificates")
    gets = steps_of(res, "fapi.get_platform_certificates")
    assert [rc_name(s) for s in gets] == ["TSS2_FAPI_RC_NO_CERT", "TPM2_RC_SUCCESS", "TSS2_FAPI_RC_NO_CERT"]
    stored = steps_of(res, "file.read")[0]["outputs"]["data"]["hex"]
    out = gets[1]["outputs"]
    assert out["certificates"]["hex"] == stored and out["indices"] == 1
    assert "note" not in gets[1]
    (tmp_path / "cert.pem").write_text(out["pem"][0])
    x509 = subprocess.run(["openssl", "x509", "-in", tmp_path / "cert.pem", "-noout", "-subject"],
                          capture_output=True, text=True, check=True).stdout
    assert "CN = tpmrun platform certificate" in x509
    # FAPI read the index with owner authorization
    assert ["NV_ReadPublic", "NV_Read"] == [c for c in commands(gets[1]) if c.startswith("NV_")][-2:]


def test_several_platform_certificates_fapi_gives_the_last(tpmrun, tmp_path):
    """libtss2-fapi 3.2 keeps only the last index's certificate; the step says so."""
    make = ('for i in 0 1; do openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes '
            '-keyout k.pem -subj "/CN=cert $i" -days 1 -outform DER -out c$i.der 2>/dev/null && '
            'tpm2_nvdefine 0x01c0800$i -C o -s $(stat -c %s c$i.der) -a "ownerread|ownerwrite|no_da" && '
            'tpm2_nvwrite 0x01c0800$i -C o -i c$i.der || exit 1; done')
    path = scenario_file(tmp_path, "two_certs", "fapi_platform_certificates", lambda st: st[:1] + [
        {"exec": {"command": make}},
        {"fapi.get_platform_certificates": None, "save": "certs"},
        {"file.read": {"path": "c1.der"}, "save": "last"},
        {"assert.equal": {"actual": "${certs}", "expected": "${last}"}}])
    proc = tpmrun(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    get = steps_of(tpmrun.result("two_certs"), "fapi.get_platform_certificates")[0]
    assert get["outputs"]["indices"] == 2 and len(get["outputs"]["pem"]) == 1
    assert get["note"] == "the TPM has 2 platform certificate indices; libtss2-fapi 3.2 returns the last one's " \
                          "certificate only"
