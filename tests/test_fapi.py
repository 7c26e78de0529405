"""FAPI: the example scenarios' key results checked outside tpmrun (openssl,
known answers), private keystores that never meet, no use of the user's or
the system's FAPI directories, the auth callback, the `fapi:` section, and
FAPI beside ESAPI and tpm2-tools on one swtpm connection."""
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import jsonschema
import pytest

from conftest import ROOT, TPMRUN, Tpmrun, swtpm_processes_under

FAPI_DIR = ROOT / "scenarios" / "fapi"
RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())
FFF = hashlib.sha256(b"fff").digest()


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    """One run of scenarios/fapi (-j 4), with HOME in a temporary directory."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-test-"))
    home = tmp_path_factory.mktemp("home")
    run = Tpmrun(tmp, tmp_path_factory.mktemp("results"))
    # 18 scenarios: under ASan with full unwinding (FAPI mallocs a lot) on a busy machine, 300 s is not enough
    proc = run("-j", "4", FAPI_DIR, env={"HOME": str(home)}, timeout=900)
    leftovers, procs = list(tmp.iterdir()), swtpm_processes_under(tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    assert not leftovers and not procs, (leftovers, procs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert list(home.iterdir()) == [], "FAPI wrote into HOME"
    return run, tmp


def steps_of(res, step_type):
    return [s for s in res["steps"] if s["type"] == step_type]


def openssl_verify(tmp, pem, digest, sig):
    """openssl checks an RSASSA-PKCS1-v1_5 SHA-256 signature."""
    (tmp / "pub.pem").write_text(pem)
    (tmp / "digest.bin").write_bytes(digest)
    (tmp / "sig.bin").write_bytes(sig)
    return subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp / "pub.pem", "-in",
                           tmp / "digest.bin", "-sigfile", tmp / "sig.bin", "-pkeyopt", "digest:sha256",
                           "-pkeyopt", "rsa_padding_mode:pkcs1"], capture_output=True, text=True)


def test_every_example_passes_with_a_private_keystore(examples):
    run, tmp = examples
    ids = sorted(p.stem for p in FAPI_DIR.glob("*.yaml"))
    keystores = set()
    for sid in ids:
        res = run.result(sid)
        jsonschema.validate(res, RESULTS_SCHEMA)
        assert res["status"] == "passed", (sid, res.get("message"))
        fapi = res["fapi"]
        # config, keystores and log in the scenario's work directory under our TMPDIR
        for path in (fapi["config"], fapi["keystore"]["user"], fapi["keystore"]["system"], fapi["log_dir"]):
            assert path.startswith(str(tmp) + "/tpmrun-work-"), path
        keystores.add(fapi["keystore"]["system"])
        assert res["cleanup"]["transient_handles_after"] == 0
        assert res["cleanup"]["loaded_sessions_after"] == 0
    assert len(keystores) == len(ids)
    for sid in ("fapi_create_sign", "fapi_seal_unseal", "fapi_import_tpm2", "fapi_export_tpm2", "fapi_auth",
                "fapi_pcr", "fapi_encrypt_decrypt", "fapi_import_sign"):
        assert run.result(sid)["fapi"]["profile"] == "P_RSA2048SHA256"


def test_fapi_commands_are_recorded(examples):
    run, _ = examples
    res = run.result("fapi_create_sign")
    sign = steps_of(res, "fapi.sign")[0]
    assert "Sign" in [c["command"] for c in sign["tpm_commands"]]
    assert sign["tpm_ms"] > 0
    prov = steps_of(res, "fapi.provision")[0]
    assert [c["command"] for c in prov["tpm_commands"]].count("CreatePrimary") == 2    # EK and SRK
    assert "EvictControl" in [c["command"] for c in prov["tpm_commands"]]


@pytest.mark.parametrize("sid", ["fapi_create_sign", "fapi_import_tpm2", "fapi_pcr", "fapi_auth"])
def test_rsassa_signature_verifies_with_openssl(examples, sid, tmp_path):
    run, _ = examples
    sign = steps_of(run.result(sid), "fapi.sign")[0]
    assert sign["inputs"]["digest"]["hex"] == FFF.hex()
    sig = bytes.fromhex(sign["outputs"]["signature"]["hex"])
    pem = sign["outputs"]["public_key"]
    assert len(sig) == 256
    ok = openssl_verify(tmp_path, pem, FFF, sig)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = openssl_verify(tmp_path, pem, hashlib.sha256(b"ffg").digest(), sig)
    assert bad.returncode != 0
    # the TPMT_SIGNATURE tpmrun rebuilds carries the same bytes
    ts = sign["outputs"]["tpm_signature"]
    assert ts["decoded"]["sigAlg"] == "rsassa"
    assert ts["hex"].endswith(sig.hex())


def test_import_sign_matches_the_pem_key(examples):
    run, _ = examples
    res = run.result("fapi_import_sign")
    imp = steps_of(res, "fapi.import")[0]
    assert imp["inputs"]["pem"] == "<redacted>"
    assert imp["outputs"]["kind"] == "private key"
    # the imported public key is the example key's modulus
    modulus = imp["outputs"]["public"]["decoded"]["unique"]["n"]
    assert modulus.startswith("ce1d6d34c4a60da74c6f81b5036de743c860d5e9")
    assert set(imp["outputs"]) == {"path", "created", "public", "kind"}   # nothing secret comes out


def test_export_hands_blobs_to_tpm2_tools(examples):
    run, _ = examples
    res = run.result("fapi_export_tpm2")
    ex = steps_of(res, "exec")[0]
    assert ex["outputs"]["exit"] == 0
    assert "tpm2_load" in ex["inputs"]["command"]
    blobs = steps_of(res, "fapi.get_tpm_blobs")[0]["outputs"]
    assert blobs["public"]["decoded"]["attributes"] == "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign"
    tools_sig = steps_of(res, "file.read")[0]["outputs"]["data"]["hex"]
    fapi_sig = steps_of(res, "fapi.sign")[0]["outputs"]["signature"]["hex"]
    assert tools_sig.endswith(fapi_sig)


def test_seal_unseal_fails_after_pcr0_extend(examples):
    run, _ = examples
    res = run.result("fapi_seal_unseal")
    unseals = steps_of(res, "fapi.unseal")
    assert unseals[0]["outputs"]["data"] == "<redacted>"       # the secret stays out of the results
    assert unseals[0]["rc"]["value"] == "0x00000000"       # success is an rc too
    assert unseals[1]["rc"]["name"] == "TPM2_RC_VALUE"
    assert "PolicyPCR" in [c["command"] for c in unseals[1]["tpm_commands"]]
    # FAPI 3.2 leaves the loaded seal object behind; the proxy saw FAPI load it, and flushed it
    assert unseals[1]["flushed_left_loaded"] == [{"handle": "0x80000001", "kind": "object", "client": "fapi"}]
    assert res["cleanup"]["transient_handles_after"] == 0


def test_pcr_policy_digest_is_the_known_answer(examples):
    run, _ = examples
    res = run.result("fapi_pcr")
    key = steps_of(res, "fapi.create_key")[0]["outputs"]["public"]["decoded"]
    pcr_digest = hashlib.sha256(bytes(32)).digest()
    sel = bytes.fromhex("00000001000b03010000")     # sha256: PCR 0
    want = hashlib.sha256(bytes(32) + bytes.fromhex("0000017f") + sel + pcr_digest).hexdigest()
    assert key["authPolicy"] == want
    assert "adminwithpolicy" in key["attributes"] and "userwithauth" not in key["attributes"]
    exported = steps_of(res, "fapi.export_policy")[0]["outputs"]["policy"]
    assert exported["policyDigests"] == [{"hashAlg": "SHA256", "digest": want}]
    assert steps_of(res, "crypto.policy_digest")[0]["outputs"]["digest"]["hex"] == want


def test_nv_indices(examples):
    run, _ = examples
    reads = [s["outputs"]["data"]["hex"] for s in steps_of(run.result("fapi_nv"), "fapi.nv_read") if "outputs" in s
             and "data" in s["outputs"]]
    assert reads[0] == b"hello nv".hex() and reads[1] == "00010203"
    assert reads[2] == "0000000000000105"                   # bits 0x5 | 0x100
    assert reads[3:5] == ["0000000000000001", "0000000000000002"]    # a fresh TPM's counter
    assert reads[5] == hashlib.sha256(bytes(32) + b"event").hexdigest()


def test_auth_callback_answers_and_wrong_password_fails(examples):
    run, _ = examples
    res = run.result("fapi_auth")
    signs = steps_of(res, "fapi.sign")
    assert signs[0]["fapi"]["auth_asked"] == ["P_RSA2048SHA256/HS/SRK/sign1"]
    assert "auth_missing" not in signs[0]["fapi"]
    assert signs[1]["rc"]["name"] == "TPM2_RC_AUTH_FAIL"
    assert steps_of(res, "fapi.decrypt")[0]["outputs"]["plaintext"]["text"] == "foo"
    assert all(s["inputs"]["auth"] == "<redacted>" for s in steps_of(res, "fapi.set_auth"))


def test_quote_binds_nonce_and_pcr(examples):
    run, _ = examples
    res = run.result("fapi_quote")
    pcr16 = bytes.fromhex(steps_of(res, "fapi.pcr_read")[0]["outputs"]["value"]["hex"])
    attest = steps_of(res, "fapi.quote")[0]["outputs"]["quote_info"]["attest"]
    assert attest["extraData"] == "00112233445566778899aabbccddeeff00112233"
    assert attest["attested"]["pcrDigest"] == hashlib.sha256(pcr16).hexdigest()
    log = steps_of(res, "fapi.quote")[0]["outputs"]["pcr_log"]
    assert log[0]["pcr"] == 16 and log[0]["sub_event"]["event"] == {"test": "fapi_quote"}


def test_ek_certificate_names_the_ek(examples, tmp_path):
    run, _ = examples
    res = run.result("fapi_ek_cert")
    ek = steps_of(res, "fapi.provision")[0]["outputs"]["ek_public"]["decoded"]
    # FAPI took the certificate from the file tpmrun wrote from NV 0x01c00002
    prov_cmds = [c["command"] for c in steps_of(res, "fapi.provision")[0]["tpm_commands"]]
    assert prov_cmds[:3] == ["NV_ReadPublic", "NV_ReadPublic", "NV_Read"]
    cert = steps_of(res, "fapi.get_certificate")[0]["outputs"]["certificate"]
    (tmp_path / "ek.pem").write_text(cert)
    x509 = subprocess.run(["openssl", "x509", "-in", tmp_path / "ek.pem", "-noout", "-modulus", "-issuer"],
                          capture_output=True, text=True, check=True).stdout
    assert f"Modulus={ek['unique']['n'].upper()}" in x509
    assert "swtpm-localca" in x509
    assert steps_of(res, "exec")[0]["outputs"]["stdout"].strip() == f"Modulus={ek['unique']['n'].upper()}"


def test_provisioning_wants_a_certificate_unless_ek_cert_less(tpmrun, tmp_path):
    (tmp_path / "nocert.yaml").write_text("""\
