"""Attestation and audit (steps/esapi_attest.c) on real swtpm quotes, and
their checks in software (crypto.verify's `message`, crypto.check_quote).

The scenarios under scenarios/esapi/esapi_attest_*.yaml run on a private
swtpm; this file checks their results against what it computes itself
(hashlib, struct, the openssl command), builds the X.509 certificate that
TPM2_CertifyX509 signed, and checks tampered quotes in software-only
scenarios generated from real results."""
import base64
import hashlib
import json
import pathlib
import struct
import subprocess

import jsonschema
import pytest
import yaml

from conftest import ROOT, Tpmrun

ESAPI = ROOT / "scenarios" / "esapi"
CC_SET_AUDIT, CC_GET_RANDOM = 0x140, 0x17B


def run_ok(tpmrun, *args):
    p = tpmrun(*args)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def out(step, name):
    """An output as bytes (hex, or a structure's hex) or as it is."""
    v = step["outputs"][name]
    return bytes.fromhex(v["hex"]) if isinstance(v, dict) and "hex" in v else v


def saved(res, typ):
    return [s for s in res["steps"] if s["type"] == typ]


# --- quotes -----------------------------------------------------------------

@pytest.fixture(scope="module")
def quote_run(tmp_path_factory):
    """The quote scenario's results, run once for the tests that read them
    (with its own TMPDIR, left empty as conftest's private_tmp checks)."""
    tmp = tmp_path_factory.mktemp("tmpdir")
    t = Tpmrun(tmp, tmp_path_factory.mktemp("results"))
    run_ok(t, ESAPI / "esapi_attest_quote.yaml")
    assert not list(tmp.iterdir()), "tpmrun left temporary files"
    return t.result("esapi_attest_quote")


def p256_spki_pem(x, y):
    """A P-256 public key as PEM, from its coordinates (the fixed DER prefix of SubjectPublicKeyInfo)."""
    der = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200") + b"\x04" + x + y
    return b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"


def der_int(b):
    b = b.lstrip(b"\x00") or b"\x00"
    if b[0] & 0x80:
        b = b"\x00" + b
    return b"\x02" + der_len(len(b)) + b


def der_len(n):
    return bytes([n]) if n < 0x80 else (b"\x81" + bytes([n]) if n < 0x100 else b"\x82" + n.to_bytes(2, "big"))


def ecdsa_der(r, s):
    body = der_int(r) + der_int(s)
    return b"\x30" + der_len(len(body)) + body


def openssl_verify(tmp, pub_pem, sig_der, data):
    """openssl dgst verifies an ECDSA-SHA256 signature over data: True / False."""
    (tmp / "pub.pem").write_bytes(pub_pem)
    (tmp / "sig.der").write_bytes(sig_der)
    (tmp / "data.bin").write_bytes(data)
    p = subprocess.run(["openssl", "dgst", "-sha256", "-verify", tmp / "pub.pem", "-signature", tmp / "sig.der",
                        tmp / "data.bin"], capture_output=True, text=True)
    return p.returncode == 0 and "Verified OK" in p.stdout


def ak_point(step):
    u = step["outputs"]["public"]["decoded"]["unique"]
    return bytes.fromhex(u["x"]), bytes.fromhex(u["y"])


