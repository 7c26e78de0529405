"""The ECC commands (steps/esapi_ecc.c) and OpenSSL's ECDH (crypto.ecdh)
against real swtpms: the scenarios under scenarios/esapi (esapi_ecdh,
esapi_ecc_2phase, esapi_ecdaa_commit, esapi_ecc_parameters) and the
tpm2-tools one (scenarios/interop/ecc_tpm2_tools), read back from their
results, plus generated scenarios for P-384, errors and redaction.

Known answers: NIST P-256 (FIPS 186-4 D.1.2.3 / SEC 2 2.4.2), BN P-256
(TCG Algorithm Registry / ISO/IEC 15946-5), SM2 P-256 (GB/T 32918.5) and
the RFC 5903 section 8.1 ECDH exchange.  The SM2 two-phase exchange is
recomputed here in Python from party B's side (B's private keys are the
RFC 5903 ones), so a wrong Z cannot pass."""
import json
import pathlib
import subprocess

import pytest
import yaml

from conftest import ROOT, TPMRUN

ESAPI = ROOT / "scenarios" / "esapi"
I_PEM = ESAPI / "esapi_ecdh_rfc5903_i.pem"
R_PEM = ESAPI / "esapi_ecdh_rfc5903_r.pem"

# --- P-256 in Python, for the checks only (not constant time, not for keys) ---

P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
A = P - 3
B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b
G = (0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
     0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5)
N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
RFC_I = 0xc88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433
RFC_R = 0xc6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53
RFC_GIR = ("d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de",
           "522bde0af0d8585b8def9c183b5ae38f50235206a8674ecb5d98edb20eb153a2")


def ec_add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    if p[0] == q[0] and (p[1] + q[1]) % P == 0:
        return None
    if p == q:
        lam = (3 * p[0] * p[0] + A) * pow(2 * p[1], -1, P) % P
    else:
        lam = (q[1] - p[1]) * pow(q[0] - p[0], -1, P) % P
    x = (lam * lam - p[0] - q[0]) % P
    return x, (lam * (p[0] - x) - p[1]) % P


def ec_mul(k, p):
    r = None
    while k:
        if k & 1:
            r = ec_add(r, p)
        p = ec_add(p, p)
        k >>= 1
    return r


def on_curve(pt):
    x, y = pt
    return (y * y - (x * x * x + A * x + B)) % P == 0


def pt(decoded):
    return int(decoded["x"], 16), int(decoded["y"], 16)


def avf_sm2(x, w=127):
    """SM2's associated value, GB/T 32918.3: 2^w + (x mod 2^w), w = ceil(ceil(log2 n) / 2) - 1."""
    return (1 << w) + (x & ((1 << w) - 1))


def avf_libtpms_092(x):
    """What libtpms 0.9.2 (swtpm 0.7.1, Debian 12) computes instead, read from
    its CryptEccKeyExchange.c and BnMath.c: w = BnMsb(n) / 2 - 1 = 126 (one
    less than SM2's 127); BnMaskBits(x, 126) keeps 66 bits, not 126 (its
    mask ~0 >> RADIX_MOD(126) keeps the low 2 bits of the top word); and
    BnSetBit's int `1 << 62` sets bit 30 of that word, i.e. bit 94."""
    return (x & ((1 << 66) - 1)) | (1 << 94)


def sm2_z_from_b(qs_a, qe_a, ds_b, de_b, avf):
    """Party B's side of the SM2 exchange: [h tB](QsA + [avf(xeA)]QeA), h = 1."""
    qe_b = ec_mul(de_b, G)
    t_b = (ds_b + avf(qe_b[0]) * de_b) % N
    return ec_mul(t_b, ec_add(qs_a, ec_mul(avf(qe_a[0]), qe_a)))


# --- helpers -------------------------------------------------------------------

def run_ok(tpmrun, *args):
    p = tpmrun(*args)
    assert p.returncode == 0, p.stdout + p.stderr
    return p


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def of_type(res, step_type):
    return [s for s in res["steps"] if s["type"] == step_type]


def saved(res, scenario_path):
    """The result of each step by its `save:` name (results keep no save names)."""
    steps = yaml.safe_load(scenario_path.read_text())["steps"]
    return {st["save"]: res["steps"][k] for k, st in enumerate(steps) if "save" in st}


def write_scenario(directory, name, steps, vars_=""):
    path = pathlib.Path(directory) / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + (f"vars:\n{vars_}" if vars_ else "") + "steps:\n" + steps)
    return path


# --- the scenarios ---------------------------------------------------------------