fapi: {profile: P_ECCP256SHA256, ek_cert_less: false}
steps:
  - fapi.provision:
    expect: {rc: TSS2_FAPI_RC_NO_CERT}
""")
    p = tpmrun(tmp_path / "nocert.yaml")
    assert p.returncode == 0, p.stdout + p.stderr


ECC_KEYSTORE = """\
scenario: {sid}
fapi: {{profile: P_ECCP256SHA256}}
steps:
  - fapi.provision:
  - fapi.create_key: {{path: /HS/SRK/{key}, type: sign}}
  - fapi.list: {{search_path: /HS/SRK}}
    expect: {{outputs: {{paths: [/P_ECCP256SHA256/HS/SRK, /P_ECCP256SHA256/HS/SRK/{key}]}}}}
"""


def test_parallel_keystores_never_meet(tpmrun, tmp_path):
    for sid, key in (("ks_a", "only_a"), ("ks_b", "only_b")):
        (tmp_path / f"{sid}.yaml").write_text(ECC_KEYSTORE.format(sid=sid, key=key))
    p = tpmrun("-j", "2", tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    a, b = tpmrun.result("ks_a"), tpmrun.result("ks_b")
    assert a["fapi"]["keystore"] != b["fapi"]["keystore"]
    assert a["fapi"]["config"] != b["fapi"]["config"]
    assert a["tpm"]["tcti"] != b["tpm"]["tcti"]
    # each list holds its own key only (the expect above checks it too)
    assert steps_of(a, "fapi.list")[0]["outputs"]["paths"][-1].endswith("/only_a")
    assert steps_of(b, "fapi.list")[0]["outputs"]["paths"][-1].endswith("/only_b")


def test_no_user_or_system_fapi_directories(tpmrun, tmp_path):
    if subprocess.run(["strace", "-qq", "-o", "/dev/null", "true"], capture_output=True).returncode != 0:
        pytest.skip("strace cannot trace here")
    home = tmp_path / "home"
    home.mkdir()
    trace = tmp_path / "trace"
    scen = tmp_path / "uses_fapi.yaml"
    scen.write_text(ECC_KEYSTORE.format(sid="uses_fapi", key="k") +
                    "  - exec: {argv: [tss2_list, --searchPath, /HS/SRK]}\n"
                    "    expect: {outputs: {stdout: /P_ECCP256SHA256/HS/SRK:/P_ECCP256SHA256/HS/SRK/k}}\n")
    tpmrun_bin = os.environ.get("TPMRUN", str(ROOT / "tpmrun"))
    p = subprocess.run(["strace", "-f", "-qq", "-e", "trace=%file", "-o", str(trace), tpmrun_bin,
                        "--results", str(tpmrun.results), str(scen)],
                       capture_output=True, text=True, env=tpmrun.env({"HOME": str(home), "ASAN_OPTIONS": "detect_leaks=0"}), cwd=ROOT,
                       timeout=120)     # (LeakSanitizer cannot run under ptrace)
    assert p.returncode == 0, p.stdout + p.stderr
    calls = trace.read_text()
    for forbidden in ("/etc/tpm2-tss/fapi-config.json", "/var/lib/tpm2-tss", "/.local/share/tpm2-tss",
                      "/run/tpm2-tss"):
        assert forbidden not in calls, [line for line in calls.splitlines() if forbidden in line][:3]
    assert list(home.iterdir()) == []
    # tpmrun and the tss2 tool (TSS2_FAPICONF) read the config in the scenario's work directory
    config = tpmrun.result("uses_fapi")["fapi"]["config"]
    assert calls.count(f'"{config}"') >= 2


def test_missing_password_is_a_clear_error_not_a_hang(tpmrun, tmp_path):
    (tmp_path / "nopw.yaml").write_text("""\
