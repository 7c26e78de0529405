"""Keys across boundaries, against real swtpms and the real tools on the
other side: software wrapping for TPM2_Import (crypto.wrap), esapi.import /
duplicate / load_external, TSS2 PRIVATE KEY files (keyfile.*) with
tpm2-tools 5.4 and the OpenSSL tpm2 provider, and the crypto.* cross-checks.

Scenarios are generated into the test's directory; key material comes from
the PEM files committed under scenarios/esapi, converted with openssl."""
import base64
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

from conftest import ROOT

ESAPI = ROOT / "scenarios" / "esapi"
RSA_PEM = ESAPI / "esapi_rsa_import_key.pem"      # RSA 2048, PKCS#8
EC_PEM = ESAPI / "esapi_load_external_ec.pem"     # P-256, SEC1
SRK = ('template: "ecc256:null:aes128cfb", '
       'attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"')


def write_scenario(directory, name, steps, vars_=""):
    path = pathlib.Path(directory) / f"{name}.yaml"
    text = f"scenario: {name}\n"
    if vars_:
        text += "vars:\n" + vars_
    path.write_text(text + "steps:\n" + steps)
    return path


def run_ok(tpmrun, *args):
    p = tpmrun(*args)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def step(res, label):
    """The step with this name: label."""
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def hexof(value):
    return value["hex"]


def openssl(*args, data=None):
    p = subprocess.run(["openssl", *map(str, args)], input=data, capture_output=True, check=True)
    return p.stdout