def test_quote_fields_are_what_was_quoted(quote_run):
    res = quote_run
    q = named(res, "quote")
    pcrs = [s for s in saved(res, "esapi.pcr_read")][0]
    values = [v["hex"] for v in pcrs["outputs"]["values"]]
    # PCR 16 after one extend of 32 bytes of 0x01, from zeros: a known answer
    assert values[2] == hashlib.sha256(bytes(32) + b"\x01" * 32).hexdigest()
    assert values[:2] == ["00" * 32] * 2
    assert out(q, "pcr_digest") == hashlib.sha256(b"".join(bytes.fromhex(v) for v in values)).digest()
    assert out(q, "extra_data") == bytes.fromhex("00112233445566778899aabbccddeeff")
    # the whole TPM2B_ATTEST: its size, then the signed bytes; decoded the same way as the outputs
    quoted = out(q, "quoted")
    assert struct.unpack(">H", quoted[:2])[0] == len(quoted) - 2 and quoted[2:] == out(q, "message")
    dec = q["outputs"]["quoted"]["decoded"]
    assert dec["magic"] == "0xff544347" and dec["type"] == "quote"
    assert dec["clockInfo"]["clock"] == out(q, "clock") and dec["clockInfo"]["resetCount"] == out(q, "reset_count")
    assert dec["clockInfo"]["safe"] is out(q, "safe") is True
    assert int(dec["firmwareVersion"], 16) == out(q, "firmware_version")
    assert dec["attested"]["pcrSelect"] == [{"hash": "sha256", "pcrs": [0, 1, 16]}]
    assert q["outputs"]["pcr_select"]["decoded"] == dec["attested"]["pcrSelect"]
    # an endorsement-hierarchy AK: the clock info is not obfuscated (resetCount 1 on a fresh swtpm)
    assert out(q, "reset_count") == 1 and out(q, "restart_count") == 0
    # TPMS_ATTEST by hand: magic, type, qualifiedSigner, extraData
    m = out(q, "message")
    assert m[:6] == bytes.fromhex("ff5443478018")
    n = struct.unpack(">H", m[6:8])[0]
    assert m[8:8 + n] == out(q, "qualified_signer") and n == 34


def test_quote_signature_verifies_with_openssl_itself(quote_run, tmp_path):
    """An independent check of crypto.verify: the openssl command over the TPMS_ATTEST bytes."""
    q = named(quote_run, "quote")
    sig = q["outputs"]["signature"]["decoded"]
    assert sig["sigAlg"] == "ecdsa" and sig["hash"] == "sha256"
    der = ecdsa_der(bytes.fromhex(sig["r"]), bytes.fromhex(sig["s"]))
    ak = named(quote_run, "AK")
    pem = p256_spki_pem(*ak_point(ak))
    assert openssl_verify(tmp_path, pem, der, out(q, "message"))
    assert not openssl_verify(tmp_path, pem, der, out(q, "message")[:-1] + b"\x00")
    other = p256_spki_pem(*ak_point(named(quote_run, "another AK, in the owner hierarchy")))
    assert not openssl_verify(tmp_path, other, der, out(q, "message"))
    # crypto.verify hashed the same bytes
    v = [s for s in saved(quote_run, "crypto.verify") if "digest" in s["outputs"]][0]
    assert out(v, "digest") == hashlib.sha256(out(q, "message")).digest()


def test_check_quote_and_tpm2_checkquote_agree(quote_run):
    res = quote_run
    checks = saved(res, "crypto.check_quote")
    assert checks[0]["outputs"]["valid"] is True and checks[0]["outputs"]["mismatch"] == ""
    pcrs = saved(res, "esapi.pcr_read")[0]
    assert out(checks[0], "pcr_digest") == hashlib.sha256(out(pcrs, "concatenated")).digest()
    ok = named(res, "tpm2_checkquote agrees")["outputs"]
    assert ok["exit"] == 0 and "16: 0x" + hashlib.sha256(bytes(32) + b"\x01" * 32).hexdigest().upper() in ok["stdout"]
    nonce = named(res, "tpm2_checkquote refuses another nonce")["outputs"]
    assert nonce["exit"] == 1 and "Error validating nonce from quote" in nonce["stderr"]
    moved = named(res, "tpm2_checkquote refuses the new PCR values")["outputs"]
    assert moved["exit"] == 1 and "PCR values failed to match quote's digest" in moved["stderr"]
    # crypto.check_quote says the same, and what differs
    for label, what, note in [("another key", "signature", "signature: does not verify"),
                              ("another nonce", "nonce", "nonce: the quote holds 00112233445566778899aabbccddeeff, "
                                                         "qualifying_data is " + b"another nonce".hex()),
                              ("PCR values after an extend", "pcr_digest", "PCR digest: the quote's is ")]:
        s = named(res, label)
        assert s["status"] == "passed" and s["outputs"]["valid"] is False and s["outputs"]["mismatch"] == what
        assert note in s["note"], s["note"]
    after = named(res, "PCR values after an extend")
    assert out(after, "pcr_digest") != out(named(res, "quote"), "pcr_digest")