fapi: {profile: P_ECCP256SHA256}
steps:
  - fapi.provision:
  - fapi.create_key: {path: /HS/SRK/locked, type: sign, auth: secret}
  - fapi.sign: {path: /HS/SRK/locked, digest: {hex: "%s"}}
""" % FFF.hex())
    p = tpmrun(tmp_path / "nopw.yaml", timeout=30)
    assert p.returncode == 1
    res = tpmrun.result("nopw")
    step = res["steps"][2]
    assert step["status"] == "failed"
    assert "'P_ECCP256SHA256/HS/SRK/locked'" in step["message"] and "fapi.set_auth" in step["message"]
    assert step["fapi"]["auth_missing"] == ["P_ECCP256SHA256/HS/SRK/locked"]
    assert step["duration_ms"] < 5000
    assert res["cleanup"]["transient_handles_after"] == 0


@pytest.mark.parametrize("section,message", [
    ("fapi: {profile: P_RSA2048SHA265}", "3:17: error: unknown FAPI profile 'P_RSA2048SHA265' (not in "
     "/etc/tpm2-tss/fapi-profiles) (did you mean 'P_RSA2048SHA256'?)"),
    ("fapi: {profile: P_missing.json}", "cannot read the FAPI profile file"),
    ("fapi: {profile: ./my.json}", "FAPI takes profile files named P_<name>.json"),
    ("fapi: {profiel: P_ECCP256SHA256}", "3:8: error: unknown key 'profiel' in fapi (did you mean 'profile'?)"),
    ("fapi: {ek_cert_less: yes}", "3:22: error: fapi.ek_cert_less must be true or false"),
    ("fapi: {system_pcrs: [0, 24]}", "3:25: error: fapi.system_pcrs: a PCR number is 0 to 23"),
    ("fapi: {system_pcrs: 'sha257:0'}", "fapi.system_pcrs: "),
    ("fapi: P_ECCP256SHA256", "3:7: error: fapi must be a mapping"),
    ("fapi: {ek_cert: true, ek_cert_less: true}", "3:37: error: fapi.ek_cert: true provisions with the EK "
     "certificate; ek_cert_less cannot be true with it"),
])
def test_fapi_section_errors(tpmrun, tmp_path, section, message):
    f = tmp_path / "bad.yaml"
    f.write_text(f"scenario: bad\n# the fapi section\n{section}\nsteps:\n  - fapi.provision:\n")
    p = tpmrun("--check", f)
    assert p.returncode == 2
    assert message in p.stderr, p.stderr


def test_profile_file_next_to_the_scenario(tpmrun, tmp_path):
    # Debian's profiles have trailing commas (json-c takes them): copied as they are
    profile = pathlib.Path("/etc/tpm2-tss/fapi-profiles/P_ECCP256SHA256.json").read_text()
    assert '"system,restricted,decrypt,0x81000001"' in profile
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "P_MY_ECC.json").write_text(profile.replace("0x81000001", "0x81000005"))
    (tmp_path / "own_profile.yaml").write_text("""\
