"""exec, file.write and file.read: other programs on the scenario's TPM.

Real swtpm, real tpm2-tools: a value made by one side is checked by the
other (names, public areas, signatures), and the process hygiene of exec
(exit status, timeout, process group, descriptors, environment) is checked
from outside, through /proc."""
import pathlib
import signal
import subprocess
import textwrap
import time

import pytest

from conftest import TPMRUN

STORAGE = "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"


def run(tpmrun, tmp_path, text, *args, name="t"):
    """Writes scenario `name` and runs it; returns (process, results)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + textwrap.dedent(text))
    p = tpmrun(*args, path)
    res_file = tpmrun.results / f"{name}.json"
    return p, (tpmrun.result(name) if res_file.exists() else None)


def steps_by_name(res):
    return {s["name"]: s for s in res["steps"] if "name" in s}


def pid_alive(pid):
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# ---- exit status -------------------------------------------------------------------

def test_exit_status_and_expect_exit(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - name: zero
            exec: {argv: ["true"]}
          - name: three expected
            exec: {command: "exit 3"}
            expect: {exit: 3}
          - name: signal
            exec: {command: "kill -TERM $$"}
            expect: {exit: 143}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(res)
    assert s["zero"]["outputs"]["exit"] == 0
    assert s["three expected"]["outputs"]["exit"] == 3 and s["three expected"]["expected_exit"] == 3
    assert s["signal"]["outputs"]["exit"] == 128 + 15


@pytest.mark.parametrize("step,message", [
    ('exec: {command: "echo progress; echo \'tpm2_x: ERROR: it broke\' >&2; exit 4"}',
     "exit status 4, expected 0: tpm2_x: ERROR: it broke"),
    ('exec: {argv: ["true"]}\n    expect: {exit: 2}', "exit status 0, expected 2"),
    ('exec: {argv: [no-such-program-for-tpmrun]}',
     "cannot run 'no-such-program-for-tpmrun': No such file or directory"),
])
def test_exec_failures_name_the_cause(tpmrun, tmp_path, step, message):
    p, res = run(tpmrun, tmp_path, f"steps:\n  - {step}\n  - esapi.get_random: {{bytes: 4}}\n")
    assert p.returncode == 1
    assert res["failed_step"]["index"] == 0
    assert res["failed_step"]["message"].startswith(message), res["failed_step"]["message"]
    assert len(res["steps"]) == 1


@pytest.mark.parametrize("text,error", [
    ('  - esapi.get_random: {bytes: 4}\n    expect: {exit: 0}', "esapi.get_random runs no program: expect.exit is for exec steps"),
    ('  - exec: {argv: ["true"]}\n    expect: {exit: 256}', "expect.exit must be an exit status 0..255"),
    ('  - exec: {argv: "true"}', "'argv' expects a list of strings, not a string"),
    ('  - exec: {argv: [echo, {a: b}]}', "'argv': items must be strings, not a mapping"),
    ('  - exec: {argv: [echo, "${nothing}"]}', "undefined reference 'nothing'"),
    ('  - exec: {argv: ["true"], env: [A]}', "'env' expects a mapping of names to strings, not a list"),
    ('  - exec: {argv: ["true"]}\n    sessions: [password]', "exec sends no TPM command: it takes no sessions"),
    ('  - file.read: {path: x, as: TPM2B_PUBLICC}', "unknown structure 'TPM2B_PUBLICC'"),
])
def test_load_time_errors(tpmrun, tmp_path, text, error):
    path = tmp_path / "bad.yaml"
    path.write_text("steps:\n" + text + "\n")
    p = tpmrun("--check", path)
    assert p.returncode == 2
    assert error in p.stderr, p.stderr


# ---- output, input, environment, descriptors --------------------------------------------

def test_stdout_stderr_stdin_captured(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        vars:
          word: tpm
        steps:
          - name: both
            exec: {command: "echo out; echo err >&2; printf 'no newline'"}
          - name: stdin
            exec: {argv: [cat], stdin: {hex: "00ff10"}}
          - name: text stdin
            exec: {argv: [tr, a-z, A-Z], stdin: "hello ${word}"}
          - name: big
            exec: {command: "head -c 3000000 /dev/zero | tr '\\\\0' x; echo tail >&2"}
          - name: no shell for argv
            exec: {argv: [echo, "$HOME", ";", "*"]}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(res)
    assert s["both"]["outputs"]["stdout"] == "out\nno newline"
    assert s["both"]["outputs"]["stderr"] == "err\n"
    assert s["stdin"]["outputs"]["stdout"] == {"hex": "00ff10"}      # not text: bytes
    assert s["text stdin"]["outputs"]["stdout"] == "HELLO TPM"
    big = s["big"]["outputs"]
    assert big["truncated"] is True and len(big["stdout"]) == 1 << 20 and set(big["stdout"]) == {"x"}
    assert big["stderr"] == "tail\n"
    assert s["no shell for argv"]["outputs"]["stdout"] == "$HOME ; *\n"


def test_input_the_program_does_not_read(tpmrun, tmp_path):
    """More than a pipe holds, to a program that exits without reading: no SIGPIPE for tpmrun."""
    big = "x" * 300000
    p, res = run(tpmrun, tmp_path, f"""
        steps:
          - exec: {{argv: ["true"], stdin: "{big}"}}
          - exec: {{argv: [wc, -c], stdin: "{big}"}}
            save: wc
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    assert res["steps"][1]["outputs"]["stdout"].strip() == "300000"