def test_tpm_refusals(quote_run):
    rc = {s.get("name"): s["rc"]["name"] for s in quote_run["steps"]}
    assert rc["a storage key does not quote"] == "TPM2_RC_KEY"
    assert rc["an unsigned quote (TPM_RH_NULL), which libtpms refuses"] == "TPM2_RC_SCHEME"


def software_scenario(tmp, name, steps):
    path = tmp / f"{name}.yaml"
    path.write_text(f"scenario: {name}\nsteps:\n" + steps)
    return path


def hexv(b):
    return '{hex: "%s"}' % b.hex()


def test_tampered_quotes_fail_in_software(quote_run, tpmrun, tmp_path):
    """Real quote bytes, one bit changed at a time, checked without a TPM."""
    q = named(quote_run, "quote")
    ak = named(quote_run, "AK")["outputs"]["public"]["hex"]
    other = named(quote_run, "another AK, in the owner hierarchy")["outputs"]["public"]["hex"]
    quoted, sig = out(q, "quoted"), out(q, "signature")
    values = out(saved(quote_run, "esapi.pcr_read")[0], "concatenated")
    nonce = bytes.fromhex("00112233445566778899aabbccddeeff")
    # extraData's last byte (the nonce), and the last byte of pcrDigest
    at_nonce = 2 + 6 + 2 + 34 + 2 + 15
    bad_nonce = quoted[:at_nonce] + bytes([quoted[at_nonce] ^ 1]) + quoted[at_nonce + 1:]
    bad_pcr = quoted[:-1] + bytes([quoted[-1] ^ 0x80])
    # r's first byte (after sigAlg, hash, r's size)
    bad_sig = sig[:6] + bytes([sig[6] ^ 1]) + sig[7:]

    def verify(label, public, message, signature, allow=True):
        return (f"  - name: {label}\n    crypto.verify: {{public: {hexv(bytes.fromhex(public))}, "
                f"message: {hexv(message)}, signature: {hexv(signature)}{', allow_invalid: true' if allow else ''}}}\n")

    def check(label, public, quoted_, signature, allow=True):
        return (f"  - name: {label}\n    crypto.check_quote: {{public: {hexv(bytes.fromhex(public))}, "
                f"quoted: {hexv(quoted_)}, signature: {hexv(signature)}, qualifying_data: {hexv(nonce)}, "
                f"pcr_values: {hexv(values)}{', allow_invalid: true' if allow else ''}}}\n")

    steps = (verify("as signed", ak, quoted[2:], sig) + verify("another key", other, quoted[2:], sig) +
             verify("a tampered message", ak, bad_nonce[2:], sig) + verify("a tampered signature", ak, quoted[2:], bad_sig) +
             check("quote as signed", ak, quoted, sig) + check("quote, another key", other, quoted, sig) +
             check("quote, tampered nonce", ak, bad_nonce, sig) + check("quote, tampered PCR digest", ak, bad_pcr, sig) +
             check("quote, tampered signature", ak, quoted, bad_sig))
    run_ok(tpmrun, software_scenario(tmp_path, "tampered", steps))
    res = tpmrun.result("tampered")
    assert not any(s.get("tpm_commands") for s in res["steps"])
    valid = {s["name"]: s["outputs"]["valid"] for s in res["steps"]}
    assert valid == {"as signed": True, "another key": False, "a tampered message": False,
                     "a tampered signature": False, "quote as signed": True, "quote, another key": False,
                     "quote, tampered nonce": False, "quote, tampered PCR digest": False,
                     "quote, tampered signature": False}
    mismatch = {s["name"]: s["outputs"]["mismatch"] for s in res["steps"] if s["type"] == "crypto.check_quote"}
    assert mismatch == {"quote as signed": "", "quote, another key": "signature",
                        "quote, tampered nonce": "signature, nonce",
                        "quote, tampered PCR digest": "signature, pcr_digest",
                        "quote, tampered signature": "signature"}
    # without allow_invalid, the step fails and says why
    for label, make, why in [("v", lambda: verify("v", ak, bad_nonce[2:], sig, allow=False), "does not verify"),
                             ("c", lambda: check("c", other, quoted, sig, allow=False), "signature: does not verify")]:
        p = tpmrun(software_scenario(tmp_path, f"fails_{label}", make()))
        assert p.returncode == 1, p.stdout + p.stderr
        step = tpmrun.result(f"fails_{label}")["steps"][0]
        assert step["status"] == "failed" and why in step["message"]