fapi: {profile: profiles/P_MY_ECC.json, system_pcrs: [0, 7]}
steps:
  - fapi.provision:
  - fapi.get_esys_blob: {path: /HS/SRK}
    save: srk
  - fapi.list:
""")
    p = tpmrun(tmp_path / "own_profile.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("own_profile")
    assert res["fapi"]["profile"] == "P_MY_ECC"
    assert res["fapi"]["profile_dir"].endswith("/fapi/profiles")
    assert steps_of(res, "fapi.get_esys_blob")[0]["outputs"]["handle"]["handle"] == "0x81000005"
    assert all(path.startswith("/P_MY_ECC/") for path in steps_of(res, "fapi.list")[0]["outputs"]["paths"])


BLOBS_AND_PROGRAMS = """\
fapi: {profile: P_ECCP256SHA256}
vars:
  digest: {hex: "%s"}
steps:
  - fapi.provision:
  - name: an ECC key made by tpm2-tools under FAPI's persistent SRK
    exec:
      command: tpm2_create -C 0x81000001 -G ecc256:ecdsa -u key.pub -r key.priv -Q && tpm2_flushcontext -t
  - file.read: {path: key.pub, as: TPM2B_PUBLIC}
    save: pub
  - file.read: {path: key.priv, as: TPM2B_PRIVATE}
    save: priv
  - fapi.import: {path: /HS/SRK/tools_key, public: "${pub}", private: "${priv}"}
    save: key
    expect: {outputs: {kind: key}}
  - fapi.sign: {path: "${key}", digest: "${digest}"}
    save: sig
  - crypto.verify: {public: "${pub}", digest: "${digest}", signature: "${sig.tpm_signature}"}
  - fapi.get_esys_blob: {path: "${key}"}
    save: loaded
  - name: the connection goes to tss2_list and comes back
    exec: {argv: [tss2_list, --searchPath, /HS/SRK]}
    expect: {outputs: {stdout: "/P_ECCP256SHA256/HS/SRK:/P_ECCP256SHA256/HS/SRK/tools_key"}}
  - name: the ESAPI object is still usable after the programs
    esapi.sign: {key: "${loaded}", digest: "${digest}", scheme: ecdsa}
    save: esig
  - crypto.verify: {public: "${pub}", digest: "${digest}", signature: "${esig}"}
  - name: and FAPI is back too
    fapi.sign: {path: "${key}", digest: "${digest}"}
  - name: an ECC private key as PEM
    fapi.import: {path: /HS/SRK/pem_key, pem: {file: ec.pem}}
    save: pem_key
  - fapi.sign: {path: "${pem_key}", digest: "${digest}"}
    save: psig
  - crypto.verify: {public: "${pem_key.public}", digest: "${digest}", signature: "${psig.tpm_signature}"}
