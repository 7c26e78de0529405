"""The console, through the real binary: live progress lines, colour and
streamed -v step lines on a terminal (a pseudo-terminal, as an interactive
shell gives), plain lines in a pipe (CI logs), --color and NO_COLOR,
-x/--exitfirst with -j 1, -j 2 and --repeat, and the last stderr lines of a
failing exec step."""
import os
import re
import select
import subprocess
import textwrap
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, TPMRUN

ESC = "\x1b"
SGR = re.compile(r"\x1b\[[0-9;]*m")
COUNTER = re.compile(r"^\[ *(\d+)/(\d+) +(\d+\.\d)s\] (RUN  |PASS |FAIL |ERROR|SKIP ) (\S+)")


def scenario(tmp_path, name, steps):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\nsteps:\n" + textwrap.indent(textwrap.dedent(steps).strip("\n"), "  ") + "\n")
    return path


def passing(tmp_path, name, sleep=0):
    nap = f'\n- exec: {{command: "sleep {sleep}"}}' if sleep else ""
    return scenario(tmp_path, name, "- esapi.get_random: {bytes: 4}" + nap)


def failing(tmp_path, name):
    return scenario(tmp_path, name, """
        - esapi.get_random: {bytes: 4}
        - exec: {command: "echo it broke >&2; exit 1"}
        """)


def colour_env(tpmrun, **extra):
    """The environment of a terminal that can show colour: TERM set, NO_COLOR
    only when the test sets it."""
    env = tpmrun.env({"TERM": "xterm-256color", **extra})
    if "NO_COLOR" not in extra:
        env.pop("NO_COLOR", None)
    return env


class TerminalRun:
    """tpmrun with its stdout on a pseudo-terminal: each line as it came,
    with the monotonic time it was read."""

    def __init__(self, tpmrun, *args, env=None, timeout=180):
        master, slave = os.openpty()
        argv = [TPMRUN, "--results", str(tpmrun.results), *map(str, args)]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
                                env=env or colour_env(tpmrun), cwd=ROOT)
        os.close(slave)
        self.lines, self.seen_before_results = [], []
        buf, deadline = b"", time.monotonic() + timeout
        try:
            while True:
                ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    proc.kill()
                    pytest.fail(f"tpmrun did not end in {timeout} s: {self.lines}")
                try:
                    data = os.read(master, 65536)
                except OSError:     # EIO: every writer of the terminal is gone
                    break
                if not data:
                    break
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    # the terminal writes "\r\n" for "\n" (ONLCR)
                    self.lines.append((time.monotonic(), line.rstrip(b"\r").decode()))
                    self.seen_before_results.append(sorted(p.name for p in tpmrun.results.glob("*.json"))
                                                    if tpmrun.results.exists() else [])
        finally:
            os.close(master)
        self.returncode = proc.wait(timeout=30)
        self.stderr = proc.stderr.read().decode()
        proc.stderr.close()

    @property
    def text(self):
        return "\n".join(line for _, line in self.lines)

    def plain(self):
        """The lines without colour."""
        return [SGR.sub("", line) for _, line in self.lines]


# ---- live lines on a terminal ----------------------------------------------------------------

def test_terminal_shows_each_scenario_start_and_end_with_counter_and_elapsed_time(tpmrun, tmp_path):
    files = [passing(tmp_path, "a_ok"), failing(tmp_path, "b_bad"), passing(tmp_path, "c_ok")]
    run = TerminalRun(tpmrun, "-j", "1", *files)
    assert run.returncode == 1, run.text + run.stderr
    live = [m.groups() for m in map(COUNTER.match, run.plain()) if m]
    assert [(done, total, tag.strip(), sid) for done, total, _, tag, sid in live] == [
        ("0", "3", "RUN", "a_ok"), ("1", "3", "PASS", "a_ok"),
        ("1", "3", "RUN", "b_bad"), ("2", "3", "FAIL", "b_bad"),
        ("2", "3", "RUN", "c_ok"), ("3", "3", "PASS", "c_ok")]
    elapsed = [float(e) for _, _, e, _, _ in live]
    assert elapsed == sorted(elapsed) and elapsed[-1] > 0
    plain = run.plain()
    assert plain[-1].startswith("2 passed, 1 failed in ")
    fail_at = next(i for i, line in enumerate(plain) if COUNTER.match(line) and "FAIL" in line)
    assert plain[fail_at + 1].endswith("step 2 exec: exit status 1, expected 0: it broke")


