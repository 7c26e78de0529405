#!/usr/bin/python3
"""make bench: where a tpmrun run's time and memory go, and the speed goals.

Per scenario of the examples (scenarios/esapi, fapi, interop), the median
over N runs of one whole `tpmrun -j 1 FILE` process (its private swtpm
included): wall time, and from the results file the TPM's time, the
engine's, the time of programs the scenario runs (exec steps), what lies
outside the scenario's own clock (process start, loading, swtpm start-up,
writing results), and the scenario process's peak RSS.  With --pytss DIR,
the tpm2-pytss script of the same name runs in turns with tpmrun (tpmrun,
script, tpmrun, script ...) against one swtpm started here.  Then -j 1
against -j 2 on the examples, and the goals, each met or not.

The machine is shared: every comparison is medians of runs that take
turns, never single runs.  Standard library only."""
import argparse
import fnmatch
import json
import os
import pathlib
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
EXAMPLES = ["scenarios/esapi", "scenarios/fapi", "scenarios/interop"]
# what the scripts name (swtpm:port=2321, a few another port): the bench's swtpm instead
PYTSS_TCTI = re.compile(r"swtpm:port=\d+\b")

GOAL_PYTSS_RATIO = 10.0
GOAL_SCALING = 1.8
GOAL_RSS_MIB = 8.0
GOAL_ENGINE_MS = 2.0


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def progress(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- running tpmrun ------------------------------------------------------

class Tpmrun:
    """One tpmrun binary, run with a private TMPDIR (checked empty at the end)."""

    def __init__(self, path, tmp):
        self.path = str(path)
        self.tmp = tmp
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("TPM2TOOLS_TCTI", "TSS2_TCTI", "TPM2OPENSSL_TCTI")}
        self.env["TMPDIR"] = str(tmp)

    def list(self, paths, patterns):
        argv = [self.path, "--list"] + [a for k in patterns for a in ("-k", k)] + paths
        p = subprocess.run(argv, capture_output=True, text=True, env=self.env, cwd=ROOT)
        if p.returncode not in (0, 5):
            sys.exit(f"bench: {' '.join(argv)} failed: {p.stderr.strip()}")
        rows = [line.split("\t") for line in p.stdout.splitlines() if line]
        return [(r[0], r[1], r[2].split(",") if len(r) > 2 and r[2] else []) for r in rows]

    def run(self, args, results):
        """(wall seconds, exit status, rusage) of one whole process."""
        shutil.rmtree(results, ignore_errors=True)
        argv = [self.path, "--results", str(results)] + list(args)
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        return wall, proc.returncode, usage, err


def scenario_figures(result):
    """What one results file says: ms and KiB, None where absent."""
    steps = result.get("steps", [])
    programs = sum(s.get("duration_ms", 0) - s.get("tpm_ms", 0) for s in steps if s.get("type") == "exec")
    dur = result.get("duration_ms")
    return {
        "status": result.get("status"),
        "message": result.get("message"),
        "duration_ms": dur,
        "tpm_ms": result.get("tpm_ms"),
        "engine_ms": result.get("engine_ms"),
        "programs_ms": programs,
        "own_ms": None if result.get("engine_ms") is None else result["engine_ms"] - programs,
        # the scenario process alone; with the programs it ran: rss_all_kib
        "rss_kib": result.get("resources", {}).get("self_max_rss_kib", result.get("resources", {}).get("max_rss_kib")),
        "rss_all_kib": result.get("resources", {}).get("max_rss_kib"),
        "swtpm_startup_ms": result.get("tpm", {}).get("swtpm_startup_ms"),
    }


def run_scenario(tpmrun, file, results):
    wall, rc, usage, err = tpmrun.run(["-j", "1", file], results)
    files = list(results.glob("*.json"))
    fig = scenario_figures(json.loads(files[0].read_text())) if len(files) == 1 else {"status": "error"}
    fig["wall_ms"] = wall * 1e3
    # tpmrun, its scenario process, the swtpm and programs: all reaped by the time it exits
    fig["cpu_ms"] = (usage.ru_utime + usage.ru_stime) * 1e3
    if rc not in (0, 1) and fig["status"] == "passed":
        fig["status"] = f"exit {rc}"
    if fig["status"] != "passed" and not fig.get("message"):
        fig["message"] = err.strip().splitlines()[-1] if err.strip() else f"exit status {rc}"
    return fig


