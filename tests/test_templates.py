"""Named and tpm2-tools style templates make the same keys as tpm2-tools.

Primary keys are derived from the hierarchy seed and the template, so on one
TPM the same template gives the same public area: tpmrun's results must
equal what tpm2_createek / tpm2_createprimary write."""
import os
import subprocess

import pytest

from conftest import ROOT

FIX = ROOT / "tests" / "fixtures"


def tools(tcti, *argv, cwd):
    subprocess.run(argv, check=True, capture_output=True, cwd=cwd, env={**os.environ, "TPM2TOOLS_TCTI": tcti})


@pytest.mark.parametrize("save,argv", [
    ("ek_rsa", ["tpm2_createek", "-G", "rsa", "-c", "-", "-u", "out.pub"]),
    ("ek_ecc", ["tpm2_createek", "-G", "ecc", "-c", "-", "-u", "out.pub"]),
    ("ecc_storage", ["tpm2_createprimary", "-C", "o", "-G", "ecc", "-g", "sha256", "-a",
                     "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin",
                     "-c", "prim.ctx"]),
])
def test_same_public_as_tpm2_tools(tpmrun, shared_swtpm, save, argv):
    tcti, state = shared_swtpm
    p = tpmrun("--tcti", tcti, FIX / "named_templates.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("named_templates")
    step = next(s for s in res["steps"] if s["index"] == {"ek_rsa": 0, "ek_ecc": 1, "ecc_storage": 2}[save])
    ours = bytes.fromhex(step["outputs"]["public"]["hex"])
    tools(tcti, *argv, cwd=state)
    if argv[0] == "tpm2_createprimary":
        tools(tcti, "tpm2_readpublic", "-c", "prim.ctx", "-o", "out.pub", cwd=state)
    theirs = open(f"{state}/out.pub", "rb").read()
    assert ours.hex() == theirs.hex()
    # tpmrun flushed its primaries before tpm2-tools ran (tpm2-tools itself,
    # without a resource manager, leaves its objects loaded)
    assert res["cleanup"]["transient_handles_after"] == 0


# ---- attributes given with a template: the defaults follow them ------------

def run_steps(tpmrun, tmp_path, name, steps):
    f = tmp_path / f"{name}.yaml"
    f.write_text("steps:\n" + steps)
    p = tpmrun(f)
    assert p.returncode == 0, p.stdout + p.stderr
    return tpmrun.result(name)


def test_given_attributes_decide_the_symmetric(tpmrun, tmp_path):
    res = run_steps(tpmrun, tmp_path, "sym_follows", """
  - name: a signing primary gets no symmetric (was aes128cfb, TPM2_RC_SYMMETRIC)
    esapi.create_primary: {template: rsa2048, attributes: "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"}
    save: signer
  - esapi.flush_context: {handle: "${signer}"}
  - esapi.create_primary: {template: ecc256}
    save: parent
  - name: a storage child gets aes128cfb (was null)
    esapi.create: {parent: "${parent}", template: ecc256, attributes: "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|decrypt"}
    save: child
  - esapi.load: {parent: "${parent}", private: "${child.private}", public: "${child.public}"}
""")
    pub = {s.get("name"): s["outputs"].get("public") for s in res["steps"]}
    signer = pub["a signing primary gets no symmetric (was aes128cfb, TPM2_RC_SYMMETRIC)"]["decoded"]
    assert signer["parameters"]["symmetric"] == {"algorithm": "null"}
    child = pub["a storage child gets aes128cfb (was null)"]["decoded"]
    assert child["parameters"]["symmetric"] == {"algorithm": "aes", "keyBits": 128, "mode": "cfb"}


def test_given_attributes_make_the_public_tpm2_tools_makes(tpmrun, shared_swtpm, tmp_path):
    tcti, state = shared_swtpm
    attrs = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"
    f = tmp_path / "sign_primary.yaml"
    f.write_text(f"steps:\n  - esapi.create_primary: {{template: ecc256, attributes: \"{attrs}\"}}\n")
    p = tpmrun("--tcti", tcti, f)
    assert p.returncode == 0, p.stdout + p.stderr
    ours = tpmrun.result("sign_primary")["steps"][0]["outputs"]["public"]["hex"]
    tools(tcti, "tpm2_createprimary", "-C", "o", "-G", "ecc256", "-a", attrs, "-c", "p.ctx", cwd=state)
    tools(tcti, "tpm2_readpublic", "-c", "p.ctx", "-o", "p.pub", cwd=state)
    assert ours == open(f"{state}/p.pub", "rb").read().hex()
    tools(tcti, "tpm2_flushcontext", "-t", cwd=state)


def test_sealed_data_neither_signs_nor_decrypts(tpmrun, tmp_path):
    res = run_steps(tpmrun, tmp_path, "sealed", """
  - esapi.create_primary: {template: ecc256}
    save: parent
  - name: tpm2_create -i
    esapi.create: {parent: "${parent}", template: keyedhash, sensitive_data: my secret}
    save: sealed
  - esapi.load: {parent: "${parent}", private: "${sealed.private}", public: "${sealed.public}"}
  - name: tpm2_import -G keyedhash
    crypto.wrap: {parent: "${parent.public}", template: keyedhash, secret: my secret}
    save: wrapped
  - name: an hmac key keeps sign
    esapi.create: {parent: "${parent}", template: hmac, sensitive_data: "0123456789abcdef"}
""")
    outs = {s.get("name"): s["outputs"] for s in res["steps"]}
    assert outs["tpm2_create -i"]["public"]["decoded"]["attributes"] == "fixedtpm|fixedparent|userwithauth"
    assert outs["tpm2_import -G keyedhash"]["public"]["decoded"]["attributes"] == "userwithauth"
    assert "sign" in outs["an hmac key keeps sign"]["public"]["decoded"]["attributes"]


def test_encrypt_decrypt_on_a_key_without_a_mode_uses_cfb(tpmrun, tmp_path):
    res = run_steps(tpmrun, tmp_path, "no_mode", """
  - esapi.create_primary: {template: ecc256}
    save: parent
  - esapi.create: {parent: "${parent}", template: aes128, sensitive_data: {hex: 000102030405060708090a0b0c0d0e0f}}
    save: k
  - esapi.load: {parent: "${parent}", private: "${k.private}", public: "${k.public}"}
    save: key
  - esapi.encrypt_decrypt: {key: "${key}", data: {hex: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff}}
    save: enc
  - crypto.encrypt: {secret: {hex: 000102030405060708090a0b0c0d0e0f}, mode: cfb, data: {hex: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff}}
    expect: {outputs: {data: "${enc.data}"}}
""")
    assert res["steps"][3]["outputs"]["command"] in ("EncryptDecrypt2", "EncryptDecrypt")