def pem_variants(tmp):
    """The committed keys in other encodings: PKCS#1, SEC1/PKCS#8, and a P-384 key."""
    tmp = pathlib.Path(tmp)
    (tmp / "rsa_pkcs1.pem").write_bytes(openssl("rsa", "-in", RSA_PEM, "-traditional"))
    (tmp / "ec_pkcs8.pem").write_bytes(openssl("pkcs8", "-topk8", "-nocrypt", "-in", EC_PEM))
    (tmp / "ec384_pkcs8.pem").write_bytes(openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"))
    (tmp / "rsa_pub.pem").write_bytes(openssl("pkey", "-in", RSA_PEM, "-pubout"))
    assert b"BEGIN RSA PRIVATE KEY" in (tmp / "rsa_pkcs1.pem").read_bytes()
    assert b"BEGIN EC PRIVATE KEY" in EC_PEM.read_bytes()
    return tmp


# --- the scenarios of issue 4 ----------------------------------------------

def test_hmac_import_known_answer(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_hmac_import.yaml")
    res = tpmrun.result("esapi_hmac_import")
    hmac = [s for s in res["steps"] if s["type"] == "esapi.hmac"][0]
    assert hexof(hmac["outputs"]["digest"]) == "7c50506d993b4a10e5ae6b33ca951bf2b8c8ac399e0a34026bb0ac469bea3de2"
    wrap = [s for s in res["steps"] if s["type"] == "crypto.wrap"][0]
    assert wrap["inputs"]["secret"] == "<redacted>"
    # an ECC parent gets the ephemeral point: TPMS_ECC_POINT, two 32-byte coordinates
    seed = bytes.fromhex(hexof(wrap["outputs"]["in_sym_seed"]))
    assert len(seed) == 68 and seed[:2] == b"\x00\x20" and seed[34:36] == b"\x00\x20"
    assert [c["command"] for c in res["steps"][2]["tpm_commands"]] == ["Import"]


def test_rsa_import_signature_is_openssls(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_rsa_import.yaml")
    res = tpmrun.result("esapi_rsa_import")
    sig = [s for s in res["steps"] if s["type"] == "esapi.sign"][0]["outputs"]["signature"]
    digest = openssl("dgst", "-sha256", "-binary", data=b"fff")
    want = openssl("pkeyutl", "-sign", "-inkey", RSA_PEM, "-pkeyopt", "digest:sha256", data=digest)
    assert sig["decoded"]["sigAlg"] == "rsassa"
    assert bytes.fromhex(sig["hex"])[6:] == want


# --- crypto.wrap: every key kind, for every parent kind ---------------------

PARENTS = {
    "ecc256": SRK,
    "rsa2048": 'template: "rsa2048:null:aes128cfb", attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"',
    "ecc384_sha384": 'template: "ecc384:null:aes256cfb", name_alg: sha384, attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"',
    "rsa2048_sha384_aes256": 'template: "rsa2048:null:aes256cfb", name_alg: sha384, attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"',
}


def wrap_steps(n, wrap_args, import_extra=""):
    """crypto.wrap for ${parent}, import, load; saves w<n> and k<n>."""
    return f"""  - crypto.wrap: {{parent: "${{parent.public}}", {wrap_args}}}
    save: w{n}
  - esapi.import: {{parent: "${{parent}}", public: "${{w{n}.public}}", duplicate: "${{w{n}.duplicate}}", in_sym_seed: "${{w{n}.in_sym_seed}}"{import_extra}}}
    save: i{n}
  - esapi.load: {{parent: "${{parent}}", private: "${{i{n}.private}}", public: "${{w{n}.public}}"}}
    save: k{n}
  - assert.equal: {{actual: "${{k{n}.name}}", expected: "${{w{n}.name}}"}}
"""


def flush(n):
    return f'  - esapi.flush_context: {{handle: "${{k{n}}}"}}\n'


INNER = ', encryption_key: "${w%d.encryption_key}", symmetric: aes128cfb'


def matrix_steps(keys):
    s = ""
    # HMAC key with an auth value: only the right one works
    s += wrap_steps(1, 'secret: "${hmac_key}", template: "hmac:sha256", attributes: "userwithauth|sign", auth: pw')
    s += '  - esapi.hmac: {key: "${k1}", auth: pw, data: foo}\n    save: tm1\n'
    s += '  - crypto.hmac: {key: "${hmac_key}", data: foo}\n    save: sm1\n'
    s += '  - assert.equal: {actual: "${tm1.digest}", expected: "${sm1.digest}"}\n'
    s += '  - esapi.hmac: {key: "${k1}", auth: wrong, data: foo}\n    expect: {rc: auth_fail}\n' + flush(1)
    # AES-128 with an inner wrapper; AES-256 without, object nameAlg sha384
    s += wrap_steps(2, 'secret: "${aes128}", template: aes128cfb, symmetric: aes128cfb', INNER % 2)
    s += '  - esapi.encrypt_decrypt: {key: "${k2}", data: fooo, mode: cfb, iv: "${iv}"}\n    save: te2\n'
    s += '  - crypto.encrypt: {secret: "${aes128}", data: fooo, mode: cfb, iv: "${iv}"}\n    save: se2\n'
    s += '  - assert.equal: {actual: "${te2.data}", expected: "${se2.data}"}\n' + flush(2)
    s += wrap_steps(3, 'secret: "${aes256}", template: aes256cfb, name_alg: sha384')
    s += '  - esapi.encrypt_decrypt: {key: "${k3}", data: fooo, mode: cfb, iv: "${iv}"}\n    save: te3\n'
    s += '  - crypto.encrypt: {secret: "${aes256}", data: fooo, mode: cfb, iv: "${iv}"}\n    save: se3\n'
    s += '  - assert.equal: {actual: "${te3.data}", expected: "${se3.data}"}\n' + flush(3)
    # RSA: PKCS#1 with RSASSA (deterministic: byte-equal), PKCS#8 with an inner wrapper and RSAPSS
    s += wrap_steps(4, f'key: {{file: {keys}/rsa_pkcs1.pem}}, template: "rsa2048:rsassa-sha256", attributes: "userwithauth|sign"')
    s += '  - esapi.sign: {key: "${k4}", digest: "${h.digest}"}\n    save: ts4\n'
    s += f'  - crypto.sign: {{key: {{file: {keys}/rsa_pkcs1.pem}}, digest: "${{h.digest}}"}}\n    save: ss4\n'
    s += '  - assert.equal: {actual: "${ts4.signature}", expected: "${ss4.signature}"}\n' + flush(4)
    s += wrap_steps(5, f'key: {{file: {RSA_PEM}}}, template: "rsa2048:rsapss-sha256", attributes: "userwithauth|sign", symmetric: aes128cfb', INNER % 5)
    s += '  - esapi.sign: {key: "${k5}", digest: "${h.digest}"}\n    save: ts5\n'
    s += '  - crypto.verify: {public: "${w5.public}", digest: "${h.digest}", signature: "${ts5.signature}"}\n' + flush(5)
    # EC: SEC1 P-256, PKCS#8 P-384 with ECDSA-SHA384
    s += wrap_steps(6, f'key: {{file: {EC_PEM}}}, template: "ecc256:ecdsa-sha256", attributes: "userwithauth|sign"')
    s += '  - esapi.sign: {key: "${k6}", digest: "${h.digest}"}\n    save: ts6\n'
    s += '  - crypto.verify: {public: "${w6.public}", digest: "${h.digest}", signature: "${ts6.signature}"}\n' + flush(6)
    s += wrap_steps(7, f'key: {{file: {keys}/ec384_pkcs8.pem}}, template: "ecc384:ecdsa-sha384", attributes: "userwithauth|sign"')
    s += '  - esapi.sign: {key: "${k7}", digest: "${h384.digest}", hash: sha384}\n    save: ts7\n'
    s += '  - crypto.verify: {public: "${w7.public}", digest: "${h384.digest}", signature: "${ts7.signature}"}\n'
    s += f'  - crypto.sign: {{key: {{file: {keys}/ec384_pkcs8.pem}}, digest: "${{h384.digest}}", hash: sha384}}\n    save: ss7\n'
    s += '  - esapi.verify_signature: {key: "${k7}", digest: "${h384.digest}", signature: "${ss7.signature}"}\n' + flush(7)
    return s


def test_wrap_matrix(tpmrun, tmp_path):
    """4 parents (ECC P-256, RSA 2048, ECC P-384/sha384/AES-256, RSA/sha384/AES-256)
    x 7 keys (HMAC with auth, AES-128 inner-wrapped, AES-256 sha384,
    RSA PKCS#1 RSASSA, RSA PKCS#8 RSAPSS inner-wrapped, EC SEC1 P-256, EC
    PKCS#8 P-384): each imports, loads, has the name crypto.wrap computed,
    and gives what OpenSSL gives."""
    keys = pem_variants(tmp_path)
    vars_ = """  hmac_key: change this password to a secret
  aes128: {hex: 000102030405060708090a0b0c0d0e0f}
  aes256: {hex: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f}
  iv: {hex: 4ca91f6bc6376a33a4ddb8a9c3cf5ea9}
"""
    names = []
    sc = tmp_path / "sc"
    sc.mkdir()
    for name, parent in PARENTS.items():
        steps = f"  - esapi.create_primary: {{{parent}}}\n    save: parent\n"
        steps += '  - crypto.hash: {data: fff}\n    save: h\n  - crypto.hash: {data: fff, alg: sha384}\n    save: h384\n'
        steps += matrix_steps(keys)
        write_scenario(sc, f"wrap_{name}", steps, vars_)
        names.append(f"wrap_{name}")
    p = tpmrun("-j", "4", sc)
    assert p.returncode == 0, p.stdout + p.stderr
    for n in names:
        res = tpmrun.result(n)
        assert res["status"] == "passed"
        assert res["cleanup"]["transient_handles_after"] == 0
        wraps = [s for s in res["steps"] if s["type"] == "crypto.wrap"]
        assert len(wraps) == 7
        seed = bytes.fromhex(hexof(wraps[0]["outputs"]["in_sym_seed"]))
        if "rsa" in n:
            assert len(seed) == 256          # RSA-OAEP ciphertext
        else:
            assert len(seed) == 4 + 2 * (48 if "384" in n else 32)   # the ephemeral point
        # the inner wrapper's key is an output only when there is one
        assert "encryption_key" in wraps[1]["outputs"] and "encryption_key" not in wraps[2]["outputs"]


def test_wrap_negatives(tpmrun, tmp_path):
    """The TPM rejects a blob wrapped for another parent, or for another public
    area (the name is in the integrity HMAC); a key cannot be duplicated with
    a password session."""
    steps = f"""  - esapi.create_primary: {{{SRK}}}
    save: a
  - esapi.create_primary: {{template: "ecc256:null:aes128cfb"}}
    save: b
  - crypto.wrap: {{parent: "${{a.public}}", secret: {{hex: 00112233445566778899aabbccddeeff}}, template: aes128cfb}}
    save: w
  - name: wrapped for a, imported under b
    esapi.import: {{parent: "${{b}}", public: "${{w.public}}", duplicate: "${{w.duplicate}}", in_sym_seed: "${{w.in_sym_seed}}"}}
    expect: {{rc: integrity}}
  - crypto.wrap: {{parent: "${{a.public}}", secret: {{hex: 00112233445566778899aabbccddeeff}}, template: aes128cfb, attributes: "userwithauth|decrypt"}}
    save: w2
  - name: another public area
    esapi.import: {{parent: "${{a}}", public: "${{w2.public}}", duplicate: "${{w.duplicate}}", in_sym_seed: "${{w.in_sym_seed}}"}}
    expect: {{rc: integrity}}
  - esapi.import: {{parent: "${{a}}", public: "${{w.public}}", duplicate: "${{w.duplicate}}", in_sym_seed: "${{w.in_sym_seed}}"}}
    save: ok
  - esapi.load: {{parent: "${{a}}", private: "${{ok.private}}", public: "${{w.public}}"}}
    save: k
  - name: duplication needs a policy session
    esapi.duplicate: {{object: "${{k}}", new_parent: "${{b}}"}}
    expect: {{rc: auth_type}}
"""
    run_ok(tpmrun, write_scenario(tmp_path, "wrap_neg", steps))


@pytest.mark.parametrize("args,message", [
    ('key: {file: KEYS/rsa_pkcs1.pem}, template: ecc256', "the template is ECC but the key is RSA"),
    ('key: {file: KEYS/rsa_pub.pem}', "holds only a public key"),
    ('secret: {hex: 0011}, template: aes128cfb', "a symmetric key is 16, 24 or 32 bytes, not 2"),
    ('secret: abc, encryption_key: {hex: 00112233445566778899aabbccddeeff}', "encryption_key needs an inner wrapper"),
    ('secret: abc, symmetric: aes128cfb, encryption_key: {hex: 0011}', "encryption_key is 2 bytes; aes128cfb needs 16"),
    ('key: not a key at all', "not an RSA or EC key"),
    ('secret: abc, key: {file: KEYS/rsa_pkcs1.pem}', "give exactly one of `key`"),
    ('template: rsa2048', "give exactly one of `key`"),
    ('secret: abc, auth: {hex: 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20}',
     "auth is 33 bytes; nameAlg allows at most 32"),
])
def test_wrap_input_errors(tpmrun, tmp_path, args, message):
    keys = pem_variants(tmp_path)
    steps = f"""  - esapi.create_primary: {{{SRK}}}
    save: p
  - crypto.wrap: {{parent: "${{p.public}}", {args.replace("KEYS", str(keys))}}}
"""
    p = tpmrun(write_scenario(tmp_path, "wrap_err", steps))
    assert p.returncode == 1
    res = tpmrun.result("wrap_err")
    assert res["failed_step"]["index"] == 1
    assert message in res["failed_step"]["message"]


# --- esapi.duplicate --------------------------------------------------------

def test_duplicate_roundtrips(tpmrun, tmp_path):
    """TPM2_Duplicate (policy: PolicyCommandCode(Duplicate)) to a new parent
    with an inner wrapper the TPM keys, with one we give, and without an
    outer wrapper; each imports and works the same."""
    steps = f"""  - crypto.policy_digest: {{policy: {{policy: [{{type: POLICYCOMMANDCODE, code: TPM2_CC_Duplicate}}]}}}}
    save: pol
  - esapi.create_primary: {{{SRK}}}
    save: src
  - esapi.create_primary: {{template: "rsa2048:null:aes128cfb", attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"}}
    save: dst
  - esapi.create: {{parent: "${{src}}", template: aes128cfb, attributes: "userwithauth|sign|decrypt|sensitivedataorigin", policy: "${{pol.digest}}"}}
    save: aes
  - esapi.load: {{parent: "${{src}}", private: "${{aes.private}}", public: "${{aes.public}}"}}
    save: key
  - esapi.flush_context: {{handle: "${{src}}"}}
  - esapi.encrypt_decrypt: {{key: "${{key}}", data: fooo, mode: cfb}}
    save: ref
"""
    cases = [("tpm_key", 'symmetric: aes128cfb', 'encryption_key: "${d1.encryption_key_out}", symmetric: aes128cfb', "dst"),
             ("our_key", 'symmetric: aes128cfb, encryption_key: {hex: 0f0e0d0c0b0a09080706050403020100}',
              'encryption_key: {hex: 0f0e0d0c0b0a09080706050403020100}, symmetric: aes128cfb', "dst"),
             ("no_outer", 'symmetric: aes128cfb', 'encryption_key: "${d3.encryption_key_out}", symmetric: aes128cfb', None)]
    for i, (label, dup_args, imp_args, parent) in enumerate(cases, 1):
        new_parent = f', new_parent: "${{{parent}}}"' if parent else ""
        steps += f"""  - esapi.start_auth_session: {{type: policy}}
    save: s{i}
  - esapi.policy_command_code: {{session: "${{s{i}}}", code: TPM2_CC_Duplicate}}
  - name: {label}
    esapi.duplicate: {{object: "${{key}}"{new_parent}, {dup_args}}}
    sessions: ["${{s{i}}}"]
    save: d{i}
  - esapi.flush_context: {{handle: "${{s{i}}}"}}
  - esapi.import: {{parent: "${{dst}}", public: "${{aes.public}}", duplicate: "${{d{i}.duplicate}}", in_sym_seed: "${{d{i}.out_sym_seed}}", {imp_args}}}
    save: i{i}
  - esapi.load: {{parent: "${{dst}}", private: "${{i{i}.private}}", public: "${{aes.public}}"}}
    save: k{i}
  - esapi.encrypt_decrypt: {{key: "${{k{i}}}", data: fooo, mode: cfb}}
    expect: {{outputs: {{data: "${{ref.data}}"}}}}
  - esapi.flush_context: {{handle: "${{k{i}}}"}}
"""
    run_ok(tpmrun, "--show-secrets", write_scenario(tmp_path, "dup", steps))
    res = tpmrun.result("dup")
    assert len(bytes.fromhex(hexof(step(res, "tpm_key")["outputs"]["encryption_key_out"]))) == 16
    assert hexof(step(res, "our_key")["outputs"]["encryption_key_out"]) == ""    # the TPM made none
    assert len(bytes.fromhex(hexof(step(res, "tpm_key")["outputs"]["out_sym_seed"]))) == 256
    assert hexof(step(res, "no_outer")["outputs"]["out_sym_seed"]) == ""


# --- TSS2 PRIVATE KEY files -------------------------------------------------

def der_items(der):
    """Top-level items of a DER SEQUENCE: [(tag, content bytes)]."""
    def read(buf, i):
        tag = buf[i]
        length = buf[i + 1]
        i += 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(buf[i:i + n], "big")
            i += n
        return tag, buf[i:i + length], i + length
    tag, body, _ = read(der, 0)
    assert tag == 0x30
    items, i = [], 0
    while i < len(body):
        tag, content, i = read(body, i)
        items.append((tag, content))
    return items


def der_tlv(tag, content):
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + content


def pem_body(text):
    lines = [l for l in text.strip().splitlines() if not l.startswith("-----")]
    return base64.b64decode("".join(lines))


def test_keyfile_layout(tpmrun, tmp_path):
    """keyfile.write: OID 2.23.133.10.1.3, [0] emptyAuth, INTEGER parent,
    pubkey and privkey octet strings that are the key's TPM2B_PUBLIC and
    TPM2B_PRIVATE; keyfile.read gives them back."""
    out = tmp_path / "k.pem"
    steps = f"""  - esapi.create_primary: {{{SRK}}}
    save: p
  - esapi.create: {{parent: "${{p}}", template: "ecc256:ecdsa-sha256"}}
    save: k
  - keyfile.write: {{path: {out}, public: "${{k.public}}", private: "${{k.private}}"}}
  - keyfile.write: {{path: persistent.pem, public: "${{k.public}}", private: "${{k.private}}", parent: 0x81000001, empty_auth: false}}
    save: pers
  - keyfile.read: {{pem: "${{pers.pem}}"}}
    expect: {{outputs: {{parent: 0x81000001, empty_auth: false, type: loadable, rsa_parent: false, auth_policies: 0}}}}
  - keyfile.read: {{path: {out}}}
    save: back
  - assert.equal: {{actual: "${{back.public}}", expected: "${{k.public}}"}}
  - assert.equal: {{actual: "${{back.private}}", expected: "${{k.private}}"}}
"""
    run_ok(tpmrun, write_scenario(tmp_path, "kf_layout", steps))
    res = tpmrun.result("kf_layout")
    text = out.read_text()
    assert text.startswith("-----BEGIN TSS2 PRIVATE KEY-----\n") and text.endswith("-----END TSS2 PRIVATE KEY-----\n")
    items = der_items(pem_body(text))
    assert [t for t, _ in items] == [0x06, 0xA0, 0x02, 0x04, 0x04]
    assert items[0][1] == bytes.fromhex("678105 0a0103".replace(" ", ""))   # 2.23.133.10.1.3
    assert items[1][1] == bytes.fromhex("010101")                          # [0] BOOLEAN TRUE (as the tools write it)
    assert items[2][1] == bytes.fromhex("40000001")
    created = [s for s in res["steps"] if s["type"] == "esapi.create"][0]["outputs"]
    assert items[3][1].hex() == created["public"]["hex"]
    assert items[4][1].hex() == created["private"]["hex"]
    pers = der_items(pem_body(step_outputs_text(res, 3)))
    assert pers[1][1] == bytes.fromhex("010100") and pers[2][1] == bytes.fromhex("0081000001")
    # OpenSSL's own ASN.1 parser agrees
    parsed = openssl("asn1parse", "-in", out).decode()
    assert "2.23.133.10.1.3" in parsed and "BOOLEAN" in parsed and ":40000001" in parsed


def step_outputs_text(res, index):
    return res["steps"][index]["outputs"]["pem"]["text"]


class ExternalTpm:
    """A swtpm this test starts; tpmrun and the tools reach it with --tcti."""

    def __init__(self, where):
        self.dir = tempfile.mkdtemp(dir=where)
        self.sock = f"{self.dir}/s.sock"
        self.proc = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={self.dir}", "--server",
                                      f"type=unixio,path={self.sock}", "--ctrl", f"type=unixio,path={self.sock}.ctrl",
                                      "--flags", "not-need-init,startup-clear"])
        for _ in range(300):
            if os.path.exists(self.sock):
                break
            time.sleep(0.01)
        self.tcti = f"swtpm:path={self.sock}"

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def external_tpm(private_tmp):
    tpm = ExternalTpm(private_tmp)
    yield tpm
    tpm.close()


def test_keyfile_optional_fields(tpmrun, tmp_path, external_tpm):
    """A key file with the optional [1] policy, [2] secret, [3] authPolicy and
    [4] description fields (as openssl_tpm2_engine writes them) is read
    without failing, its fields come out, and it still loads (parent: the
    owner hierarchy's primary, recreated on the same TPM)."""
    plain = tmp_path / "plain.pem"
    first = f"""  - esapi.create_primary: {{{SRK}}}
    save: p
  - esapi.create: {{parent: "${{p}}", template: aes128cfb}}
    save: k
  - esapi.load: {{parent: "${{p}}", private: "${{k.private}}", public: "${{k.public}}"}}
    save: key
  - esapi.encrypt_decrypt: {{key: "${{key}}", data: fooo, mode: cfb}}
    save: enc
  - keyfile.write: {{path: {plain}, public: "${{k.public}}", private: "${{k.private}}"}}
"""
    run_ok(tpmrun, "--tcti", external_tpm.tcti, write_scenario(tmp_path, "kf_first", first))
    enc = hexof(tpmrun.result("kf_first")["steps"][3]["outputs"]["data"])
    items = der_items(pem_body(plain.read_text()))
    policy = der_tlv(0xA1, der_tlv(0x30, der_tlv(0x30, der_tlv(0xA0, der_tlv(0x02, bytes.fromhex("016b"))) +
                                                  der_tlv(0xA1, der_tlv(0x04, b"\x00\x01")))))
    secret = der_tlv(0xA2, der_tlv(0x04, b"seed bytes"))
    auth_policy = der_tlv(0xA3, der_tlv(0x30, der_tlv(0x30, der_tlv(0xA0, der_tlv(0x0C, b"branch")) +
                                                     der_tlv(0xA1, der_tlv(0x30, b"")))))
    description = der_tlv(0xA4, der_tlv(0x0C, b"made by test_keys"))
    body = (der_tlv(0x06, items[0][1]) + der_tlv(0xA0, items[1][1]) + policy + secret + auth_policy + description +
            der_tlv(0x02, items[2][1]) + der_tlv(0x04, items[3][1]) + der_tlv(0x04, items[4][1]))
    der = der_tlv(0x30, body)
    (tmp_path / "full.der").write_bytes(der)
    b64 = base64.encodebytes(der).decode().replace("\n", "")
    pem = "-----BEGIN TSS2 PRIVATE KEY-----\n" + "\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + \
          "\n-----END TSS2 PRIVATE KEY-----\n"
    (tmp_path / "full.pem").write_text(pem)
    second = f"""  - keyfile.read: {{path: {tmp_path}/full.der}}
    save: r
    expect: {{outputs: {{parent: 0x40000001, empty_auth: true, secret: seed bytes, auth_policies: 1, description: made by test_keys}}}}
  - keyfile.load: {{path: {tmp_path}/full.pem}}
    save: key
  - esapi.encrypt_decrypt: {{key: "${{key}}", data: {{hex: {enc}}}, mode: cfb, decrypt: true}}
    expect: {{outputs: {{data: fooo}}}}
"""
    run_ok(tpmrun, "--tcti", external_tpm.tcti, write_scenario(tmp_path, "kf_second", second))
    res = tpmrun.result("kf_second")
    pol = res["steps"][0]["outputs"]["policy"]
    assert pol == [{"command_code": 0x16B, "command_policy": {"hex": "0001"}}]


def test_keyfile_parents(tpmrun, tmp_path):
    """Parents other than the owner hierarchy's ECC primary: a persistent
    parent both ways with tpm2-tools (tpm2_encodeobject -C 0x81000001 loads in
    tpmrun, tpmrun's file loads in tpm2_load, and the bytes are the same);
    rsaParent: the RSA 2048 primary; an importable key file (crypto.wrap's
    blob, imported on load); and the TCG SRK template with its zero-filled
    unique, which is not the primary the tools use (TPM2_RC_INTEGRITY)."""
    steps = f"""  - name: persistent parent and key made by tpm2-tools
    exec:
      command: >-
        tpm2_createprimary -Q -C o -G ecc -g sha256 -c prim.ctx
        -a 'userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin' &&
        tpm2_evictcontrol -Q -C o -c prim.ctx 0x81000001 && tpm2_flushcontext -t &&
        tpm2_create -Q -C 0x81000001 -G ecc256:ecdsa -u k.pub -r k.priv && tpm2_flushcontext -t &&
        tpm2_encodeobject -C 0x81000001 -u k.pub -r k.priv -p -o tools.pem && tpm2_flushcontext -t && tpm2_flushcontext -l
  # tpm2-tools 5.4 writes emptyAuth TRUE with -p (inverted; fixed after 5.4): keyfile.write's default
  - keyfile.read: {{path: tools.pem}}
    save: tools
    expect: {{outputs: {{parent: 0x81000001}}}}
  - keyfile.write: {{path: mine.pem, public: "${{tools.public}}", private: "${{tools.private}}", parent: 0x81000001}}
    save: mine
  - file.read: {{path: tools.pem}}
    save: tools_bytes
  - assert.equal: {{actual: "${{mine.pem}}", expected: "${{tools_bytes.data}}"}}
  - keyfile.load: {{path: tools.pem}}
    save: k
  - crypto.hash: {{data: fff}}
    save: h
  - file.write: {{path: dgst.bin, data: "${{h.digest}}"}}
  - esapi.sign: {{key: "${{k}}", digest: "${{h.digest}}"}}
    save: sig
  - crypto.verify: {{public: "${{k.public}}", digest: "${{h.digest}}", signature: "${{sig.signature}}"}}
  - esapi.flush_context: {{handle: "${{k}}"}}
  - name: tpm2-tools loads tpmrun's file with the persistent parent
    exec:
      command: >-
        tpm2_load -Q -r mine.pem -c mine.ctx && tpm2_flushcontext -t &&
        tpm2_sign -c mine.ctx -g sha256 -d dgst.bin -o tools.sig && tpm2_flushcontext -t && tpm2_flushcontext -l
  - file.read: {{path: tools.sig, as: TPMT_SIGNATURE}}
    save: tools_sig
  - crypto.verify: {{public: "${{k.public}}", digest: "${{h.digest}}", signature: "${{tools_sig.data}}"}}

  - name: rsaParent
    esapi.create_primary: {{template: "rsa2048:null:aes128cfb", attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"}}
    save: rsa_srk
  - esapi.create: {{parent: "${{rsa_srk}}", template: "ecc256:ecdsa-sha256"}}
    save: under_rsa
  - esapi.flush_context: {{handle: "${{rsa_srk}}"}}
  - keyfile.write: {{path: rsa_parent.pem, public: "${{under_rsa.public}}", private: "${{under_rsa.private}}", rsa_parent: true}}
  - keyfile.read: {{path: rsa_parent.pem}}
    expect: {{outputs: {{rsa_parent: true}}}}
  - keyfile.load: {{path: rsa_parent.pem}}
    save: k2
  - esapi.sign: {{key: "${{k2}}", digest: "${{h.digest}}"}}
    save: sig2
  - crypto.verify: {{public: "${{under_rsa.public}}", digest: "${{h.digest}}", signature: "${{sig2.signature}}"}}
  - esapi.flush_context: {{handle: "${{k2}}"}}

  - name: importable
    esapi.create_primary: {{{SRK}}}
    save: srk
  - crypto.wrap: {{parent: "${{srk.public}}", secret: "change this password to a secret", template: "hmac:sha256", attributes: "userwithauth|sign"}}
    save: w
  - esapi.flush_context: {{handle: "${{srk}}"}}
  - keyfile.write: {{path: importable.pem, type: importable, public: "${{w.public}}", private: "${{w.duplicate}}", secret: "${{w.in_sym_seed}}"}}
  - keyfile.read: {{path: importable.pem}}
    expect: {{outputs: {{type: importable, secret: "${{w.in_sym_seed}}"}}}}
  - keyfile.load: {{path: importable.pem}}
    save: hk
  - esapi.hmac: {{key: "${{hk}}", data: foo}}
    expect: {{outputs: {{digest: {{hex: 7c50506d993b4a10e5ae6b33ca951bf2b8c8ac399e0a34026bb0ac469bea3de2}}}}}}
  - esapi.flush_context: {{handle: "${{hk}}"}}

  - name: TCG SRK template
    esapi.create_primary: {{template: srk-ecc256}}
    save: tcg_srk
  - esapi.create: {{parent: "${{tcg_srk}}", template: aes128cfb}}
    save: under_tcg
  - esapi.flush_context: {{handle: "${{tcg_srk}}"}}
  - keyfile.write: {{path: tcg.pem, public: "${{under_tcg.public}}", private: "${{under_tcg.private}}"}}
  - keyfile.load: {{path: tcg.pem}}
    expect: {{rc: integrity}}
"""
    run_ok(tpmrun, write_scenario(tmp_path, "kf_parents", steps))
    res = tpmrun.result("kf_parents")
    assert res["cleanup"]["transient_handles_after"] == 0
    # the persistent parent is written as a positive INTEGER: 02 05 00 81 00 00 01
    der = pem_body(res["steps"][2]["outputs"]["pem"]["text"])
    assert bytes.fromhex("02050081000001") in der
    # keyfile.load recreated the RSA primary for rsaParent, and flushed it
    load = [s for s in res["steps"] if s["type"] == "keyfile.load"][1]
    cmds = [c["command"] for c in load["tpm_commands"]]
    assert cmds[-3:] == ["CreatePrimary", "Load", "FlushContext"]


def test_keyfile_load_keeps_the_scenarios_persistent_parent(tpmrun, tmp_path):
    """A key file whose parent is a persistent object the scenario made:
    ESAPI 3.2 hands keyfile.load the scenario's own ESYS_TR for it, which
    must stay usable (it was closed: TSS2_ESYS_RC_BAD_TR afterwards)."""
    steps = f"""  - esapi.create_primary: {{{SRK}}}
    save: prim
  - esapi.create: {{parent: "${{prim}}", template: "ecc256:ecdsa"}}
    save: key
  - esapi.evict_control: {{object_handle: "${{prim}}", persistent_handle: 0x81100000}}
    save: prim_p
  - esapi.flush_context: {{handle: "${{prim}}"}}
  - keyfile.write: {{path: k.pem, public: "${{key.public}}", private: "${{key.private}}", parent: 0x81100000}}
  - keyfile.load: {{path: k.pem}}
    save: k
  - esapi.flush_context: {{handle: "${{k}}"}}
  - keyfile.load: {{path: k.pem}}
  - name: still the scenario's
    esapi.read_public: {{object: "${{prim_p}}"}}
    expect: {{outputs: {{name: "${{prim.name}}"}}}}
  - esapi.evict_control: {{object_handle: "${{prim_p}}"}}
    expect: {{outputs: {{evicted: true}}}}
"""
    run_ok(tpmrun, write_scenario(tmp_path, "kf_persistent", steps))
    res = tpmrun.result("kf_persistent")
    assert res["cleanup"]["transient_handles_after"] == 0

@pytest.mark.parametrize("content,args,message", [
    (b"not a key", "path: bad.pem", "not a TSS2 key"),
    (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "path: bad.pem", 'not a PEM "TSS2 PRIVATE KEY" file'),
    (bytes.fromhex("300a06082a864886f70d0101"), "path: bad.pem", "not a TSS2 key"),
    (None, "path: missing.pem", "cannot read"),
    (None, "path: ../outside.pem", "leaves the work directory"),
])
def test_keyfile_read_errors(tpmrun, tmp_path, content, args, message):
    steps = ""
    if content is not None:
        steps += f"  - file.write: {{path: bad.pem, data: {{hex: {content.hex()}}}}}\n"
    steps += f"  - keyfile.read: {{{args}}}\n"
    p = tpmrun(write_scenario(tmp_path, "kf_err", steps))
    assert p.returncode == 1
    assert message in tpmrun.result("kf_err")["failed_step"]["message"]


def test_keyfile_unknown_type_oid(tpmrun, tmp_path):
    body = der_tlv(0x06, bytes.fromhex("6781050a0109")) + der_tlv(0x02, bytes.fromhex("40000001")) + \
        der_tlv(0x04, b"\x00\x00") + der_tlv(0x04, b"\x00\x00")
    steps = f"  - keyfile.read: {{pem: {{hex: {der_tlv(0x30, body).hex()}}}}}\n"
    p = tpmrun(write_scenario(tmp_path, "kf_oid", steps))
    assert p.returncode == 1
    assert "unknown key type OID 2.23.133.10.1.9" in tpmrun.result("kf_oid")["failed_step"]["message"]


def test_openssl_provider_rsa_key_file(tpmrun, tmp_path):
    """An RSA key made by `openssl genpkey -provider tpm2` loads in tpmrun; its
    RSASSA signature from tpmrun equals the provider's own (pkeyutl)."""
    steps = """  - exec:
      command: >-
        openssl genpkey -provider tpm2 -provider default -algorithm RSA -pkeyopt bits:2048 -out rsa.pem &&
        printf fff | openssl dgst -sha256 -binary > dgst.bin &&
        openssl pkeyutl -provider tpm2 -provider default -sign -inkey rsa.pem -in dgst.bin -out rsa.sig
  - keyfile.load: {path: rsa.pem}
    save: k
  - crypto.hash: {data: fff}
    save: h
  - esapi.sign: {key: "${k}", digest: "${h.digest}", scheme: rsassa}
    save: sig
  - crypto.verify: {public: "${k.public}", digest: "${h.digest}", signature: "${sig.signature}"}
  - file.read: {path: rsa.sig}
    save: provider
"""
    run_ok(tpmrun, write_scenario(tmp_path, "ossl_rsa", steps))
    res = tpmrun.result("ossl_rsa")
    tpm_sig = bytes.fromhex(res["steps"][3]["outputs"]["signature"]["hex"])[6:]
    assert tpm_sig.hex() == hexof(res["steps"][5]["outputs"]["data"])


# --- crypto.* against the openssl command line ------------------------------

def test_crypto_steps_known_answers(tpmrun, tmp_path):
    keys = pem_variants(tmp_path)
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    iv = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    data = bytes(range(48))
    want = {m: openssl("enc", f"-aes-128-{m}", "-K", key.hex(), "-iv", iv.hex(), "-nopad", data=data).hex()
            for m in ("cfb", "cbc", "ofb", "ctr")}
    want["ecb"] = openssl("enc", "-aes-128-ecb", "-K", key.hex(), "-nopad", data=data).hex()
    steps = ""
    for m, c in want.items():
        steps += f"""  - crypto.encrypt: {{secret: {{hex: {key.hex()}}}, iv: {{hex: {iv.hex()}}}, mode: {m}, data: {{hex: {data.hex()}}}}}
    expect: {{outputs: {{data: {{hex: {c}}}}}}}
  - crypto.decrypt: {{secret: {{hex: {key.hex()}}}, iv: {{hex: {iv.hex()}}}, mode: {m}, data: {{hex: {c}}}}}
    expect: {{outputs: {{data: {{hex: {data.hex()}}}}}}}
"""
    steps += f"""  - crypto.hash: {{data: fff}}
    expect: {{outputs: {{digest: {{hex: f284bdc3c1c9e24a494e285cb387c69510f28de51c15bb93179d9c7f28705398}}}}}}
  - crypto.hmac: {{key: Jefe, data: what do ya want for nothing?}}
    expect: {{outputs: {{digest: {{hex: 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843}}}}}}
  - crypto.hmac: {{key: Jefe, data: what do ya want for nothing?, hash: sha512}}
    expect: {{outputs: {{digest: {{hex: 164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737}}}}}}
  - crypto.encrypt: {{key: {{file: {keys}/rsa_pub.pem}}, data: secret message, label: {{hex: 4c4142454c00}}}}
    save: oaep
  - crypto.decrypt: {{key: {{file: {RSA_PEM}}}, data: "${{oaep.data}}", label: {{hex: 4c4142454c00}}}}
    expect: {{outputs: {{data: secret message}}}}
  - crypto.decrypt: {{key: {{file: {RSA_PEM}}}, data: "${{oaep.data}}"}}
  - file.write: {{path: {tmp_path}/oaep.bin, data: "${{oaep.data}}"}}
"""
    p = tpmrun(write_scenario(tmp_path, "crypto_kat", steps))
    # the last decrypt has the wrong (no) label: it must fail
    assert p.returncode == 1
    res = tpmrun.result("crypto_kat")
    assert res["failed_step"]["index"] == len(want) * 2 + 5
    assert "RSA decryption failed" in res["failed_step"]["message"]
    # OpenSSL's command line decrypts what crypto.encrypt made (OAEP sha256 and label)
    oaep = bytes.fromhex(hexof(res["steps"][len(want) * 2 + 3]["outputs"]["data"]))
    plain = openssl("pkeyutl", "-decrypt", "-inkey", RSA_PEM, "-pkeyopt", "rsa_padding_mode:oaep",
                    "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256",
                    "-pkeyopt", "rsa_oaep_label:4c4142454c00", data=oaep)
    assert plain == b"secret message"


def test_crypto_encrypt_with_tpm_public(tpmrun, tmp_path):
    """crypto.encrypt takes a TPM public area: OpenSSL's RSA-OAEP for a key
    crypto.wrap made from the PEM decrypts with the PEM."""
    steps = f"""  - esapi.create_primary: {{{SRK}}}
    save: p
  - crypto.wrap: {{parent: "${{p.public}}", key: {{file: {RSA_PEM}}}, template: "rsa2048:oaep-sha256", attributes: "userwithauth|decrypt"}}
    save: w
  - crypto.encrypt: {{public: "${{w.public}}", data: hello}}
    save: c
  - crypto.decrypt: {{key: {{file: {RSA_PEM}}}, data: "${{c.data}}"}}
    expect: {{outputs: {{data: hello}}}}
"""
    run_ok(tpmrun, write_scenario(tmp_path, "enc_pub", steps))


# --- the KDF unit test reads the vectors at run time ------------------------

def test_kdf_unit_reads_vectors_at_run_time(tmp_path, private_tmp):
    unit = pathlib.Path(os.environ.get("TPMRUN_UNIT_DIR", ROOT / "build" / "rel" / "unit")) / "test_kdf"
    assert unit.exists(), "run `make unit`"
    src = ROOT / "tests" / "vectors" / "tpm-test-vectors"
    vec = tmp_path / "vectors"
    vec.mkdir()
    for f in src.glob("*.json"):
        shutil.copyfile(f, vec / f.name)
    env = {**os.environ, "TMPDIR": str(private_tmp), "TPMRUN_VECTORS": str(vec)}
    ok = subprocess.run([str(unit)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and " 0 failed" in ok.stdout, ok.stdout + ok.stderr
    passed = int(ok.stdout.strip().splitlines()[-1].split()[0])
    assert passed > 1000
    kdfa = json.loads((vec / "kdfa.json").read_text())
    kdfa[5]["Result"] = ("00" if kdfa[5]["Result"][:2] != "00" else "01") + kdfa[5]["Result"][2:]
    (vec / "kdfa.json").write_text(json.dumps(kdfa))
    bad = subprocess.run([str(unit)], capture_output=True, text=True, env=env)
    assert bad.returncode != 0
    assert bad.stdout.strip().endswith(f"{passed - 1} passed, 1 failed")
    assert kdfa[5]["Name"] in bad.stderr