def test_terminal_colours_the_status_tags_and_the_summary(tpmrun, tmp_path):
    files = [passing(tmp_path, "a_ok"), failing(tmp_path, "b_bad"),
             scenario(tmp_path, "c_hangs", '- exec: {command: "sleep 30"}')]
    run = TerminalRun(tpmrun, "-j", "3", "--timeout", "2", *files)
    assert run.returncode == 1, run.text + run.stderr
    text = run.text
    assert f"{ESC}[32mPASS {ESC}[0m a_ok" in text
    assert f"{ESC}[31mFAIL {ESC}[0m b_bad" in text
    assert f"{ESC}[33mERROR{ESC}[0m c_hangs" in text      # the timeout
    assert run.lines[-1][1].startswith(f"{ESC}[32m1 passed{ESC}[0m, {ESC}[31m1 failed{ESC}[0m, "
                                       f"{ESC}[33m1 errors{ESC}[0m in ")


@pytest.mark.parametrize("option,no_color,coloured", [
    (None, None, True),
    (None, "1", False),             # NO_COLOR set and not empty: none
    (None, "", True),               # set but empty: no-color.org says it does not count
    ("--color=never", None, False),
    ("--color=always", "1", True),  # asked for in so many words
    ("--color=auto", None, True),
])
def test_color_option_and_no_color_on_a_terminal(tpmrun, tmp_path, option, no_color, coloured):
    extra = {} if no_color is None else {"NO_COLOR": no_color}
    run = TerminalRun(tpmrun, *([option] if option else []), passing(tmp_path, "a_ok"),
                      env=colour_env(tpmrun, **extra))
    assert run.returncode == 0, run.text + run.stderr
    assert (ESC in run.text) == coloured, run.text
    # live lines whatever the colour: they are about the terminal, not the colour
    assert [m.group(4).strip() for m in map(COUNTER.match, run.plain()) if m] == ["RUN", "PASS"]


def test_a_dumb_terminal_gets_no_colour(tpmrun, tmp_path):
    run = TerminalRun(tpmrun, passing(tmp_path, "a_ok"), env=colour_env(tpmrun, TERM="dumb"))
    assert run.returncode == 0 and ESC not in run.text, run.text


def test_color_option_refuses_other_words(tpmrun, tmp_path):
    p = tpmrun("--color=sometimes", passing(tmp_path, "a_ok"))
    assert p.returncode == 2
    assert p.stderr == "tpmrun: --color expects auto, always or never, not 'sometimes'\n"


# ---- -v: step lines as the steps end -----------------------------------------------------

def test_verbose_streams_step_lines_as_each_step_ends(tpmrun, tmp_path):
    path = scenario(tmp_path, "slow", """
        - name: first
          esapi.get_random: {bytes: 4}
        - exec: {command: "sleep 2"}
        - esapi.get_random: {bytes: 8}
        """)
    run = TerminalRun(tpmrun, "-v", path)
    assert run.returncode == 0, run.text + run.stderr
    plain = run.plain()
    first = next(i for i, line in enumerate(plain) if re.match(r"^ {6}slow +1 esapi\.get_random +passed .* first$", line))
    end = next(i for i, line in enumerate(plain) if COUNTER.match(line) and "PASS" in line)
    assert re.match(r"^ {6}slow +2 exec +passed ", plain[first + 1])
    assert re.match(r"^ {6}slow +3 esapi\.get_random +passed ", plain[first + 2])
    assert end == first + 3, plain      # and not again after the scenario's line
    # the first step's line came while the scenario was still running: before
    # its results file, and the two seconds of the second step before its end
    assert run.seen_before_results[first] == []
    assert run.lines[end][0] - run.lines[first][0] >= 1.5