def test_check_quote_wants_the_quoted_pcrs(quote_run, tpmrun, tmp_path):
    q = named(quote_run, "quote")
    ak = named(quote_run, "AK")["outputs"]["public"]["hex"]
    two = bytes(2 * 32)             # two sha256 values
    wrong_size = bytes(3 * 20)      # SHA-1 sized
    for name, values, why in [("two", two, "pcr_values is 64 bytes; the quote selects 3 PCRs, 96 bytes together"),
                              ("sha1", wrong_size, "pcr_values is 60 bytes; the quote selects 3 PCRs, 96 bytes")]:
        steps = (f"  - crypto.check_quote: {{public: {hexv(bytes.fromhex(ak))}, quoted: {hexv(out(q, 'quoted'))}, "
                 f"signature: {hexv(out(q, 'signature'))}, pcr_values: {hexv(values)}, allow_invalid: true}}\n")
        p = tpmrun(software_scenario(tmp_path, name, steps))
        assert p.returncode == 1
        assert why in tpmrun.result(name)["steps"][0]["message"]
    # a TPM2B_ATTEST whose TPMS_ATTEST is no quote
    steps = (f"  - crypto.check_quote: {{public: {hexv(bytes.fromhex(ak))}, "
             f"quoted: {hexv(bytes.fromhex('0002ffff'))}, signature: {hexv(out(q, 'signature'))}, "
             f"pcr_values: {hexv(two)}, allow_invalid: true}}\n")
    p = tpmrun(software_scenario(tmp_path, "garbage", steps))
    assert p.returncode == 1
    assert "quoted is not a TPM quote" in tpmrun.result("garbage")["steps"][0]["message"]


# --- certify, certify creation, X.509, time -------------------------------------

def der_items(b):
    """The TLVs of a DER body: [(tag, whole TLV bytes, content)]."""
    items, i = [], 0
    while i < len(b):
        tag, n = b[i], b[i + 1]
        hdr = 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(b[i + 2:i + 2 + k], "big")
            hdr += k
        items.append((tag, b[i:i + hdr + n], b[i + hdr:i + hdr + n]))
        i += hdr + n
    return items


def der_seq(*parts):
    body = b"".join(parts)
    return b"\x30" + der_len(len(body)) + body