def test_environment_and_work_directory(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - name: env
            exec:
              argv: [sh, -c, 'echo "$TPM2TOOLS_TCTI|$TPM2OPENSSL_TCTI|$TSS2_TCTI|$(pwd)|$TPMRUN_WORKDIR|$EXTRA"', "${workdir}"]
              env: {EXTRA: "in ${workdir}"}
          - name: override
            exec: {command: 'echo "$TSS2_TCTI"', env: {TSS2_TCTI: "mssim:port=1"}}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    tcti = res["tpm"]["tcti"]
    assert tcti.startswith("swtpm:path=")
    s = steps_by_name(res)
    t1, t2, t3, cwd, wd, extra = s["env"]["outputs"]["stdout"].rstrip("\n").split("|")
    # programs reach the TPM through tpmrun's proxy, in the work directory
    assert t1 == t2 == t3 == res["tpm"]["proxy"] == f"swtpm:path={wd}/tpm.sock"
    assert tcti != t1
    assert cwd == wd == s["env"]["inputs"]["argv"][3]
    assert pathlib.Path(cwd).name.startswith("tpmrun-work-")
    assert extra == f"in {cwd}"
    assert s["override"]["outputs"]["stdout"] == "mssim:port=1\n"


def test_child_inherits_only_its_three_pipes(tpmrun, tmp_path):
    # ls opens the directory itself as descriptor 3
    p, res = run(tpmrun, tmp_path, """
        steps:
          - esapi.create_primary: {template: ecc256, attributes: "%s"}
          - name: fds
            exec: {argv: [ls, /proc/self/fd]}
          - name: modes
            exec: {command: "readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2"}
        """ % STORAGE)
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(res)
    assert s["fds"]["outputs"]["stdout"].split() == ["0", "1", "2", "3"]
    assert all(line.startswith("pipe:") for line in s["modes"]["outputs"]["stdout"].split())


# ---- timeout and the process group -------------------------------------------------------

def test_timeout_kills_the_process_group(tpmrun, tmp_path):
    t0 = time.monotonic()
    p, res = run(tpmrun, tmp_path, """
        steps:
          - exec: {command: "sleep 300 & echo $! $$; sleep 301", timeout: 1}
          - esapi.get_random: {bytes: 4}
        """)
    took = time.monotonic() - t0
    assert p.returncode == 1
    step = res["steps"][0]
    assert step["message"] == "'/bin/sh' timed out after 1 s: its process group was killed"
    assert step["outputs"]["exit"] == 128 + 9
    assert 1.0 <= step["duration_ms"] / 1000 < 3 and took < 10
    bg, shell = map(int, step["outputs"]["stdout"].split())
    assert not pid_alive(bg) and not pid_alive(shell)


def test_background_leftovers_are_killed_when_the_program_ends(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - exec: {command: "sleep 300 >/dev/null 2>&1 & echo $!"}
          - esapi.get_random: {bytes: 4}
        """)
    assert p.returncode == 0, p.stdout + p.stderr
    assert res["steps"][0]["duration_ms"] < 1500
    assert not pid_alive(int(res["steps"][0]["outputs"]["stdout"]))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_tpmrun_stops_the_program_and_its_children(tpmrun, tmp_path, sig):
    pids = tmp_path / "pids"
    path = tmp_path / "stop.yaml"
    path.write_text(textwrap.dedent(f"""
        scenario: stop
        steps:
          - exec: {{command: "sleep 300 & echo $! $$ > {pids}; sleep 301"}}
        """))
    proc = subprocess.Popen([TPMRUN, "--results", str(tpmrun.results), path], env=tpmrun.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline and not (pids.exists() and pids.read_text().endswith("\n")):
        time.sleep(0.02)
    bg, shell = map(int, pids.read_text().split())
    assert pid_alive(bg) and pid_alive(shell)
    proc.send_signal(sig)
    proc.communicate(timeout=20)
    assert proc.returncode == 130
    deadline = time.time() + 5
    while time.time() < deadline and (pid_alive(bg) or pid_alive(shell)):
        time.sleep(0.02)
    assert not pid_alive(bg) and not pid_alive(shell)


# ---- tpmrun and a program on one TPM, through the proxy ---------------------------------

def test_objects_and_auth_values_stay_usable_around_a_program(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s", auth: parentpw}
            save: primary
          - esapi.create: {parent: "${primary}", template: "ecc256:ecdsa", attributes: "userwithauth|fixedtpm|fixedparent|sensitivedataorigin|sign"}
            save: k
          - esapi.load: {parent: "${primary}", private: "${k.private}", public: "${k.public}", auth: ""}
            save: key
          - esapi.hash: {data: fff}
            save: h
          - name: a program
            exec: {argv: ["true"]}
          - name: parent auth kept
            esapi.create: {parent: "${primary}", template: aes128cfb}
          - name: key usable
            esapi.sign: {key: "${key}", digest: "${h.digest}", scheme: ecdsa, validation: "${h.validation}"}
            save: sig
          - crypto.verify: {public: "${k.public}", digest: "${h.digest}", signature: "${sig.signature}"}
          - esapi.read_public: {object: "${primary}"}
            save: again
          - assert.equal: {actual: "${again.name}", expected: "${primary.name}"}
          - exec: {argv: ["true"]}
        """ % STORAGE)
    assert p.returncode == 0, p.stdout + p.stderr
    assert res["cleanup"]["flushed"] == 2
    assert res["cleanup"]["transient_handles_after"] == 0
    assert res["cleanup"]["flush_errors"] == []




def test_sessions_stay_loaded_while_a_program_runs(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s"}
            save: primary
          - esapi.create: {parent: "${primary}", template: aes128cfb, auth: pass}
            save: k
          - esapi.load: {parent: "${primary}", private: "${k.private}", public: "${k.public}", auth: pass}
            save: key
          - esapi.start_auth_session: {type: hmac, symmetric: aes128cfb, hash: sha256, attributes: "continuesession|decrypt|encrypt"}
            save: s
          - esapi.encrypt_decrypt: {key: "${key}", data: fooo, mode: cfb}
            sessions: ["${s}"]
            save: enc
          - name: program
            exec: {argv: [tpm2_getcap, handles-loaded-session]}
          - name: after
            esapi.encrypt_decrypt: {key: "${key}", data: "${enc.data}", mode: cfb, decrypt: true}
            sessions: ["${s}"]
            expect: {outputs: {data: fooo}}
        """ % STORAGE)
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(res)
    # no handover: the program sees tpmrun's session loaded, and leaves it alone
    assert s["program"]["outputs"]["stdout"].strip().startswith("- 0x2")
    assert s["program"]["flushed_left_loaded"] == []
    assert res["cleanup"]["loaded_sessions_after"] == 0 and res["cleanup"]["saved_sessions_after"] == 0


# ---- tpm2-tools and tpmrun on one TPM ----------------------------------------------------

def test_tpm2_tools_sees_the_objects_tpmrun_made(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s"}
            save: primary
          - name: getcap
            exec: {argv: [tpm2_getcap, handles-transient]}
          - name: readpublic
            exec: {argv: [tpm2_readpublic, -c, "0x80000000", -o, primary.pub]}
          - file.read: {path: primary.pub, as: TPM2B_PUBLIC}
            save: seen
          - assert.equal: {actual: "${seen.data}", expected: "${primary.public}"}
        """ % STORAGE)
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(res)
    handle = res["steps"][0]["outputs"]["handle"]["handle"]
    assert s["getcap"]["outputs"]["stdout"].split() == ["-", handle]
    assert f"name: {res['steps'][0]['outputs']['name']['hex']}" in s["readpublic"]["outputs"]["stdout"]


def test_files_tpmrun_writes_are_what_tpm2_tools_reads(tpmrun, tmp_path):
    """A signing key made by tpmrun, written with file.write, printed and
    loaded by tpm2-tools, which signs; tpmrun reads the signature back and
    both the TPM and OpenSSL verify it."""
    p, res = run(tpmrun, tmp_path, """
        steps:
          - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s"}
            save: primary
          - esapi.create: {parent: "${primary}", template: "ecc256:ecdsa", attributes: "userwithauth|fixedtpm|fixedparent|sensitivedataorigin|sign"}
            save: k
          - file.write: {path: keys/key.pub, data: "${k.public}", as: TPM2B_PUBLIC}
            save: w
          - file.write: {path: keys/key.priv, data: "${k.private}"}
          - file.write: {path: msg.txt, data: fff}
          - name: print
            exec: {argv: [tpm2_print, -t, TPM2B_PUBLIC, keys/key.pub]}
          - name: load
            exec: {argv: [tpm2_load, -C, "0x80000000", -u, keys/key.pub, -r, keys/key.priv, -c, key.ctx]}
          - name: sign
            exec: {argv: [tpm2_sign, -c, key.ctx, -g, sha256, -o, sig.bin, msg.txt]}
          - name: flush what tpm2-tools left, keep tpmrun's primary
            exec: {command: 'for h in $(tpm2_getcap handles-transient | cut -c3-); do [ $h = 0x80000000 ] || tpm2_flushcontext $h; done'}
          - file.read: {path: sig.bin, as: TPMT_SIGNATURE}
            save: sig
          - esapi.hash: {data: fff}
            save: h
          - esapi.load: {parent: "${primary}", private: "${k.private}", public: "${k.public}"}
            save: key
          - esapi.verify_signature: {key: "${key}", digest: "${h.digest}", signature: "${sig.data}"}
          - crypto.verify: {public: "${k.public}", digest: "${h.digest}", signature: "${sig.data}"}
            save: ok
        """ % STORAGE)
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(res)
    w = res["steps"][2]["outputs"]
    assert w["path"].endswith("/keys/key.pub") and w["size"] == len(bytes.fromhex(res["steps"][1]["outputs"]["public"]["hex"]))
    printed = s["print"]["outputs"]["stdout"]
    assert "value: ecc" in printed and "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|sign" in printed
    key_name = next(st for st in res["steps"] if st["type"] == "esapi.load")["outputs"]["name"]["hex"]
    assert s["load"]["outputs"]["stdout"].strip() == f"name: {key_name}"
    sig = next(st for st in res["steps"] if st["type"] == "file.read")["outputs"]["data"]
    assert sig["type"] == "TPMT_SIGNATURE" and sig["decoded"]["sigAlg"] == "ecdsa"
    assert res["steps"][-1]["outputs"]["valid"] is True
    assert res["cleanup"]["transient_handles_after"] == 0 and res["cleanup"]["flush_errors"] == []


def test_files_tpm2_tools_writes_are_what_file_read_reads(tpmrun, tmp_path):
    p, res = run(tpmrun, tmp_path, """
        steps:
          - exec: {argv: [tpm2_createprimary, -C, o, -G, ecc, -g, sha256, -c, primary.ctx]}
          - exec: {argv: [tpm2_create, -C, primary.ctx, -G, "ecc256:ecdsa", -u, key.pub, -r, key.priv]}
          - exec: {argv: [tpm2_pcrread, "sha256:23", -o, pcr23.bin]}
          - exec: {argv: [tpm2_flushcontext, -t]}
          - file.read: {path: key.pub, as: TPM2B_PUBLIC}
            save: pub
          - file.read: {path: key.priv, as: TPM2B_PRIVATE}
            save: priv
          - file.read: {path: pcr23.bin}
            save: pcr
          - esapi.pcr_read: {pcrs: "sha256:23"}
            save: tpm_pcr
          - name: context file
            file.read: {path: primary.ctx, as: TPM2B_PUBLIC}
        """)
    assert p.returncode == 1
    pub = res["steps"][4]["outputs"]["data"]
    assert pub["type"] == "TPM2B_PUBLIC" and pub["decoded"]["type"] == "ecc"
    assert res["steps"][5]["outputs"]["data"]["type"] == "TPM2B_PRIVATE"
    assert res["steps"][6]["outputs"]["data"] == {"hex": "00" * 32}
    assert res["steps"][6]["outputs"]["size"] == 32
    assert res["failed_step"]["name"] == "context file"
    assert "is not a marshaled TPM2B_PUBLIC (it is a tpm2-tools context file" in res["failed_step"]["message"]
    assert res["cleanup"]["transient_handles_after"] == 0


# ---- file paths ---------------------------------------------------------------------------

def test_file_paths_stay_in_the_work_directory(tpmrun, tmp_path):
    outside = tmp_path / "outside.bin"
    p, res = run(tpmrun, tmp_path, f"""
        steps:
          - file.write: {{path: "a/./b/../c.bin", data: {{hex: "0102"}}}}
            save: c
          - file.read: {{path: "a/c.bin"}}
            expect: {{outputs: {{data: {{hex: "0102"}}, size: 2}}}}
          - name: absolute
            file.write: {{path: "{outside}", data: abs}}
          - file.read: {{path: "${{workdir}}/a/c.bin"}}
            expect: {{outputs: {{size: 2}}}}
          - exec: {{argv: [ln, -s, /etc, etc]}}
          - exec: {{argv: [ln, -s, /etc/hostname, host]}}
          - name: up
            file.read: {{path: "a/../../x"}}
        """)
    assert p.returncode == 1
    assert outside.read_bytes() == b"abs"
    assert res["steps"][0]["outputs"]["path"].endswith("/a/c.bin")
    assert res["failed_step"]["message"] == "'a/../../x' leaves the work directory (use an absolute path for files elsewhere)"
    for step, message in [
        ('file.read: {path: etc/hostname}', "'etc/hostname' leaves the work directory through a symbolic link"),
        ('file.read: {path: host}', "'host' leaves the work directory through a symbolic link"),
        ('file.write: {path: host, data: x}', "cannot write 'host': it is a symbolic link"),
        ('file.write: {path: etc/x, data: x}', "'etc/x' leaves the work directory through a symbolic link"),
        ('file.read: {path: missing.bin}', "cannot read 'missing.bin': No such file or directory"),
        ('file.read: {path: ".", as: TPM2B_PUBLIC}', "'.' names the work directory itself, not a file"),
    ]:
        p, res = run(tpmrun, tmp_path, f"""
            steps:
              - exec: {{argv: [ln, -s, /etc, etc]}}
              - exec: {{argv: [ln, -s, /etc/hostname, host]}}
              - {step}
            """, name="paths")
        assert p.returncode == 1
        assert res["failed_step"]["index"] == 2 and res["failed_step"]["message"] == message


# ---- parameter encryption, seen on the wire --------------------------------------------

def first_param(msg, handles):
    """The first parameter (a TPM2B) of a command with `handles` handles, or of
    a response (handles=None), in a TPM_ST_SESSIONS message."""
    assert msg[:2] == b"\x80\x02"
    if handles is None:
        off = 10 + 4                    # header, parameterSize
    else:
        off = 10 + 4 * handles
        off += 4 + int.from_bytes(msg[off:off + 4], "big")     # authorizationSize, auth area
    size = int.from_bytes(msg[off:off + 2], "big")
    return msg[off + 2:off + 2 + size]


def command_bytes(step):
    return [bytes.fromhex(c["command_hex"]) for c in step["tpm_commands"] if c["command"] == "EncryptDecrypt2"]


def response_bytes(step):
    return [bytes.fromhex(c["response_hex"]) for c in step["tpm_commands"] if c["command"] == "EncryptDecrypt2"]


def test_parameter_encryption_hides_data_on_the_wire(tpmrun, tmp_path):
    plain = b"parameter encryption test data, 48 bytes long.."
    p, res = run(tpmrun, tmp_path, """
        vars:
          plain: "%s"
        steps:
          - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s"}
            save: primary
          - esapi.create: {parent: "${primary}", template: aes128cfb}
            save: k
          - esapi.load: {parent: "${primary}", private: "${k.private}", public: "${k.public}"}
            save: key
          - esapi.start_auth_session: {type: hmac, symmetric: aes128cfb, hash: sha256, attributes: "continuesession|decrypt|encrypt"}
            save: s
          - name: plain session encrypt
            esapi.encrypt_decrypt: {key: "${key}", data: "${plain}", mode: cfb}
            save: enc
          - name: plain session decrypt
            esapi.encrypt_decrypt: {key: "${key}", data: "${enc.data}", mode: cfb, decrypt: true}
            expect: {outputs: {data: "${plain}"}}
          - name: hmac session encrypt
            esapi.encrypt_decrypt: {key: "${key}", data: "${plain}", mode: cfb}
            sessions: ["${s}"]
            expect: {outputs: {data: "${enc.data}"}}
          - name: hmac session decrypt
            esapi.encrypt_decrypt: {key: "${key}", data: "${enc.data}", mode: cfb, decrypt: true}
            sessions: ["${s}"]
            expect: {outputs: {data: "${plain}"}}
        """ % (plain.decode(), STORAGE), "--wire")
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(res)
    cipher = bytes.fromhex(s["plain session encrypt"]["outputs"]["data"]["hex"])
    assert cipher != plain and len(cipher) == len(plain)
    # password session: the plaintext goes to the TPM, the ciphertext comes back, both in clear
    assert any(plain in c for c in command_bytes(s["plain session encrypt"]))
    assert any(cipher in r for r in response_bytes(s["plain session encrypt"]))
    assert any(plain in r for r in response_bytes(s["plain session decrypt"]))
    # encrypt|decrypt session: the first command parameter and the first response parameter are encrypted
    enc_cmd, enc_rsp = command_bytes(s["hmac session encrypt"]), response_bytes(s["hmac session encrypt"])
    dec_cmd, dec_rsp = command_bytes(s["hmac session decrypt"]), response_bytes(s["hmac session decrypt"])
    assert enc_cmd and enc_rsp and dec_cmd and dec_rsp
    assert not any(plain in c for c in enc_cmd), "plaintext input visible in the command"
    assert not any(cipher in r for r in enc_rsp), "output visible in the response"
    assert not any(cipher in c for c in dec_cmd), "input visible in the command"
    assert not any(plain in r for r in dec_rsp), "returned plaintext visible in the response"
    # and parameter by parameter: inData / outData as the TPM saw and sent them
    assert first_param(command_bytes(s["plain session encrypt"])[-1], 1) == plain
    assert first_param(response_bytes(s["plain session encrypt"])[-1], None) == cipher
    assert first_param(enc_cmd[-1], 1) not in (plain, b"") and first_param(enc_rsp[-1], None) not in (cipher, b"")
    assert first_param(dec_rsp[-1], None) not in (plain, b"")


def test_salted_sessions_of_the_scenario_hide_fooo(tpmrun):
    """scenarios/esapi/esapi_session_encryption_auth.yaml, on the wire: "fooo"
    goes in clear only with the wrong-auth password session."""
    from conftest import ROOT
    p = tpmrun("--wire", ROOT / "scenarios" / "esapi" / "esapi_session_encryption_auth.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    s = steps_by_name(tpmrun.result("esapi_session_encryption_auth"))
    assert [first_param(c, 1) for c in command_bytes(s["wrong auth value"])][-1] == b"fooo"
    cipher = bytes.fromhex(s["encrypt"]["outputs"]["data"]["hex"])
    (enc_cmd,), (enc_rsp,) = command_bytes(s["encrypt"]), response_bytes(s["encrypt"])
    (dec_cmd,), (dec_rsp,) = command_bytes(s["decrypt"]), response_bytes(s["decrypt"])
    # inData and outData travel encrypted (ivOut, the second response parameter, is
    # not encrypted, and in CFB it starts with the ciphertext: so no substring search)
    assert len(first_param(enc_cmd, 1)) == 4 and first_param(enc_cmd, 1) != b"fooo"
    assert len(first_param(enc_rsp, None)) == 4 and first_param(enc_rsp, None) != cipher
    assert first_param(dec_cmd, 1) != cipher
    assert len(first_param(dec_rsp, None)) == 4 and first_param(dec_rsp, None) != b"fooo"
    assert b"fooo" not in enc_cmd and b"fooo" not in dec_rsp


def test_a_program_after_the_tpm_closed_a_session(tpmrun, tmp_path):
    """A session used without continuesession is gone from the TPM: nothing
    tries to save or flush it."""
    p, res = run(tpmrun, tmp_path, """
        steps:
          - esapi.create_primary: {template: "ecc256:null:aes128cfb", attributes: "%s"}
            save: primary
          - esapi.create: {parent: "${primary}", template: aes128cfb}
            save: k
          - esapi.load: {parent: "${primary}", private: "${k.private}", public: "${k.public}"}
            save: key
          - esapi.start_auth_session: {type: hmac, attributes: "decrypt|encrypt"}
            save: s
          - esapi.encrypt_decrypt: {key: "${key}", data: fooo}
            sessions: ["${s}"]
          - exec: {argv: ["true"]}
          - esapi.encrypt_decrypt: {key: "${key}", data: fooo}
        """ % STORAGE)
    assert p.returncode == 0, p.stdout + p.stderr
    assert res["cleanup"]["flush_errors"] == [] and res["cleanup"]["loaded_sessions_after"] == 0


def test_objects_tools_leave_loaded_are_flushed(tpmrun):
    """tpm2-tools keeps its objects in context files and leaves them loaded
    in a TPM without resource manager; tpmrun's proxy knows which program
    loaded them and flushes them after the exec, and context files keep
    working."""
    fix = pathlib.Path(__file__).parent / "fixtures" / "exec_leaves_objects.yaml"
    p = tpmrun(fix)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("exec_leaves_objects")
    left = [s.get("flushed_left_loaded") for s in res["steps"]]
    assert left[0] is None and left[3] == []
    assert [(e["kind"], e["client"]) for e in left[1]] == [("object", "tpm2_createprimary")]
    assert [(e["kind"], e["client"]) for e in left[2]] == [("object", "tpm2_readpublic")]
    assert left[1][0]["pid"] != left[2][0]["pid"]
    assert res["cleanup"]["transient_handles_after"] == 0