def test_ecdh_known_answers_and_cross_checks(tpmrun):
    run_ok(tpmrun, "--show-secrets", ESAPI / "esapi_ecdh.yaml")
    res = tpmrun.result("esapi_ecdh")
    rfc = named(res, "RFC 5903 in the TPM")
    # swtpm may answer the first ECDH_ZGen with TPM_RC_RETRY; ESAPI sends it again
    assert {c["command"] for c in rfc["tpm_commands"]} == {"ECDH_ZGen"}
    z = rfc["outputs"]["out_point"]["decoded"]
    assert (z["x"], z["y"]) == RFC_GIR
    # KeyGen's ephemeral point is on the curve and its Z is [i]Qe, in Python too
    kg = named(res, "KeyGen on the RFC key; OpenSSL with i gives its point")
    assert [c["command"] for c in kg["tpm_commands"]] == ["ECDH_KeyGen"]
    qe = pt(kg["outputs"]["pub_point"]["decoded"])
    assert on_curve(qe)
    assert pt(kg["outputs"]["z_point"]["decoded"]) == ec_mul(RFC_I, qe)
    # the TPM's own key: ZGen with r's point is [r] times the key's point
    pub = named(res, "an ECDH key the TPM makes")["outputs"]["public"]["decoded"]
    assert pub["parameters"]["scheme"]["scheme"] == "ecdh" and "decrypt" in pub["attributes"]
    zg = named(res, "the TPM's ZGen with r's point")["outputs"]["out_point"]["decoded"]
    assert pt(zg) == ec_mul(RFC_R, pt(pub["unique"]))
    # auth_fail (session 1); ecc_point (parameter 1); attributes (handle 1) for the signing and the storage key
    codes = [s["rc"]["value"] for s in res["steps"] if "expected_rc" in s]
    assert codes == ["0x0000098e", "0x000001e7", "0x00000182", "0x00000182"]