def test_certify_scenario(tpmrun, tmp_path):
    run_ok(tpmrun, ESAPI / "esapi_attest_certify.yaml")
    res = tpmrun.result("esapi_attest_certify")
    key = [s for s in saved(res, "esapi.load")][0]
    c = named(res, "certify")
    assert c["outputs"]["certify_info"]["decoded"]["attested"]["name"] == key["outputs"]["name"]["hex"]
    assert named(res, "certify with a wrong auth value for the key")["rc"]["name"] == "TPM2_RC_AUTH_FAIL"
    assert named(res, "another creation's ticket")["rc"]["name"] == "TPM2_RC_TICKET"
    unsigned = named(res, "certify without a signing key (TPM_RH_NULL)")
    assert unsigned["outputs"]["signature"]["decoded"]["sigAlg"] == "null"
    cc = named(res, "certify creation")["outputs"]["certify_info"]["decoded"]
    assert cc["type"] == "creation" and cc["extraData"] == "a1a2a3a4a5a6a7a8"

    # GetTime twice: the clock and the time only move forward
    t1, t2 = named(res, "time 1"), named(res, "time 2")
    assert out(t2, "clock") >= out(t1, "clock") > 0 and out(t2, "time") >= out(t1, "time") > 0
    assert out(t1, "extra_data") == bytes.fromhex("a1a2a3a4a5a6a7a8")
    assert t1["outputs"]["time_info"]["decoded"]["attested"]["time"]["time"] == out(t1, "time")
    assert named(res, "the privacy administrator is the endorsement hierarchy only")["rc"]["name"] == "TPM2_RC_VALUE"

    # CertifyX509: partial certificate + what the TPM added = the TBSCertificate it signed
    partial = out([s for s in saved(res, "file.read")][0], "data")
    x = named(res, "certify x509")
    added = out(x, "added_to_certificate")
    (_, _, pbody), = der_items(partial)
    (_, _, abody), = der_items(added)
    issuer, validity, subject, extensions = [t[1] for t in der_items(pbody)]
    version, serial, sigalg, spki = [t[1] for t in der_items(abody)]
    assert version == bytes.fromhex("a003020102")         # v3
    tbs = der_seq(version, serial, sigalg, issuer, validity, subject, spki, extensions)
    assert hashlib.sha256(tbs).digest() == out(x, "tbs_digest")
    sig = x["outputs"]["signature"]["decoded"]
    sig_der = ecdsa_der(bytes.fromhex(sig["r"]), bytes.fromhex(sig["s"]))
    cert = der_seq(tbs, sigalg, b"\x03" + der_len(len(sig_der) + 1) + b"\x00" + sig_der)
    (tmp_path / "cert.der").write_bytes(cert)
    text = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", tmp_path / "cert.der", "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert "Issuer: CN = tpmrun" in text and "Subject: CN = key" in text and "ecdsa-with-SHA256" in text
    # the certified key is the loaded key; the AK's signature verifies over the TBSCertificate
    created = [s for s in saved(res, "esapi.create")][0]
    kx, ky = ak_point(created)
    assert spki.endswith(b"\x04" + kx + ky)
    assert openssl_verify(tmp_path, p256_spki_pem(*ak_point(named(res, "AK"))), sig_der, tbs)
    assert named(res, "a partial certificate that is not one")["rc"]["name"] == "TPM2_RC_VALUE"


# --- audit -----------------------------------------------------------------------

def random_hashes(alg, random):
    """cpHash and rpHash of one TPM2_GetRandom (no handles, no sessions in them)."""
    cp = hashlib.new(alg, struct.pack(">IH", CC_GET_RANDOM, len(random))).digest()
    rp = hashlib.new(alg, struct.pack(">IIH", 0, CC_GET_RANDOM, len(random)) + random).digest()
    return cp, rp


def audit_chain(alg, randoms):
    d = bytes(hashlib.new(alg).digest_size)
    for r in randoms:
        d = hashlib.new(alg, d + b"".join(random_hashes(alg, r))).digest()
    return d


def test_audit_digests_are_known_answers(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_attest_audit.yaml")
    res = tpmrun.result("esapi_attest_audit")
    rnd = {s["name"]: out(s, "random") for s in saved(res, "esapi.get_random")}
    sa = named(res, "session audit")
    assert out(sa, "session_digest") == audit_chain("sha256", [rnd["audited random 1"], rnd["audited random 2"]])
    assert sa["outputs"]["audit_info"]["decoded"]["type"] == "session-audit"
    ca = [named(res, f"command audit {i}") for i in range(4)]
    alg = ca[1]["outputs"]["digest_alg"]
    assert alg in ("sha256", "sha384", "sha512") and all(c["outputs"]["digest_alg"] == alg for c in ca)
    # each GetCommandAuditDigest resets the digest: the next audited command starts a new one
    assert out(ca[1], "audit_digest") == audit_chain(alg, [rnd["random 3"], rnd["random 4"]])
    assert out(ca[2], "audit_digest") == audit_chain(alg, [rnd["random 5"]])
    counters = [out(c, "audit_counter") for c in ca]
    assert counters[1] == counters[0] + 1 and counters[2] == counters[1] + 1, counters
    # commandDigest: H(the audited command codes, ascending); SetCommandCodeAuditStatus is always audited
    h = lambda *cc: hashlib.new(alg, b"".join(struct.pack(">I", c) for c in cc)).digest()
    assert out(ca[0], "command_digest") == out(ca[2], "command_digest") == h(CC_SET_AUDIT, CC_GET_RANDOM)
    assert out(ca[3], "command_digest") == h(CC_SET_AUDIT)
    assert named(res, "a new audit hash and a list at once")["rc"]["name"] == "TPM2_RC_VALUE"
    assert named(res, "a wrong owner auth value")["rc"]["name"] == "TPM2_RC_BAD_AUTH"


# --- the command-code-list syntax at load --------------------------------------

SCHEMA = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())