def test_verbose_step_lines_name_their_scenario_when_several_run_at_once(tpmrun, tmp_path):
    a = scenario(tmp_path, "a_slow", '- exec: {command: "sleep 1"}\n- esapi.get_random: {bytes: 4}')
    b = scenario(tmp_path, "b_fast", "- esapi.get_random: {bytes: 4}\n- esapi.get_random: {bytes: 4}")
    run = TerminalRun(tpmrun, "-v", "-j", "2", a, b)
    assert run.returncode == 0, run.text + run.stderr
    steps = [line.split()[:2] for line in run.plain() if line.startswith("      ")]
    assert sorted(steps) == [["a_slow", "1"], ["a_slow", "2"], ["b_fast", "1"], ["b_fast", "2"]]


# ---- not a terminal: what CI logs always got ---------------------------------------------

def test_a_pipe_gets_plain_lines_as_scenarios_end(tpmrun, tmp_path):
    files = [passing(tmp_path, "a_ok"), failing(tmp_path, "b_bad")]
    p = subprocess.run([TPMRUN, "--results", str(tpmrun.results), "-v", "-j", "1", *map(str, files)],
                       capture_output=True, text=True, env=colour_env(tpmrun), cwd=ROOT, timeout=180)
    assert p.returncode == 1, p.stdout + p.stderr
    assert ESC not in p.stdout and ESC not in p.stderr
    lines = p.stdout.splitlines()
    assert re.match(r"^PASS  a_ok +[\d.]+ ms  \(TPM [\d.]+ ms, 1 steps\)$", lines[0])
    assert re.match(r"^ {8}1 esapi\.get_random +passed ", lines[1])       # -v: after the scenario's line
    assert re.match(r"^FAIL  b_bad ", lines[2])
    assert not any(COUNTER.match(line) or "RUN " in line for line in lines)
    assert lines[-1].startswith("1 passed, 1 failed in ")


def test_color_always_colours_a_pipe_without_live_lines(tpmrun, tmp_path):
    p = tpmrun("--color=always", passing(tmp_path, "a_ok"))
    assert p.returncode == 0
    assert p.stdout.startswith(f"{ESC}[32mPASS {ESC}[0m a_ok ")
    assert "RUN " not in p.stdout and not COUNTER.match(SGR.sub("", p.stdout))


# ---- -x / --exitfirst ----------------------------------------------------------------------

def junit_cases(path):
    root = ET.parse(path).getroot()
    return root, {c.get("name"): c for c in root.iter("testcase")}


@pytest.mark.parametrize("option", ["-x", "--exitfirst"])
def test_exitfirst_one_at_a_time_runs_nothing_after_the_failure(tpmrun, tmp_path, option):
    files = [failing(tmp_path, "a_bad")] + [passing(tmp_path, f"b{i}_ok") for i in range(4)]
    junit = tmp_path / "junit.xml"
    p = tpmrun(option, "-j", "1", "--junit", junit, *files)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "--exitfirst stopped the run after a_bad\n" in p.stdout
    assert p.stdout.splitlines()[-1].startswith("0 passed, 1 failed, 4 not run in ")
    assert sorted(f.name for f in tpmrun.results.iterdir()) == ["a_bad.json"]
    root, cases = junit_cases(junit)
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "1", "4")
    assert cases["a_bad"].find("failure") is not None
    for i in range(4):
        assert cases[f"b{i}_ok"].find("skipped").get("message") == "not run: --exitfirst stopped the run after a_bad"


def test_exitfirst_lets_running_scenarios_finish(tpmrun, tmp_path):
    """-j 2: the failing scenario ends while the slow one still runs; that
    one finishes and passes, the three after them never start."""
    files = [failing(tmp_path, "a_bad"), passing(tmp_path, "b_slow", sleep=3)] + \
            [passing(tmp_path, f"c{i}_ok") for i in range(3)]
    junit, tap = tmp_path / "junit.xml", tmp_path / "out.tap"
    p = tpmrun("-x", "-j", "2", "--junit", junit, "--tap", tap, *files)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stdout.splitlines()[-1].startswith("1 passed, 1 failed, 3 not run in ")
    assert sorted(f.name for f in tpmrun.results.iterdir()) == ["a_bad.json", "b_slow.json"]
    assert tpmrun.result("b_slow")["status"] == "passed"
    root, cases = junit_cases(junit)
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("5", "1", "3")
    assert cases["b_slow"].find("skipped") is None and cases["b_slow"].find("failure") is None
    assert all(cases[f"c{i}_ok"].find("skipped") is not None for i in range(3))
    assert "ok 3 - c0_ok # SKIP not run: --exitfirst stopped the run after a_bad" in tap.read_text()