def test_shared_secrets_redacted(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_ecdh.yaml")
    res = tpmrun.result("esapi_ecdh")
    text = json.dumps(res)
    assert RFC_GIR[0] not in text
    sw = named(res, "RFC 5903 in software, point as x||y")
    assert sw["outputs"]["z"] == sw["outputs"]["z_point"] == sw["inputs"]["key"] == "<redacted>"
    assert sw["outputs"]["key_point"]["decoded"]["x"].startswith("dad0b653")
    for s in of_type(res, "esapi.ecdh_key_gen"):
        assert s["outputs"]["z_point"] == "<redacted>" and "hex" in s["outputs"]["pub_point"]


def test_two_phase(tpmrun):
    run_ok(tpmrun, "--show-secrets", ESAPI / "esapi_ecc_2phase.yaml")
    res = tpmrun.result("esapi_ecc_2phase")
    steps = saved(res, ESAPI / "esapi_ecc_2phase.yaml")
    # ecdh: Z1 = [dsA]QsB = [i]QsA and Z2 = [deA]QeB = [r]QeA, recomputed here
    qs_a = pt(steps["a"]["outputs"]["public"]["decoded"]["unique"])
    qe_a = pt(steps["ea"]["outputs"]["q"]["decoded"])
    z = steps["z"]["outputs"]
    assert pt(z["out_z1"]["decoded"]) == ec_mul(RFC_I, qs_a)
    assert pt(z["out_z2"]["decoded"]) == ec_mul(RFC_R, qe_a)
    # commit counters count up from 0 on a fresh swtpm, one per EC_Ephemeral (up to the failure mode)
    ephemerals = of_type(res, "esapi.ec_ephemeral")
    before = [s["outputs"]["counter"] for s in ephemerals[:ephemerals.index(named(res, "and refuses every command after"))]]
    assert before == list(range(len(before))) and len(before) == 8
    # sm2: party B = (i, r) in Python; standard SM2, or the known libtpms 0.9.2 deviation
    qs_a = pt(steps["sa"]["outputs"]["public"]["decoded"]["unique"])
    qe_a = pt(steps["sea"]["outputs"]["q"]["decoded"])
    got = pt(steps["sz"]["outputs"]["out_z1"]["decoded"])
    standard = sm2_z_from_b(qs_a, qe_a, RFC_I, RFC_R, avf_sm2)
    if got != standard:
        assert got == sm2_z_from_b(qs_a, qe_a, RFC_I, RFC_R, avf_libtpms_092), \
            "SM2 Z is neither GB/T 32918.3's nor libtpms 0.9.2's"
    # ecmqv: the TPM's failure mode, then back after the power cycle
    mqv = [s for s in of_type(res, "esapi.zgen_2phase") if s["inputs"].get("in_scheme") == "ecmqv"][0]
    assert mqv["rc"]["value"] == "0x00000101"
    assert named(res, "and refuses every command after")["rc"]["value"] == "0x00000101"
    assert res["steps"][-1]["rc"]["value"] == "0x00000000"


def test_sm2_standard_formula_is_what_libtpms_is_not():
    """The two avf functions above really differ (else test_two_phase's
    fallback would hide nothing): for the RFC 5903 points they do."""
    gi, gr = ec_mul(RFC_I, G), ec_mul(RFC_R, G)
    assert avf_sm2(gr[0]) != avf_libtpms_092(gr[0])
    assert sm2_z_from_b(gi, gr, RFC_I, RFC_R, avf_sm2) != sm2_z_from_b(gi, gr, RFC_I, RFC_R, avf_libtpms_092)
    # and SM2's own symmetry holds for the standard one: A = (i, r), B = (r, i)
    za = sm2_z_from_b(gr, gi, RFC_I, RFC_R, avf_sm2)
    zb = sm2_z_from_b(gi, gr, RFC_R, RFC_I, avf_sm2)
    assert za == zb


def test_commit(tpmrun):
    run_ok(tpmrun, "--show-secrets", ESAPI / "esapi_ecdaa_commit.yaml")
    res = tpmrun.result("esapi_ecdaa_commit")
    commits = [s for s in of_type(res, "esapi.commit") if s["rc"]["value"] == "0x00000000"]
    assert [s["outputs"]["counter"] for s in commits] == [0, 1, 2]
    c0, c1 = commits[0]["outputs"], commits[1]["outputs"]
    assert on_curve(pt(c0["e"]["decoded"]))
    # K = [i]P2 with P2 = (SHA-256(s2) mod p, y2)
    import hashlib
    x2 = int.from_bytes(hashlib.sha256(b"tpmrun commit 0").digest(), "big") % P
    p2 = (x2, int("ad4eacebad10edb2370728d7c23d01f4dd4d5774972a364af8d5579a43edc184", 16))
    assert on_curve(p2)
    assert pt(c1["k"]["decoded"]) == ec_mul(RFC_I, p2)
    assert c1["l"] == c1["e"] and on_curve(pt(c1["l"]["decoded"]))
    bn = commits[-1]["outputs"]
    assert bn["k"]["hex"] == "000400000000" and len(bn["e"]["decoded"]["x"]) == 64
    assert of_type(res, "esapi.commit")[-1]["rc"]["name"] == "TPM2_RC_SCHEME"



def test_sign_ecdaa_completes_the_commit_it_names(tpmrun, tmp_path):
    """esapi.sign's commit_count is the count of TPMS_SCHEME_ECDAA: each
    commit completes once, in any order (a count sent as 0 would let the
    second signature through and refuse the third)."""
    path = write_scenario(tmp_path, "ecdaa_sign", """\
  - esapi.create_primary: {template: "ecc256:ecdaa", attributes: "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"}
    save: daa
  - esapi.commit: {sign_handle: "${daa}"}
    save: c0
  - esapi.commit: {sign_handle: "${daa}"}
    save: c1
  - name: second
    esapi.sign: {key: "${daa}", digest: {hex: "%s"}, scheme: ecdaa, commit_count: "${c1.counter}"}
  - name: second again
    esapi.sign: {key: "${daa}", digest: {hex: "%s"}, scheme: ecdaa, commit_count: "${c1.counter}"}
    expect: {rc: value}
  - name: first
    esapi.sign: {key: "${daa}", digest: {hex: "%s"}, scheme: ecdaa, commit_count: 0}
""" % (("ab" * 32,) * 3))
    run_ok(tpmrun, "--wire", path)
    res = tpmrun.result("ecdaa_sign")
    assert [s["outputs"]["counter"] for s in of_type(res, "esapi.commit")] == [0, 1]
    second = named(res, "second")
    assert second["outputs"]["signature"]["decoded"]["sigAlg"] in ("ecdaa", "TPM2_ALG_ECDAA")
    # TPMT_SIG_SCHEME in the command: ECDAA (001a), SHA-256 (000b), count 1
    assert "001a000b0001" in second["tpm_commands"][0]["command_hex"]
    assert named(res, "first")["rc"]["value"] == "0x00000000"
    bad = write_scenario(tmp_path, "ecdaa_bad", """\
  - esapi.create_primary: {template: "ecc256:ecdsa"}
    save: k
  - esapi.sign: {key: "${k}", digest: {hex: "%s"}, scheme: ecdsa, commit_count: 1}
""" % ("ab" * 32))
    p = tpmrun(bad)
    assert p.returncode == 1
    assert "commit_count goes with scheme ecdaa" in tpmrun.result("ecdaa_bad")["steps"][1]["message"]


def test_ecdh_zgen_with_a_public_area(tpmrun, tmp_path):
    """public: the other party's TPM2B_PUBLIC instead of a point: the RFC 5903
    exchange (i in the TPM, r's public area) gives g^ir, two TPM keys agree
    both ways, and an RSA public area is refused with a message."""
    (tmp_path / "i.pem").write_bytes(I_PEM.read_bytes())
    (tmp_path / "r.pem").write_bytes(R_PEM.read_bytes())
    path = write_scenario(tmp_path, "zgen_public", """\
  - esapi.load_external: {key: {file: i.pem}, template: "ecc256:ecdh", attributes: "userwithauth|decrypt"}
    save: i
  - esapi.load_external: {key: {file: r.pem}, template: "ecc256:ecdh", attributes: "userwithauth|decrypt", with_private: false}
    save: r
  - name: rfc
    esapi.ecdh_zgen: {key: "${i}", public: "${r.public}"}
  - esapi.flush_context: {handle: "${r}"}
  - esapi.create_primary: {template: "ecc256:ecdh", attributes: "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt"}
    save: b
  - name: a with b
    esapi.ecdh_zgen: {key: "${i}", public: "${b.public}"}
  - name: b with a
    esapi.ecdh_zgen: {key: "${b}", public: "${i.public}"}
""")
    run_ok(tpmrun, "--show-secrets", path)
    res = tpmrun.result("zgen_public")
    rfc = named(res, "rfc")["outputs"]["out_point"]["decoded"]
    assert (rfc["x"], rfc["y"]) == RFC_GIR
    assert named(res, "a with b")["outputs"]["out_point"] == named(res, "b with a")["outputs"]["out_point"]
    bad = write_scenario(tmp_path, "zgen_rsa", """\
  - esapi.create_primary: {template: "ecc256:ecdh", attributes: "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt"}
    save: b
  - esapi.create_primary: {template: "rsa1024:null:aes128cfb"}
    save: rsa
  - esapi.ecdh_zgen: {key: "${b}", public: "${rsa.public}"}
""")
    assert tpmrun(bad).returncode == 1
    assert "not an ECC key's public area" in tpmrun.result("zgen_rsa")["steps"][2]["message"]
    both = write_scenario(tmp_path, "zgen_both", """\
  - esapi.create_primary: {template: "ecc256:ecdh"}
    save: b
  - esapi.ecdh_zgen: {key: "${b}", public: "${b.public}", in_point: {hex: "000400000000"}}
""")
    p = tpmrun("--check", both)
    assert p.returncode == 2 and "exactly one of" in p.stderr

def test_ecc_parameters(tpmrun):
    run_ok(tpmrun, ESAPI / "esapi_ecc_parameters.yaml")
    res = tpmrun.result("esapi_ecc_parameters")
    params = [s["outputs"]["parameters"]["decoded"] for s in of_type(res, "esapi.ecc_parameters")
              if s["rc"]["value"] == "0x00000000"]
    p256, _, _, bn, sm2 = params
    assert p256 == {
        "curveID": "nist_p256", "keySize": 256,
        "kdf": {"scheme": "kdf1_sp800_56a", "hashAlg": "sha256"}, "sign": {"scheme": "null"},
        "p": f"{P:064x}", "a": f"{A:064x}", "b": f"{B:064x}", "gX": f"{G[0]:064x}", "gY": f"{G[1]:064x}",
        "n": f"{N:064x}", "h": "01"}
    assert bn["curveID"] == "bn_p256" and bn["keySize"] == 256
    assert bn["p"] == "fffffffffffcf0cd46e5f25eee71a49f0cdc65fb12980a82d3292ddbaed33013"
    assert bn["n"] == "fffffffffffcf0cd46e5f25eee71a49e0cdc65fb1299921af62d536cd10b500d"
    assert int(bn["a"], 16) == 0 and int(bn["b"], 16) == 3 and int(bn["gX"], 16) == 1 and int(bn["gY"], 16) == 2
    assert sm2["curveID"] == "sm2_p256" and sm2["kdf"] == {"scheme": "kdf1_sp800_56a", "hashAlg": "sm3_256"}
    assert sm2["p"] == "fffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffff"
    assert sm2["b"] == "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93"
    assert sm2["n"] == "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123"
    assert sm2["gX"] == "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7"
    assert of_type(res, "esapi.ecc_parameters")[-1]["rc"]["value"] == "0x000001e6"     # TPM_RC_CURVE, parameter 1


def test_tpm2_tools_interop(tpmrun):
    run_ok(tpmrun, ROOT / "scenarios" / "interop" / "ecc_tpm2_tools.yaml")
    res = tpmrun.result("ecc_tpm2_tools")
    assert res["cleanup"]["loaded_sessions_after"] == 0 and res["cleanup"]["transient_handles_after"] == 0
    q = [s for s in of_type(res, "file.read") if s["inputs"]["as"] == "TPM2B_ECC_POINT"][0]
    assert on_curve(pt(q["outputs"]["data"]["decoded"]))


# --- generated scenarios ---------------------------------------------------------

def test_p384_zgen_is_openssl_ecdh(tpmrun, tmp_path):
    """A P-384 key in the TPM and a P-384 key from openssl genpkey: 48-byte
    coordinates, and the same shared point both ways."""
    pem = subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
                         capture_output=True, check=True).stdout
    (tmp_path / "p384.pem").write_bytes(pem)
    path = write_scenario(tmp_path, "ecc_p384", """\
  - esapi.create_primary: {template: "ecc384:ecdh"}
    save: k
  - crypto.ecdh: {key: {file: p384.pem}, public: "${k.public}"}
    save: sw
  - esapi.ecdh_zgen: {key: "${k}", in_point: "${sw.key_point}"}
    save: zg
  - assert.equal: {actual: "${zg.out_point}", expected: "${sw.z_point}"}
  - esapi.ecdh_key_gen: {key: "${k}"}
    save: kg
  - esapi.ecdh_zgen: {key: "${k}", in_point: "${kg.pub_point}"}
    expect: {outputs: {out_point: "${kg.z_point}"}}
  - name: a P-256 point on a P-384 key
    esapi.ecdh_zgen: {key: "${k}", in_point: {hex: "00440020d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63002056fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab"}}
    expect: {rc: ecc_point}
  - esapi.ec_ephemeral: {curve_id: nist_p384}
    save: e
""")
    run_ok(tpmrun, "--show-secrets", path)
    res = tpmrun.result("ecc_p384")
    sw = res["steps"][1]["outputs"]
    assert len(sw["z"]["hex"]) == 96 and sw["z_point"]["decoded"]["x"] == sw["z"]["hex"]
    assert len(res["steps"][-1]["outputs"]["q"]["decoded"]["y"]) == 96