# ---- the pytss side: one swtpm on TCP ports, reset between scripts -----

def free_port_pair():
    """A port P with P+1 free too (swtpm's TCTI takes the control port as P+1)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    sys.exit("bench: no two free consecutive TCP ports")


def tpm_command(port, cmd):
    """Sends a raw TPM command to swtpm's data port; the response code."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(cmd)
        head = b""
        while len(head) < 10:
            chunk = s.recv(10 - len(head))
            if not chunk:
                raise OSError("swtpm closed the connection")
            head += chunk
        size = struct.unpack(">I", head[2:6])[0]
        rest = size - 10
        while rest > 0:
            chunk = s.recv(rest)
            if not chunk:
                break
            rest -= len(chunk)
        return struct.unpack(">I", head[6:10])[0]


STARTUP_CLEAR = bytes.fromhex("80010000000c000001440000")
SHUTDOWN_CLEAR = bytes.fromhex("80010000000c000001450000")
# TPM2_Clear(TPM_RH_PLATFORM) with an empty password session: owner objects,
# NV indices and the dictionary-attack counter of the script before are gone
CLEAR_PLATFORM = bytes.fromhex("8002" "0000001b" "00000126" "4000000c" "00000009" "40000009" "0000" "00" "0000")


class PytssTpm:
    """One swtpm on free TCP ports for the scripts; between scripts it is
    cleared and powered off and on, so each script's startup(CLEAR) starts
    it as the first did."""

    def __init__(self, tmp):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="pytss-swtpm-", dir=tmp))
        self.port = free_port_pair()
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={self.dir}",
             "--server", f"type=tcp,port={self.port},bindaddr=127.0.0.1",
             "--ctrl", f"type=tcp,port={self.port + 1},bindaddr=127.0.0.1",
             "--flags", "not-need-init", "--log", f"file={self.dir}/log"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port + 1), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    sys.exit(f"bench: swtpm for the pytss scripts did not start (see {self.dir}/log)")
                time.sleep(0.01)

    def power_cycle(self):
        """swtpm's control channel: CMD_INIT (2), flags 1 (delete volatile state)."""
        with socket.create_connection(("127.0.0.1", self.port + 1), timeout=10) as s:
            s.sendall(struct.pack(">II", 2, 1))
            res = s.recv(4)
        if len(res) != 4 or struct.unpack(">I", res)[0] != 0:
            raise OSError(f"swtpm refused CMD_INIT: {res.hex()}")

    def reset(self):
        self.power_cycle()
        tpm_command(self.port, STARTUP_CLEAR)
        rc = tpm_command(self.port, CLEAR_PLATFORM)
        if rc:
            raise OSError(f"TPM2_Clear answered 0x{rc:x}")
        tpm_command(self.port, SHUTDOWN_CLEAR)
        self.power_cycle()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class PytssScript:
    """A script from DIR, run from a private copy with the bench's port, a
    private HOME (FAPI's keystores) and a private working directory that
    links to DIR's other files (./profiles).  DIR is only read."""

    def __init__(self, src, tpm, tmp):
        self.src = src
        self.tpm = tpm
        text = src.read_text()
        self.substituted = len(PYTSS_TCTI.findall(text))
        self.cwd = pathlib.Path(tempfile.mkdtemp(prefix=f"pytss-{src.stem}-", dir=tmp))
        for entry in src.parent.iterdir():
            if entry.suffix != ".py":
                (self.cwd / entry.name).symlink_to(entry)
        self.script = self.cwd / src.name
        self.script.write_text(PYTSS_TCTI.sub(f"swtpm:port={tpm.port}", text))

    def run(self):
        """{wall_ms, rss_kib, ok, why}."""
        self.tpm.reset()
        home = pathlib.Path(tempfile.mkdtemp(prefix="home-", dir=self.cwd))
        env = dict(os.environ, HOME=str(home))
        for k in ("TPM2TOOLS_TCTI", "TSS2_TCTI", "TPM2OPENSSL_TCTI", "TSS2_FAPICONF"):
            env.pop(k, None)
        t0 = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen([sys.executable, self.script.name], cwd=self.cwd, env=env,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            said = (err.read().decode(errors="replace").strip() or out.read().decode(errors="replace").strip())
        shutil.rmtree(home, ignore_errors=True)
        why = None
        if not self.substituted:
            why = "names no swtpm:port=N TCTI: not run against the bench's TPM"
        elif proc.returncode != 0:
            lines = said.splitlines()
            why = f"exit {proc.returncode}: {lines[-1] if lines else 'no message'}"
        return {"wall_ms": wall * 1e3, "rss_kib": usage.ru_maxrss, "ok": why is None, "why": why}

    def close(self):
        shutil.rmtree(self.cwd, ignore_errors=True)


# ---- the table --------------------------------------------------------------

def fmt(x, spec="8.1f", none="-"):
    return format(x, spec) if x is not None else none.rjust(len(format(0.0, spec)))


def measure_scenarios(args, tpmrun, baseline, scenarios, pytss_dir, tmp):
    tpm = PytssTpm(tmp) if pytss_dir else None
    rows = []
    try:
        for i, (sid, file, tags) in enumerate(scenarios):
            progress(f"bench: [{i + 1}/{len(scenarios)}] {sid}")
            src = pytss_dir / f"{sid}.py" if pytss_dir else None
            script = PytssScript(src, tpm, tmp) if src and src.is_file() else None
            runs, base_runs, pyruns = [], [], []
            try:
                for k in range(args.runs):
                    # with a baseline the two binaries take turns, each going first half the time
                    order = [(tpmrun, runs), (baseline, base_runs)] if baseline else [(tpmrun, runs)]
                    if k % 2:
                        order.reverse()
                    for binary, into in order:
                        into.append(run_scenario(binary, file, tmp / "results"))
                    if script:
                        pyruns.append(script.run())
            finally:
                if script:
                    script.close()
            rows.append(summarise(sid, file, tags, runs, base_runs, pyruns, script is not None))
    finally:
        if tpm:
            tpm.stop()
    return rows


def summarise(sid, file, tags, runs, base_runs, pyruns, has_script):
    row = {"scenario": sid, "file": file, "tags": tags, "runs": runs}
    bad = [r for r in runs if r["status"] != "passed"]
    row["failed"] = f"{bad[0]['status']}: {bad[0].get('message')}" if bad else None
    for key in ("wall_ms", "cpu_ms", "tpm_ms", "engine_ms", "programs_ms", "own_ms", "duration_ms", "rss_kib",
                "rss_all_kib", "swtpm_startup_ms"):
        row[key] = median([r.get(key) for r in runs])
    row["outside_ms"] = median([r["wall_ms"] - r["duration_ms"] for r in runs if r.get("duration_ms") is not None])
    if base_runs:
        row["base"] = {k: median([r.get(k) for r in base_runs])
                       for k in ("wall_ms", "cpu_ms", "engine_ms", "own_ms", "rss_kib")}
        row["base_runs"] = base_runs
    if has_script:
        ok = [p for p in pyruns if p["ok"]]
        row["pytss"] = {
            "runs": pyruns,
            "wall_ms": median([p["wall_ms"] for p in ok]),
            "rss_kib": median([p["rss_kib"] for p in ok]),
            "failed": None if ok else pyruns[0]["why"],
            "failed_runs": len(pyruns) - len(ok),
        }
        row["pytss"]["ratio"] = (row["pytss"]["wall_ms"] / row["wall_ms"]
                                 if ok and row["wall_ms"] else None)
    return row


def print_table(rows, with_pytss, with_base):
    head = (f"{'scenario':<42}{'wall ms':>9}{'CPU ms':>8}{'TPM ms':>8}{'engine':>8}{'progs':>8}{'outside':>8}"
            f"{'RSS MiB':>8}")
    if with_base:
        head += f" | {'base wall':>9}{'CPU ms':>8}{'engine':>8}{'RSS MiB':>8}{'change':>8}"
    if with_pytss:
        head += f" | {'pytss ms':>9}{'MiB':>6}{'ratio':>7}"
    print(head)
    for r in rows:
        line = (f"{r['scenario']:<42}{fmt(r['wall_ms'], '9.1f')}{fmt(r['cpu_ms'], '8.1f')}{fmt(r['tpm_ms'], '8.1f')}"
                f"{fmt(r['own_ms'], '8.1f')}{fmt(r['programs_ms'], '8.1f')}{fmt(r['outside_ms'], '8.1f')}"
                f"{fmt(r['rss_kib'] and r['rss_kib'] / 1024, '8.1f')}")
        if with_base:
            b = r.get("base", {})
            change = (r["wall_ms"] / b["wall_ms"] - 1) * 100 if b.get("wall_ms") and r["wall_ms"] else None
            line += (f" | {fmt(b.get('wall_ms'), '9.1f')}{fmt(b.get('cpu_ms'), '8.1f')}{fmt(b.get('own_ms'), '8.1f')}"
                     f"{fmt(b.get('rss_kib') and b['rss_kib'] / 1024, '8.1f')}{fmt(change, '+7.0f')}%")
        if with_pytss and "pytss" in r:
            p = r["pytss"]
            if p["failed"]:
                line += f" | FAILED ({p['failed'][:70]})"
            else:
                line += (f" | {fmt(p['wall_ms'], '9.1f')}{fmt(p['rss_kib'] / 1024, '6.1f')}"
                         f"{fmt(p['ratio'], '6.1f')}x")
                if p["failed_runs"]:
                    line += f" ({p['failed_runs']} runs failed)"
        if r["failed"]:
            line += f"  FAILED: {r['failed'][:80]}"
        print(line)
    print()
    print("wall: the whole tpmrun process (-j 1, its private swtpm included); CPU: the CPU time of all its")
    print("processes (tpmrun, the scenario process, swtpm, programs); TPM: time in the TPM;")
    print("engine: the scenario's time outside the TPM and outside programs (results engine_ms - progs);")
    print("progs: programs run by exec steps (tpm2-tools ...), outside their TPM time; outside: wall - the")
    print("scenario's own clock (process start, loading, swtpm start-up, fork, writing results);")
    print("RSS: the scenario process's own peak (results resources.self_max_rss_kib; its programs are not in it).")
    if with_pytss:
        print("pytss: the tpm2-pytss script of the same name (python3, on an already running swtpm), in turns")
        print("with tpmrun; ratio: pytss wall / tpmrun wall (medians).")
    if with_base:
        print("base: the --baseline binary, in turns with this one; change: wall against base.")
        print_paired(rows)


def print_paired(rows):
    """Each run against the baseline's run of the same round: the median
    of those differences says more on a busy machine than either median."""
    pairs = [(r, b) for row in rows for r, b in zip(row["runs"], row.get("base_runs", []))
             if r["status"] == b["status"] == "passed"]
    if not pairs:
        return
    def diff(key):
        return median([r[key] - b[key] for r, b in pairs if r.get(key) is not None and b.get(key) is not None])
    ratio = median([r["wall_ms"] / b["wall_ms"] for r, b in pairs])
    outside = median([(r["wall_ms"] - r["duration_ms"]) - (b["wall_ms"] - b["duration_ms"]) for r, b in pairs])
    cpu_ratio = median([r["cpu_ms"] / b["cpu_ms"] for r, b in pairs if b["cpu_ms"]])
    print(f"paired ({len(pairs)} pairs, this - base, medians): wall {diff('wall_ms'):+.2f} ms "
          f"({(ratio - 1) * 100:+.1f}%), CPU {diff('cpu_ms'):+.2f} ms ({(cpu_ratio - 1) * 100:+.1f}%), "
          f"TPM {diff('tpm_ms'):+.2f} ms, engine {diff('own_ms'):+.2f} ms, outside {outside:+.2f} ms, "
          f"RSS {diff('rss_kib') / 1024:+.2f} MiB")


# ---- -j scaling ----------------------------------------------------------

def measure_scaling(args, tpmrun, paths, tmp):
    walls = {1: [], 2: []}
    failed = []
    engine = {}     # scenario -> its engine time in each -j 1 run of the suite
    for k in range(args.scaling_runs):
        for j in ((1, 2) if k % 2 == 0 else (2, 1)):
            progress(f"bench: scaling, round {k + 1}/{args.scaling_runs}, -j {j}")
            wall, rc, _, err = tpmrun.run(["-j", str(j)] + paths, tmp / "results")
            walls[j].append(wall)
            if rc != 0:
                failed.append(f"-j {j}: exit {rc}")
            for f in (tmp / "results").glob("*.json") if j == 1 else ():
                res = json.loads(f.read_text())
                fig = scenario_figures(res)
                if fig["status"] == "passed" and fig["own_ms"] is not None:
                    engine.setdefault(res["scenario"], []).append(fig)
    n = len(list((tmp / "results").glob("*.json")))
    suite = [{"scenario": sid, "own_ms": median([f["own_ms"] for f in figs]),
              "engine_ms": median([f["engine_ms"] for f in figs])} for sid, figs in engine.items()]
    return {"walls": walls, "scenarios": n, "failed": failed, "suite_engine": suite,
            "j1": median(walls[1]), "j2": median(walls[2]),
            "speedup": median(walls[1]) / median(walls[2]) if walls[2] else None}


# ---- goals -----------------------------------------------------------------

def verdict(ok):
    return "met    " if ok else "NOT met"


def goal_lines(rows, scaling, with_pytss):
    lines = []
    passed = [r for r in rows if not r["failed"]]
    # 1. an ECC or HMAC scenario against its pytss script
    if with_pytss:
        cands = [r for r in passed if "pytss" in r and r["pytss"]["ratio"]
                 and ({"ecc", "hmac"} & set(r["tags"]))]
        if cands:
            best = max(cands, key=lambda r: r["pytss"]["ratio"])
            p = best["pytss"]
            lines.append(f"{verdict(p['ratio'] >= GOAL_PYTSS_RATIO)}  an ECC or HMAC scenario >= "
                         f"{GOAL_PYTSS_RATIO:.0f}x faster than its pytss script: best {best['scenario']} "
                         f"{p['ratio']:.1f}x (tpmrun {best['wall_ms']:.1f} ms, pytss {p['wall_ms']:.1f} ms)")
        else:
            lines.append("NOT met  an ECC or HMAC scenario >= 10x faster than its pytss script: "
                         "no ECC or HMAC scenario with a working script")
    else:
        lines.append("-------  an ECC or HMAC scenario >= 10x faster than its pytss script: "
                     "not measured (make bench PYTSS_EXAMPLES=DIR)")
    # 2. -j 2 against -j 1
    if scaling and scaling["speedup"]:
        s = scaling
        lines.append(f"{verdict(s['speedup'] >= GOAL_SCALING and not s['failed'])}  -j 2 >= "
                     f"{GOAL_SCALING}x -j 1: {s['speedup']:.2f}x ({s['j1']:.1f} s / {s['j2']:.1f} s, "
                     f"{s['scenarios']} scenarios)" + (f" [{'; '.join(s['failed'])}]" if s["failed"] else ""))
    else:
        lines.append(f"-------  -j 2 >= {GOAL_SCALING}x -j 1: not measured (--no-scaling)")
    # 3. peak memory of a scenario process
    rss = sorted((r for r in passed if r["rss_kib"]), key=lambda r: -r["rss_kib"])
    if rss:
        worst = ", ".join(f"{r['scenario']} {r['rss_kib'] / 1024:.1f}" for r in rss[:3])
        over = sum(1 for r in rss if r["rss_kib"] / 1024 >= GOAL_RSS_MIB)
        lines.append(f"{verdict(not over)}  peak memory of a scenario process < {GOAL_RSS_MIB:.0f} MiB: "
                     f"largest {worst} MiB; median {median([r['rss_kib'] for r in rss]) / 1024:.1f} MiB; "
                     f"{over} of {len(rss)} at or over (its own, without programs it ran)")
    # 4. engine time outside the TPM: in the -j 1 runs of the suite when there
    # were some (as --timings reports it), else in the one-scenario runs above
    suite = scaling and scaling.get("suite_engine")
    where = "the -j 1 runs of the suite" if suite else "one-scenario runs (--no-scaling)"
    eng = sorted((r for r in (suite or passed) if r["own_ms"] is not None), key=lambda r: -r["own_ms"])
    if eng:
        med = median([r["own_ms"] for r in eng])
        raw = median([r["engine_ms"] for r in eng])
        worst = ", ".join(f"{r['scenario']} {r['own_ms']:.1f}" for r in eng[:4])
        lines.append(f"{verdict(med < GOAL_ENGINE_MS)}  engine time outside the TPM < {GOAL_ENGINE_MS:.0f} ms "
                     f"per scenario: median {med:.2f} ms over {len(eng)} scenarios in {where} (programs' "
                     f"time left out; with it {raw:.1f} ms); worst {worst} ms")
    return lines


def load_line():
    try:
        return " ".join(pathlib.Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Prints a table per scenario, the -j scaling line and the goals. "
                                        "A figure, not a test: it fails only when it cannot measure.")
    ap.add_argument("--tpmrun", default=str(ROOT / "tpmrun"), help="the tpmrun to measure (default: ./tpmrun)")
    ap.add_argument("-n", "--runs", type=int, default=7, help="runs per scenario (default 7; medians)")
    ap.add_argument("-k", action="append", default=[], metavar="PATTERN",
                    help="only these scenarios (tpmrun's -k: glob or substring; repeatable)")
    ap.add_argument("--pytss", metavar="DIR", help="tpm2-pytss scripts named like the scenarios "
                    "(<scenario>.py, tcti swtpm:port=2321): run in turns with tpmrun")
    ap.add_argument("--baseline", metavar="TPMRUN", help="another tpmrun binary, run in turns with --tpmrun "
                    "(before/after an optimisation)")
    ap.add_argument("--scaling-runs", type=int, default=3, help="rounds of -j 1 and -j 2 (default 3)")
    ap.add_argument("--no-scaling", action="store_true", help="leave the -j scaling line out")
    ap.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    ap.add_argument("paths", nargs="*", help=f"scenario files or directories (default: {' '.join(EXAMPLES)})")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.scaling_runs < 1:
        ap.error("--runs and --scaling-runs take 1 or more")
    pytss_dir = pathlib.Path(args.pytss).resolve() if args.pytss else None
    if pytss_dir and not pytss_dir.is_dir():
        ap.error(f"--pytss {args.pytss}: not a directory")
    paths = args.paths or EXAMPLES

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-bench-"))
    try:
        return bench(args, paths, pytss_dir, tmp)
    finally:
        left = sorted(p.name for p in tmp.iterdir() if p.name not in ("results", "tpmrun", "tpmrun-baseline"))
        shutil.rmtree(tmp, ignore_errors=True)
        if left:
            print(f"bench: left behind in its TMPDIR (removed now): {left}", file=sys.stderr)


def private_copy(path, tmp, name):
    """The binary as it is now: a rebuild while the bench runs changes nothing."""
    src = pathlib.Path(path).resolve()
    if not os.access(src, os.X_OK):
        sys.exit(f"bench: {path}: not an executable (make first)")
    dst = tmp / name
    shutil.copy2(src, dst)
    return dst


def bench(args, paths, pytss_dir, tmp):
    tpmrun = Tpmrun(private_copy(args.tpmrun, tmp, "tpmrun"), tmp)
    baseline = Tpmrun(private_copy(args.baseline, tmp, "tpmrun-baseline"), tmp) if args.baseline else None
    scenarios = tpmrun.list(paths, args.k)
    if not scenarios:
        sys.exit("bench: no scenario selected")
    version = subprocess.run([tpmrun.path, "--version"], capture_output=True, text=True).stdout.strip()
    load0 = load_line()
    print(f"tpmrun bench: {version} ({args.tpmrun}); {len(scenarios)} scenarios, {args.runs} runs each, medians")
    print(f"machine: {os.cpu_count()} CPUs, load average {load0} at the start"
          + (f"; pytss scripts from {pytss_dir}" if pytss_dir else ""))
    print()
    rows = measure_scenarios(args, tpmrun, baseline, scenarios, pytss_dir, tmp)
    print_table(rows, pytss_dir is not None, baseline is not None)
    scaling = None
    if not args.no_scaling:
        scaling = measure_scaling(args, tpmrun, paths, tmp)
        print()
        print(f"-j scaling ({scaling['scenarios']} scenarios: {' '.join(paths)}; {args.scaling_runs} rounds "
              f"in turns, medians): -j 1 {scaling['j1']:.2f} s, -j 2 {scaling['j2']:.2f} s, "
              f"speed-up {scaling['speedup']:.2f}x")
    print()
    print(f"goals (load average {load_line()} at the end):")
    for line in goal_lines(rows, scaling, pytss_dir is not None):
        print("  " + line)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"rows": rows, "scaling": scaling, "load": [load0, load_line()]},
                                                      indent=1))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
