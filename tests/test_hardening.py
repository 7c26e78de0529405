"""Hardening (issue 11): hostile file names and text, odd files and
options, processes that must not outlive tpmrun, untrusted scenario files,
and a parent that does not keep every result in memory.  Real binary, real
swtpm."""
import json
import os
import pathlib
import signal
import subprocess
import textwrap
import time

import pytest

from conftest import ROOT, TPMRUN

FIX = ROOT / "tests" / "fixtures"
SMALL = (FIX / "small_ok.yaml").read_text()


def write(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def results_files(results):
    return sorted(results.glob("*.json"))


# ---- text that is not UTF-8 ------------------------------------------------------------------

def test_scenario_path_that_is_not_utf8(tpmrun, tmp_path):
    """A Latin-1 directory and file name: the result is written, valid JSON,
    with each byte that is not UTF-8 as U+FFFD (it used to corrupt memory and
    print 'ERROR (null)')."""
    d = os.path.join(os.fsencode(tmp_path), b"dir\xe9")
    os.mkdir(d)
    with open(os.path.join(d, b"caf\xe9.yaml"), "w") as f:
        f.write(SMALL.replace("scenario: small_ok\n", ""))     # the id comes from the file name
    p = subprocess.run([os.fsencode(TPMRUN), b"--results", os.fsencode(tpmrun.results), d],
                       capture_output=True, env=tpmrun.env(), timeout=120)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out + p.stderr.decode(errors="replace")
    assert "(null)" not in out
    files = results_files(tpmrun.results)
    assert [f.name for f in files] == ["caf\ufffd.json"]
    res = json.loads(files[0].read_bytes().decode("utf-8"))      # strict: valid UTF-8
    assert res["status"] == "passed"
    assert res["scenario"] == "caf\ufffd"
    assert res["file"].endswith("dir\ufffd/caf\ufffd.yaml")


def test_a_string_with_a_nul_keeps_its_result(tpmrun, tmp_path):
    """A string holding NUL ("\\0" in YAML) reaches the results as \\u0000;
    the result used to be dropped ('exited with status 0 before reporting')."""
    path = write(tmp_path / "nul.yaml", r"""
        scenario: nul
        vars:
          x: "a\0b"
        steps:
          - assert.equal: {actual: "${x}", expected: "${x}"}
        """)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("nul")
    assert res["status"] == "passed"
    assert res["steps"][0]["inputs"]["actual"] == "a\0b"


# ---- odd files and options -----------------------------------------------------------------

def test_check_refuses_a_fifo_instead_of_blocking(tpmrun, tmp_path):
    fifo = tmp_path / "data.bin"
    os.mkfifo(fifo)
    path = write(tmp_path / "f.yaml", """
        scenario: f
        steps:
          - esapi.hash: {data: {file: data.bin}}
        """)
    p = tpmrun("--check", path, timeout=20)
    assert p.returncode == 2
    assert p.stderr.strip() == f"{path}:4:31: error: cannot read file 'data.bin': " \
                               "not a regular file (a FIFO, a socket or a device)"
    # the scenario path itself
    p = tpmrun("--check", fifo, timeout=20)
    assert p.returncode == 2
    assert "not a regular file" in p.stderr and p.stderr.startswith(f"{fifo}:1:1: error:")


def test_a_fifo_in_a_directory_walk_is_refused_too(tpmrun, tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    p = tpmrun("--check", tmp_path, timeout=20)
    assert p.returncode == 2
    assert "pipe.yaml:1:1: error: cannot open scenario file: not a regular file" in p.stderr


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "-inf", "1e400", "", "abc", "604801", "1e9"])
def test_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(tpmrun, value):
    p = tpmrun("--timeout", value, "--check", FIX / "small_ok.yaml")
    assert p.returncode == 2
    assert p.stderr == f"tpmrun: --timeout expects seconds from 0 (none) to 604800, not '{value}'\n"


@pytest.mark.parametrize("value", ["0", "2.5", "604800"])
def test_timeout_in_range_is_taken(tpmrun, value):
    p = tpmrun("--timeout", value, "--check", FIX / "small_ok.yaml")
    assert p.returncode == 0, p.stderr