"""


def test_tpm2_tools_blobs_pem_import_and_programs_in_between(tpmrun, tmp_path):
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                    tmp_path / "ec.pem"], check=True, capture_output=True)
    (tmp_path / "programs.yaml").write_text(BLOBS_AND_PROGRAMS % FFF.hex())
    p = tpmrun(tmp_path / "programs.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("programs")
    jsonschema.validate(res, RESULTS_SCHEMA)
    # the PEM key is the one OpenSSL made
    pub = subprocess.run(["openssl", "pkey", "-in", tmp_path / "ec.pem", "-pubout", "-outform", "DER"],
                         capture_output=True, check=True).stdout
    x = steps_of(res, "fapi.import")[1]["outputs"]["public"]["decoded"]["unique"]["x"]
    assert x in pub[-64:].hex()
    assert res["cleanup"]["flushed"] == 1      # the key fapi.get_esys_blob loaded
    assert res["cleanup"]["transient_handles_after"] == 0


def test_encrypted_pem_is_refused_without_a_prompt(tpmrun, tmp_path):
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-aes-128-cbc", "-pass", "pass:x", "-out", tmp_path / "enc.pem"], check=True, capture_output=True)
    (tmp_path / "encpem.yaml").write_text("""\
fapi: {profile: P_ECCP256SHA256}
steps:
  - fapi.provision:
  - fapi.import: {path: /HS/SRK/k, pem: {file: enc.pem}}
""")
    p = subprocess.run([os.environ.get("TPMRUN", str(ROOT / "tpmrun")), "--results", str(tpmrun.results),
                        tmp_path / "encpem.yaml"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       env=tpmrun.env(), timeout=30)
    assert p.returncode == 1
    msg = tpmrun.result("encpem")["failed_step"]["message"]
    assert msg.startswith("pem: not an unencrypted PEM private key"), msg


def test_libtss2_fapi_is_loaded_only_by_scenarios_that_use_it():
    """tpmrun does not link libtss2-fapi (and the forty libraries it pulls
    in: curl, gnutls, krb5 ...): engine/run/fapi_lazy.c loads it on first use."""
    libs = subprocess.run(["ldd", TPMRUN], capture_output=True, text=True, check=True).stdout
    assert "libtss2-esys" in libs
    assert "libtss2-fapi" not in libs and "libcurl" not in libs and "libkrb5" not in libs