STEP_LINE = "  - esapi.set_command_code_audit_status: {"


@pytest.mark.parametrize("text,at,error", [
    ('set_list: [GetRandom, GetRandm]', "GetRandm", "unknown command 'GetRandm' (did you mean 'GetRandom'?)"),
    ('set_list: "GetRandom|GetRandm"', "GetRandm", "unknown command 'GetRandm' (did you mean 'GetRandom'?)"),
    ('clear_list: "Sign|TPM2_CC_Quote"', "TPM2", "write 'Quote' without TPM2_CC_ in a command list"),
    ('clear_list: [Sign, {a: b}]', "{a", "'clear_list': list items must be command-code-list words, not a mapping"),
    ('set_list: "Sign||Quote"', "|Quote", "empty command in '|' list"),
    ('set_list: [GetRandom, " 0x17b"]', "0x17b", "'0x17b' is in the list twice"),
    ('set_list: [Sign, Quote, sign]', "sign]", "'sign' is in the list twice"),
])
def test_command_list_errors_at_load(tpmrun, tmp_path, text, at, error):
    """Each item checked at load, the error at its line and column."""
    path = tmp_path / "cc.yaml"
    path.write_text("steps:\n  - esapi.get_random: {}\n" + STEP_LINE + text + "}\n")
    p = tpmrun("--check", path)
    col = len(STEP_LINE) + text.index(at) + 1
    assert p.returncode == 2 and p.stderr.strip() == f"{path}:3:{col}: error: {error}", p.stderr
    doc = yaml.safe_load(path.read_text())
    if "{a: b}" not in text and "twice" not in error:    # the schema flags the same words (not duplicates)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(doc, SCHEMA)


@pytest.mark.parametrize("text", ['set_list: [GetRandom, sign, "0x176"]', 'set_list: "getrandom | Sign"',
                                  'clear_list: []', 'clear_list: ""', 'set_list: "379"'])
def test_command_lists_that_load(tpmrun, tmp_path, text):
    path = tmp_path / "cc.yaml"
    path.write_text("steps:\n  - esapi.set_command_code_audit_status: {" + text + "}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 0, p.stderr
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)


def test_session_attributes_as_a_yaml_list(tpmrun, tmp_path):
    """The schema lets every list syntax be a YAML list; the loader now does too."""
    path = tmp_path / "s.yaml"
    path.write_text("scenario: s\nsteps:\n  - esapi.start_auth_session: {attributes: [continuesession, audit]}\n"
                    "    save: s\n  - esapi.get_random: {}\n    sessions: [\"${s}\"]\n")
    jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)
    run_ok(tpmrun, path)
    step = tpmrun.result("s")["steps"][0]
    assert step["inputs"]["attributes"] == "continuesession|audit"


def test_verify_takes_digest_or_message(quote_run, tpmrun, tmp_path):
    q = named(quote_run, "quote")
    ak = named(quote_run, "AK")["outputs"]["public"]["hex"]
    path = tmp_path / "v.yaml"
    path.write_text(f"steps:\n  - crypto.verify: {{public: {{hex: {ak}}}, digest: {{hex: '00'}}, message: m, "
                    f"signature: {hexv(out(q, 'signature'))}}}\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2 and "crypto.verify takes exactly one of digest or message (more than one given)" in p.stderr, p.stderr