@pytest.mark.parametrize("args, message", [
    ('key: {file: pub.pem}, point: "${p}"', "`key` is a public key; ECDH needs the private key"),
    ('key: {file: rsa.pem}, point: "${p}"', "ECDH needs an EC key, not RSA"),
    ('key: {file: i.pem}, point: {hex: "0102"}', "point: 2 bytes are neither a TPM2B_ECC_POINT nor x||y of 32 bytes each"),
    ('key: {file: i.pem}, point: {hex: "0006000101000101"}', "the point is not on the key's curve"),
    ('key: {file: i.pem}, public: "${rsa.public}"', "public: not an ECC public area"),
])
def test_crypto_ecdh_errors(tpmrun, tmp_path, args, message):
    (tmp_path / "i.pem").write_bytes(I_PEM.read_bytes())
    (tmp_path / "pub.pem").write_bytes(subprocess.run(["openssl", "pkey", "-in", I_PEM, "-pubout"],
                                                      capture_output=True, check=True).stdout)
    (tmp_path / "rsa.pem").write_bytes((ESAPI / "esapi_rsa_import_key.pem").read_bytes())
    path = write_scenario(tmp_path, "ecdh_error", f"""\
  - esapi.load_external: {{key: {{file: rsa.pem}}, with_private: false}}
    save: rsa
  - crypto.ecdh: {{{args}}}
""", vars_='  p: {hex: "00440020d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63'
                '002056fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab"}\n')
    p = tpmrun(path)
    assert p.returncode == 1, p.stdout + p.stderr
    res = tpmrun.result("ecdh_error")
    assert message in res["steps"][-1]["message"], res["steps"][-1]["message"]


def test_curve_words_in_schema():
    schema = json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())
    text = json.dumps(schema)
    assert '"sm2_p256"' in text and '"bn_p638"' in text and '"ecmqv"' in text
    out = subprocess.run([TPMRUN, "--list-steps", "-v", "esapi.ec_ephemeral", "esapi.zgen_2phase"],
                         capture_output=True, text=True, check=True).stdout
    assert "curve_id             curve" in out and "in_scheme            key-exchange" in out