def test_exitfirst_with_repeat_skips_the_later_rounds(tpmrun, tmp_path):
    files = [failing(tmp_path, "a_bad"), passing(tmp_path, "b_ok")]
    junit = tmp_path / "junit.xml"
    p = tpmrun("-x", "-j", "1", "--repeat", "2", "--junit", junit, *files)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stdout.splitlines()[-1].startswith("0 passed, 1 failed, 3 not run in ")
    root, cases = junit_cases(junit)
    assert list(cases) == ["a_bad [run 1]", "b_ok [run 1]", "a_bad [run 2]", "b_ok [run 2]"]
    assert cases["a_bad [run 1]"].find("failure") is not None
    assert all(cases[n].find("skipped") is not None for n in ["b_ok [run 1]", "a_bad [run 2]", "b_ok [run 2]"])
    # the failing run's file, as it came: not merged with runs that did not happen
    assert sorted(f.name for f in tpmrun.results.iterdir()) == ["a_bad.json"]
    res = tpmrun.result("a_bad")
    assert res["status"] == "failed" and res["run"] == 1 and "runs" not in res


def test_exitfirst_when_all_pass_runs_everything(tpmrun, tmp_path):
    files = [passing(tmp_path, f"a{i}_ok") for i in range(3)]
    p = tpmrun("-x", "-j", "2", *files)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.splitlines()[-1].startswith("3 passed, 0 failed in ")
    assert "not run" not in p.stdout and "--exitfirst" not in p.stdout


def test_exitfirst_on_a_terminal_counts_the_planned_runs(tpmrun, tmp_path):
    files = [failing(tmp_path, "a_bad"), passing(tmp_path, "b_ok"), passing(tmp_path, "c_ok")]
    run = TerminalRun(tpmrun, "-x", "-j", "1", *files)
    assert run.returncode == 1, run.text + run.stderr
    live = [m.groups() for m in map(COUNTER.match, run.plain()) if m]
    assert [(d, t, tag.strip(), s) for d, t, _, tag, s in live] == [("0", "3", "RUN", "a_bad"),
                                                                   ("1", "3", "FAIL", "a_bad")]
    assert f"{ESC}[33m2 not run{ESC}[0m" in run.lines[-1][1]


# ---- a failing program's stderr ----------------------------------------------------------------

def test_failing_exec_shows_the_last_ten_stderr_lines_escaped(tpmrun, tmp_path):
    path = scenario(tmp_path, "noisy", r"""
        - exec:
            command: |
              for i in $(seq 1 12); do echo "line $i" >&2; done
              printf 'colour \033[31mred\033[0m and a tab\there\r\n' >&2
              exit 3
        """)
    p = tpmrun(path)
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    at = lines.index("      stderr, last 10 of 13 lines:")
    assert lines[at - 1].endswith(r"step 1 exec: exit status 3, expected 0: colour \x1b[31mred\x1b[0m and a tab\there")
    assert lines[at + 1:at + 11] == [f"        line {i}" for i in range(4, 13)] + \
        [r"        colour \x1b[31mred\x1b[0m and a tab\there"]
    assert "line 3" not in p.stdout and ESC not in p.stdout
    assert lines[at + 11].startswith("0 passed, 1 failed")


def test_failing_exec_with_a_few_stderr_lines_shows_them_all(tpmrun, tmp_path):
    path = scenario(tmp_path, "few", r"""
        - exec: {command: "echo 'tpm2_createprimary: bad template' >&2; echo 'usage: ...' >&2; exit 1"}
        """)
    p = tpmrun(path)
    lines = p.stdout.splitlines()
    at = lines.index("      stderr:")
    assert lines[at + 1:at + 3] == ["        tpm2_createprimary: bad template", "        usage: ..."]


def test_failing_exec_with_one_stderr_line_says_it_once(tpmrun, tmp_path):
    p = tpmrun(failing(tmp_path, "once"))
    assert p.returncode == 1
    assert p.stdout.count("it broke") == 1 and "stderr" not in p.stdout
