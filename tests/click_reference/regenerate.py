#!/usr/bin/env python3
"""Regenerates tests/click_reference/expected/ by running the ORIGINAL Click user-level driver
on every configuration in cases/. It does not build Click: pass the path of an already built
`click` binary (CLICK=/path/to/click, or the first argument).

    CLICK=/tmp/click-src/userlevel/click tests/click_reference/regenerate.py [CASE ...]

Each case runs in an empty directory with `click -f CASE.click IN=<inputs dir> ARGS...`, ARGS
coming from the case's `// args:` line (`click -e TEXT ...` with the file's text for a case
with an `// as-expr:` line). Saved: stdout, stderr, the exit status (rc) and every
file the configuration wrote (ToDump pcaps). Lines in which Click reports its own buffer
management ("expensive Packet::push; have 14 wanted 20": a packet had too little headroom and
was copied) are left out of stderr: they describe Click's memory layout, not the router's
behaviour, and vrouter keeps enough headroom that it never has the case. The cases and inputs
directories are removed from paths in stderr (warnings name the configuration file, runtime
messages an input file).
"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def case_args(path):
    args = []
    with open(path) as f:
        for line in f:
            if line.startswith("// args:"):
                args += shlex.split(line[len("// args:"):])
    return args


def as_expr(path):
    """True for a case that carries `// as-expr:`: its text is given with -e, not -f."""
    with open(path) as f:
        return any(line.startswith("// as-expr:") for line in f)


def main():
    argv = sys.argv[1:]
    click = os.environ.get("CLICK")
    if not click and argv and os.path.basename(argv[0]) == "click":
        click = argv.pop(0)
    if not click:
        sys.exit("set CLICK to the path of the original Click's userlevel/click binary")
    cases = argv or sorted(f[:-6] for f in os.listdir(os.path.join(HERE, "cases")) if f.endswith(".click"))
    for name in cases:
        conf = os.path.join(HERE, "cases", name + ".click")
        out = os.path.join(HERE, "expected", name)
        shutil.rmtree(out, ignore_errors=True)
        with tempfile.TemporaryDirectory() as work:
            source = ["-e", open(conf).read()] if as_expr(conf) else ["-f", conf]
            cmd = [click] + source + ["IN=" + os.path.join(HERE, "inputs")] + case_args(conf)
            p = subprocess.run(cmd, cwd=work, capture_output=True, timeout=60)
            os.makedirs(out)
            for f in sorted(os.listdir(work)):
                shutil.copy(os.path.join(work, f), os.path.join(out, f))
        stderr = b"".join(l for l in p.stderr.splitlines(keepends=True) if not l.startswith(b"expensive Packet::"))
        # Messages name the configuration by its path: keep only the file name, so that the
        # expected output does not depend on where the repository is.
        stderr = stderr.replace((os.path.join(HERE, "cases") + os.sep).encode(), b"")
        # Likewise for input files named in runtime messages (FromDump's bad headers).
        stderr = stderr.replace((os.path.join(HERE, "inputs") + os.sep).encode(), b"")
        with open(os.path.join(out, "stdout"), "wb") as f:
            f.write(p.stdout)
        with open(os.path.join(out, "stderr"), "wb") as f:
            f.write(stderr)
        with open(os.path.join(out, "rc"), "w") as f:
            f.write("%d\n" % p.returncode)
        print(name, "rc", p.returncode)


if __name__ == "__main__":
    main()