def test_results_directory_that_cannot_be_written_is_said_before_running(tpmrun, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    marker = tmp_path / "ran"
    path = write(tmp_path / "s.yaml", f"""
        scenario: s
        steps:
          - exec: {{argv: [touch, {marker}]}}
        """)
    p = subprocess.run([TPMRUN, "--results", blocker / "results", path], capture_output=True, text=True,
                       env=tpmrun.env(), timeout=60)
    assert p.returncode == 2
    assert p.stderr.startswith(f"tpmrun: cannot create the results directory {blocker}/results: Not a directory")
    assert not marker.exists(), "a scenario ran although its results could not be written"
    assert p.stdout == ""
    # a JUnit file in a directory that is not there: the same, before anything runs
    p = tpmrun("--junit", tmp_path / "nowhere" / "junit.xml", path)
    assert p.returncode == 2
    assert p.stderr.startswith(f"tpmrun: cannot write in {tmp_path}/nowhere:")
    assert not marker.exists()


def test_second_run_of_a_directory_skips_results_and_non_scenario_json(tpmrun, tmp_path):
    """`tpmrun .` twice: the first run's results/ is not loaded as scenarios;
    a FAPI profile and a JSON policy beside the scenarios are skipped (JSON
    without `steps`), and so is a results file written elsewhere."""
    work = tmp_path / "suite"
    write(work / "a.yaml", SMALL.replace("small_ok", "a"))
    (work / "P_RSA2048SHA256.json").write_text(pathlib.Path("/etc/tpm2-tss/fapi-profiles/P_RSA2048SHA256.json")
                                               .read_text())
    (work / "policy.json").write_text('{"description": "p", "policy": [{"type": "POLICYPASSWORD"}]}')
    (work / "scenario.json").write_text(json.dumps({"scenario": "j", "steps": [{"esapi.get_random": {"bytes": 4}}]}))
    env = tpmrun.env()
    for _ in range(2):
        p = subprocess.run([TPMRUN, "."], capture_output=True, text=True, env=env, cwd=work, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "2 passed, 0 failed" in p.stdout
    assert sorted(f.name for f in (work / "results").iterdir()) == ["a.json", "j.json"]
    (work / "old").mkdir()
    (work / "results" / "a.json").rename(work / "old" / "a.json")     # a results file outside results/
    p = subprocess.run([TPMRUN, "-v", "--check", "."], capture_output=True, text=True, env=env, cwd=work)
    assert p.returncode == 0, p.stderr
    assert "2 scenarios checked" in p.stdout
    for skipped in ("old/a.json", "P_RSA2048SHA256.json", "policy.json"):
        assert f"./{skipped}: skipped, not a scenario" in p.stderr
    # named on the command line, a file is loaded (and its errors reported)
    p = subprocess.run([TPMRUN, "--check", "policy.json"], capture_output=True, text=True, env=env, cwd=work)
    assert p.returncode == 2
    assert "policy.json:1:" in p.stderr and "unknown top-level key" in p.stderr


def test_missing_swtpm_setup_is_named(tpmrun, tmp_path):
    """A scenario that needs EK certificates runs swtpm_setup; when it is not
    installed the error says so (it said 'exited with status 127')."""
    import shutil
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for prog in ("swtpm", "swtpm_localca", "swtpm_ioctl"):
        (bin_dir / prog).symlink_to(shutil.which(prog))
    path = write(tmp_path / "ek.yaml", """
        scenario: ek
        tpms:
          a: {ek_cert: true}
        steps:
          - esapi.get_random: {bytes: 4}
        """)
    p = tpmrun(path, env={"PATH": str(bin_dir)})
    assert p.returncode == 1
    res = tpmrun.result("ek")
    assert res["status"] == "error"
    assert res["message"] == "cannot run swtpm_setup: No such file or directory " \
                             "(not installed? it is in Debian's swtpm-tools)"


# ---- nothing outlives tpmrun -------------------------------------------------------------------

def pid_alive(pid):
    try:
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until(cond, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline and not cond():
        time.sleep(0.02)
    return cond()


# A program that starts three more: one in its group, one that left it with
# setsid, one a daemon's double fork (its parent exits at once); the pids go
# to a file, then it waits.
SPAWNER = ("sleep 311 & a=$!; setsid sleep 312 & b=$!; "
           "(setsid sleep 313 & echo $! > {pids}.c) ; "
           "while [ ! -s {pids}.c ]; do sleep 0.01; done; "
           "echo $$ $a $b $(cat {pids}.c) > {pids}.tmp; mv {pids}.tmp {pids}; sleep 314")


def start_spawner(tpmrun, tmp_path, *extra, after=()):
    pids = tmp_path / "pids"
    path = write(tmp_path / "spawn.yaml", f"""
        scenario: spawn
        steps:
          - exec: {{command: "{SPAWNER.format(pids=pids)}"}}
        """)
    proc = subprocess.Popen([TPMRUN, "--results", str(tpmrun.results), *map(str, extra), path, *map(str, after)],
                            env=tpmrun.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert wait_until(pids.exists, 30), "the program did not start"
    procs = [int(x) for x in pids.read_text().split()]
    assert len(procs) == 4 and all(pid_alive(p) for p in procs)
    return proc, procs


def test_killed_tpmrun_leaves_no_process_and_no_directory(tpmrun, tmp_path):
    """SIGKILL (or the OOM killer) cannot be caught: the scenario process
    learns of it (PR_SET_PDEATHSIG), ends every program its exec started,
    also those that left their process group, and removes its work
    directory and its swtpm's."""
    proc, procs = start_spawner(tpmrun, tmp_path)
    assert list(tpmrun.tmp.iterdir())
    proc.kill()
    proc.communicate(timeout=20)
    assert wait_until(lambda: not any(pid_alive(p) for p in procs)), \
        f"left running: {[p for p in procs if pid_alive(p)]}"
    assert wait_until(lambda: not list(tpmrun.tmp.iterdir())), f"left behind: {list(tpmrun.tmp.iterdir())}"


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGQUIT, signal.SIGINT, signal.SIGTERM])
def test_stop_signals_end_every_program_and_clean_up(tpmrun, tmp_path, sig):
    """A hang-up (the terminal or CI session went away) and SIGQUIT stop the
    run as Ctrl-C does; programs that left their group end too."""
    proc, procs = start_spawner(tpmrun, tmp_path)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert wait_until(lambda: not any(pid_alive(p) for p in procs)), \
        f"left running: {[p for p in procs if pid_alive(p)]}"
    # private_tmp checks that no directory and no swtpm is left


def test_a_timeout_ends_programs_that_left_the_group(tpmrun, tmp_path):
    proc, procs = start_spawner(tpmrun, tmp_path, "--timeout", "2")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert tpmrun.result("spawn")["message"].startswith("timed out after 2 s")
    assert wait_until(lambda: not any(pid_alive(p) for p in procs)), \
        f"left running: {[p for p in procs if pid_alive(p)]}"


def test_programs_that_left_the_group_end_with_their_step(tpmrun, tmp_path):
    """The program ends at once; what it left behind (in its group, with
    setsid, or as a daemon) is ended with the step."""
    pids = tmp_path / "pids"
    path = write(tmp_path / "leave.yaml", f"""
        scenario: leave
        steps:
          - exec: {{command: "sleep 321 & setsid sleep 322 & (setsid sleep 323 & echo $! > {pids}.c); echo $! $(cat {pids}.c) > {pids}"}}
          - esapi.get_random: {{bytes: 4}}
        """)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    procs = [int(x) for x in pids.read_text().split()]
    assert len(procs) == 2
    assert not any(pid_alive(x) for x in procs), f"left running: {[x for x in procs if pid_alive(x)]}"


def test_junit_after_an_interrupt_lists_what_did_not_run(tpmrun, tmp_path):
    """The scenario that was running and the one not started yet are errors
    in the JUnit file (it said tests=0 failures=0); the one that finished
    keeps its result."""
    junit = tmp_path / "junit.xml"
    first = write(tmp_path / "first.yaml", SMALL.replace("small_ok", "first"))
    proc, procs = start_spawner(tpmrun, tmp_path, "-j", "1", "--junit", junit, first, after=[FIX / "small_ok.yaml"])
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    import xml.etree.ElementTree as ET
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("3", "2", "0")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert list(cases) == ["first", "spawn", "small_ok"]
    assert cases["first"].find("error") is None and cases["first"].find("failure") is None
    for name in ("spawn", "small_ok"):
        assert cases[name].find("error").get("message") == "not run to its end: tpmrun was interrupted"


# ---- --untrusted -----------------------------------------------------------------------------

@pytest.fixture
def pr_tree(tmp_path):
    """A checkout of someone else's scenarios: files inside, a secret beside
    it, links pointing in and out."""
    (tmp_path / "secret.txt").write_text("ci-token-1234")
    pr = tmp_path / "pr"
    (pr / "sub").mkdir(parents=True)
    (pr / "inside.bin").write_bytes(b"inside")
    (pr / "link_out").symlink_to("../secret.txt")
    (pr / "link_in").symlink_to("inside.bin")
    (pr / "sub" / "up").symlink_to("..")
    return pr


REFUSED_AT_LOAD = [
    ("exec: {argv: [id]}", 5, "exec runs a program with tpmrun's rights: refused with --untrusted"),
    ('esapi.hash: {data: "${env.CI_TOKEN}"}', 24, "${env.NAME} would copy tpmrun's environment"),
    ('esapi.hash: {data: "x ${env.CI_TOKEN} y"}', 24, "${env.NAME} would copy tpmrun's environment"),
    ('assert.equal: {actual: "${env.CI_TOKEN}", expected: x}', 28, "${env.NAME} would copy"),
    ("file.write: {path: /tmp/planted, data: x}", 24, "'/tmp/planted' is an absolute path"),
    ("file.read: {path: ../../etc/passwd}", 23, "'../../etc/passwd' leads out of the work directory"),
    ("keyfile.read: {path: /etc/ssl/private/k.pem}", 26, "is an absolute path"),
    ("esapi.hash: {data: {file: /etc/hostname}}", 31, "file '/etc/hostname': an absolute path"),
    ("esapi.hash: {data: {file: ../secret.txt}}", 31, "file '../secret.txt': leads out of the scenario's directory"),
    ("esapi.hash: {data: {file: link_out}}", 31, "file 'link_out': leads out of the scenario's directory through "
                                                 "a symbolic link"),
    ("esapi.hash: {data: {file: sub/up/../secret.txt}}", 31, "leads out of the scenario's directory"),
    ("crypto.policy_digest: {policy: {file: /etc/p.json}}", 43, "policy file '/etc/p.json': an absolute path"),
]


@pytest.mark.parametrize("step,col,message", REFUSED_AT_LOAD, ids=[s for s, _, _ in REFUSED_AT_LOAD])
def test_untrusted_refuses_at_load_time(tpmrun, pr_tree, step, col, message):
    path = pr_tree / "t.yaml"
    path.write_text(f"scenario: t\nsteps:\n  - {step}\n")
    p = tpmrun("--untrusted", path, env={"CI_TOKEN": "ci-token-1234"})
    assert p.returncode == 2
    assert p.stderr.startswith(f"{path}:3:{col}: error: "), p.stderr
    assert message in p.stderr
    assert p.stdout == ""
    assert not tpmrun.results.exists() or not list(tpmrun.results.iterdir())
    # without the flag the file loads (what it does then is the author's business)
    assert tpmrun("--check", path).returncode in (0, 2)


def test_untrusted_fapi_profile_file_outside_is_refused(tpmrun, pr_tree):
    path = pr_tree / "f.yaml"
    path.write_text("scenario: f\nfapi: {profile: /etc/tpm2-tss/fapi-profiles/P_RSA2048SHA256.json}\n"
                    "steps:\n  - fapi.provision:\n")
    p = tpmrun("--untrusted", "--check", path)
    assert p.returncode == 2
    assert "FAPI profile file '/etc/tpm2-tss/fapi-profiles/P_RSA2048SHA256.json': an absolute path" in p.stderr
    assert tpmrun("--check", path).returncode == 0
    # a profile by name is the system's, not a file of the scenario
    path.write_text("scenario: f\nfapi: {profile: P_RSA2048SHA256}\nsteps:\n  - fapi.provision:\n")
    assert tpmrun("--untrusted", "--check", path).returncode == 0


def test_untrusted_runs_what_stays_inside(tpmrun, pr_tree):
    path = pr_tree / "ok.yaml"
    path.write_text(textwrap.dedent("""
        scenario: ok
        steps:
          - file.write: {path: a/b.bin, data: {file: inside.bin}}
          - file.write: {path: c.bin, data: {file: link_in}}
          - file.read: {path: a/../c.bin}
          - esapi.hash: {data: {file: sub/../inside.bin}}
        """))
    p = tpmrun("--untrusted", path)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("ok")
    assert res["steps"][2]["outputs"]["data"]["text"] == "inside"


def test_untrusted_refuses_at_run_time_what_a_reference_gives(tpmrun, pr_tree, tmp_path):
    path = pr_tree / "ref.yaml"
    target = tmp_path / "planted.txt"
    path.write_text(textwrap.dedent(f"""
        scenario: ref
        vars:
          p: {target}
        steps:
          - file.write: {{path: "${{p}}", data: x}}
        """))
    p = tpmrun("--untrusted", path)
    assert p.returncode == 1
    assert tpmrun.result("ref")["message"] == \
        f"'{target}' is an absolute path: refused with --untrusted (files are in the work directory)"
    assert not target.exists()
    path.write_text(textwrap.dedent("""
        scenario: ref
        steps:
          - file.write: {path: "${workdir}/../planted.txt", data: x}
        """))
    p = tpmrun("--untrusted", path)
    assert p.returncode == 1
    assert "is an absolute path: refused with --untrusted" in tpmrun.result("ref")["message"]


def test_untrusted_caps_what_a_scenario_writes(tpmrun, pr_tree):
    """16 MiB in all: the write that would pass it fails the step."""
    (pr_tree / "big.bin").write_bytes(os.urandom(9_000_000))
    path = pr_tree / "cap.yaml"
    path.write_text(textwrap.dedent("""
        scenario: cap
        steps:
          - file.write: {path: one.bin, data: {file: big.bin}}
          - file.write: {path: two.bin, data: {file: big.bin}}
        """))
    p = tpmrun("--untrusted", path, timeout=1200)      # 18 MB of hex in results: minutes under ASan
    assert p.returncode == 1
    res = tpmrun.result("cap")
    assert [s["status"] for s in res["steps"]] == ["passed", "failed"]
    assert res["message"] == "writing 9000000 more bytes would pass the 16 MiB an untrusted scenario may write " \
                             "(9000000 written so far)"
    assert tpmrun(path, timeout=1200).returncode == 0        # no cap without the flag


def test_untrusted_walk_does_not_follow_links(tpmrun, tmp_path):
    """A link in an untrusted tree may point anywhere: the walk does not
    follow it (without the flag it does)."""
    elsewhere = tmp_path / "elsewhere"
    write(elsewhere / "home.yaml", SMALL.replace("small_ok", "home"))
    pr = tmp_path / "pr"
    write(pr / "a.yaml", SMALL.replace("small_ok", "a"))
    (pr / "linked_dir").symlink_to(elsewhere)
    (pr / "linked.yaml").symlink_to(elsewhere / "home.yaml")
    p = tpmrun("--untrusted", "--check", pr)
    assert p.returncode == 0 and "1 scenario checked" in p.stdout, p.stdout + p.stderr
    p = tpmrun("--check", pr)
    assert p.returncode == 2 and "scenario id 'home' is also used" in p.stderr   # both links followed


# ---- symbolic links in the work directory (trusted too) ------------------------------------------

KEYFILE = """
    scenario: kf
    steps:
      - esapi.create_primary: {{template: "ecc256:null:aes128cfb"}}
        save: primary
      - esapi.create: {{parent: "${{primary}}", template: "ecc256:ecdsa"}}
        save: key
      - exec: {{argv: [ln, -s, "{target}", "{link}"]}}
      - keyfile.write: {{path: {path}, public: "${{key.public}}", private: "${{key.private}}", parent: 0x40000001}}
    """


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_keyfile_write_does_not_follow_a_link_out_of_the_work_directory(tpmrun, tmp_path, kind):
    outdir = tmp_path / "outdir"
    outdir.mkdir()
    if kind == "file":
        text = KEYFILE.format(target=outdir / "key.pem", link="key.pem", path="key.pem")
        why = "cannot write 'key.pem': it is a symbolic link"
    else:
        text = KEYFILE.format(target=outdir, link="d", path="d/key.pem")
        why = "'d/key.pem' leaves the work directory through a symbolic link"
    p = tpmrun(write(tmp_path / "kf.yaml", text))
    assert p.returncode == 1
    assert tpmrun.result("kf")["message"] == why
    assert not list(outdir.iterdir())
