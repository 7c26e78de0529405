#!/usr/bin/python3
"""Loader scale benchmark: `tpmrun --check` time for generated files whose
size grows with N, for several shapes (many steps, vars, references, keys,
anchors, fragment uses ...).  N doubles from column to column: linear
growth means each time is about twice the one before (x2.0).  Prints a
table; nothing here fails on a time (the figures are for reading).

    tests/bench/loader_scale.py [TPMRUN] [N...]"""
import os
import subprocess
import sys
import tempfile
import time


def one_var(n):
    return "vars:\n  m: hello\nsteps:\n" + '  - assert.equal: {actual: "${m}", expected: hello}\n' * n


def n_vars(n):
    return ("vars:\n" + "".join(f"  v{i}: x{i}\n" for i in range(n)) + "steps:\n" +
            "".join(f'  - assert.equal: {{actual: "${{v{i}}}", expected: x{i}}}\n' for i in range(n)))


def refs_in_one_string(n):
    return "vars:\n  m: hello\nsteps:\n" + '  - assert.equal: {actual: "' + "${m}" * n + '", expected: x}\n'


def saves_used(n):
    return "steps:\n" + "".join(
        f"  - crypto.hash: {{data: x{i}}}\n    save: h{i}\n"
        f"  - assert.length: {{actual: \"${{h{i}.digest}}\", expected: 32}}\n" for i in range(n // 2))


def keys_in_one_mapping(n):
    """One var that is a mapping of N keys, each field referred to once."""
    return ("vars:\n  m:\n" + "".join(f"    k{i}: x{i}\n" for i in range(n)) + "steps:\n" +
            "".join(f'  - assert.equal: {{actual: "${{m.k{i}}}", expected: x{i}}}\n' for i in range(n)))


def anchors_aliased(n):
    """N anchored vars, each aliased once."""
    return ("vars:\n" + "".join(f"  v{i}: &a{i} x{i}\n" for i in range(n)) + "steps:\n" +
            "".join(f'  - assert.equal: {{actual: "${{v{i}}}", expected: *a{i}}}\n' for i in range(n)))


def merge_of_n_keys(n):
    """A mapping of N/2 keys merged (<<) into another that overrides them all
    (N/2: the alias copies N nodes, under the cap on what aliases copy)."""
    n //= 2
    return ("vars:\n  base: &base\n" + "".join(f"    k{i}: x{i}\n" for i in range(n)) +
            "  over:\n    <<: *base\n" + "".join(f"    k{i}: y{i}\n" for i in range(n)) +
            "steps:\n  - assert.equal: {actual: \"${over.k0}\", expected: y0}\n")


def concat_items(n):
    """One {concat: [...]} of N items."""
    return ("vars:\n  m: hello\nsteps:\n  - assert.length:\n      actual: {concat: [" +
            ", ".join('"${m}"' if i % 2 else "{hex: 00}" for i in range(n)) + f"]}}\n      expected: {n}\n")


def fragment_uses(n):
    """N uses of one fragment, each saving under its own prefix."""
    frag = ("fragment: twice\nparams: {x: ~}\nsteps:\n"
            "  - crypto.hash: {data: \"${x}\"}\n    save: h\n"
            "  - assert.length: {actual: \"${h.digest}\", expected: 32}\n")
    main = "steps:\n" + "".join(f"  - use: {{file: frag.yaml, with: {{x: v{i}}}, as: p{i}}}\n" for i in range(n // 2))
    return main, {"frag.yaml": frag}


def fragment_of_n_steps(n):
    """One fragment of N steps, each saving a name the caller sees under a prefix."""
    frag = "fragment: many\nparams: {x: ~}\nsteps:\n" + "".join(
        f"  - crypto.hash: {{data: \"${{x}}{i}\"}}\n    save: h{i}\n" for i in range(n))
    main = f"steps:\n  - use: {{file: frag.yaml, with: {{x: v}}, as: p}}\n" + \
        f"  - assert.length: {{actual: \"${{p_h{n - 1}.digest}}\", expected: 32}}\n"
    return main, {"frag.yaml": frag}


SHAPES = {
    "one var, N steps": one_var,
    "N vars, N steps": n_vars,
    "N refs in one string": refs_in_one_string,
    "N saves, each used": saves_used,
    "N keys in one mapping": keys_in_one_mapping,
    "N anchors, N aliases": anchors_aliased,
    "merge of N/2 keys": merge_of_n_keys,
    "concat of N items": concat_items,
    "N/2 fragment uses": fragment_uses,
    "fragment of N steps": fragment_of_n_steps,
}


def check_time(tpmrun, d, made):
    main, extra = made if isinstance(made, tuple) else (made, {})
    for name, text in extra.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    path = os.path.join(d, "s.yaml")
    with open(path, "w") as f:
        f.write(main)
    t0 = time.monotonic()
    r = subprocess.run([tpmrun, "--check", path], capture_output=True, text=True)
    elapsed = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit(f"tpmrun --check failed on a generated file:\n{r.stdout}{r.stderr}")
    return elapsed


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    tpmrun = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "tpmrun")
    sizes = [int(a) for a in sys.argv[2:]] or [10000, 20000, 40000, 80000]
    print("loader scale: tpmrun --check seconds; linear growth is x2.0 per doubling of N")
    print(f"{'shape':24}" + "".join(f"{n:>10}" for n in sizes) + "   growth per doubling")
    for name, make in SHAPES.items():
        times = []
        for n in sizes:
            with tempfile.TemporaryDirectory() as d:
                times.append(check_time(tpmrun, d, make(n)))
        growth = " ".join(f"x{b / a:.1f}" for a, b in zip(times, times[1:]))
        print(f"{name:24}" + "".join(f"{t:>9.2f}s" for t in times) + f"   {growth}", flush=True)


if __name__ == "__main__":
    main()
