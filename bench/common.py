"""Shared helpers of bench/own_data.py and bench/csv_speed.py (standard library only).

- use_bench_python(): re-executes the calling script under the bench venv's python:
  --python PATH, else $NIMP_BENCH_PYTHON, else `scripts/python-env bench/requirements.txt`
  (makes or reuses the venv), else a venv of our own under ~/.cache/nimp/bench-venv.
- nimp_binary(): --nimp, else $NIMP, else .build/release/nimp, else .build/debug/nimp.
- measure(): runs one process and returns its wall time, user/system CPU (os.wait4 on its
  pid, so earlier children do not count) and peak RSS, from /usr/bin/time -f %M when there is
  one: a child forked from this (large) python starts with its RSS, which ru_maxrss keeps
  across exec, so wait4's maxrss would report the python's size, not nimp's.
- cpu_line(): lscpu's model name and whether the CPU has avx512f / avx2.
"""
import hashlib, os, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIREMENTS = os.path.join(REPO, "bench", "requirements.txt")


def _own_venv():
    """A venv under ~/.cache/nimp made from bench/requirements.txt (when scripts/python-env is absent)."""
    venv = os.path.expanduser("~/.cache/nimp/bench-venv")
    stamp = os.path.join(venv, "nimp-stamp")
    digest = hashlib.sha256(open(REQUIREMENTS, "rb").read()).hexdigest()
    py = os.path.join(venv, "bin", "python")
    if not (os.path.exists(py) and os.path.exists(stamp) and open(stamp).read().strip() == digest):
        print(f"bench: installing {REQUIREMENTS} into {venv}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", "-r", REQUIREMENTS], check=True, stdout=sys.stderr)
        with open(stamp, "w") as f:
            f.write(digest + "\n")
    return py


def use_bench_python(requirements=REQUIREMENTS):
    """Re-exec this script under the venv of `requirements` (bench/requirements.txt by
    default) unless it already runs there."""
    argv = sys.argv[1:]
    python = os.environ.get("NIMP_BENCH_PYTHON")
    for i, a in enumerate(argv):
        if a == "--python" and i + 1 < len(argv):
            python = argv[i + 1]
            del argv[i:i + 2]
            break
        if a.startswith("--python="):
            python = a.split("=", 1)[1]
            del argv[i]
            break
    if os.environ.get("NIMP_BENCH_REEXEC") == "1":  # already re-executed once
        sys.argv[1:] = argv
        return
    if not python:
        env_script = os.path.join(REPO, "scripts", "python-env")
        if os.access(env_script, os.X_OK):
            python = subprocess.run([env_script, requirements], check=True, stdout=subprocess.PIPE,
                                    text=True).stdout.strip().splitlines()[-1]
        else:
            python = _own_venv()
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        sys.argv[1:] = argv
        return
    os.environ["NIMP_BENCH_REEXEC"] = "1"
    os.execv(python, [python, os.path.abspath(sys.argv[0]), *argv])


def nimp_binary(flag=None):
    if flag:
        return flag
    if os.environ.get("NIMP"):
        return os.environ["NIMP"]
    for build in ("release", "debug"):
        path = os.path.join(REPO, ".build", build, "nimp")
        if os.access(path, os.X_OK):
            return path
    sys.exit("bench: no nimp binary (.build/release/nimp or .build/debug/nimp); pass --nimp or set NIMP")


class Run:
    """One finished process: returncode, wall/user/sys seconds, peak RSS (MiB), stdout/stderr text."""
    def __init__(self, **kw):
        self.__dict__.update(kw)

    def check(self, what="command"):
        if self.returncode != 0:
            sys.exit(f"bench: {what} failed (exit {self.returncode}): {' '.join(self.cmd)}\n{self.stderr}")
        return self


def measure(cmd, stdin=None, stdout=None, capture=False):
    """Run cmd; stdin/stdout: a file object, or None (stdin: /dev/null; stdout: /dev/null
    unless capture). stderr is always captured."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out, \
            tempfile.NamedTemporaryFile("r", prefix="nimp-bench-rss-") as rss:
        sink = out if capture else (stdout if stdout is not None else subprocess.DEVNULL)
        timed = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd] if os.access("/usr/bin/time", os.X_OK) else cmd
        t0 = time.perf_counter()
        p = subprocess.Popen(timed, stdin=stdin if stdin is not None else subprocess.DEVNULL, stdout=sink, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0), out.seek(0)
        lines = rss.read().split()
        maxrss = int(lines[-1]) / 1024 if timed is not cmd and lines and lines[-1].isdigit() else float("nan")
        return Run(cmd=[str(c) for c in cmd], returncode=p.returncode, wall=wall, user=ru.ru_utime, sys=ru.ru_stime,
                   maxrss_mib=maxrss, stdout=out.read().decode(errors="replace"),
                   stderr=err.read().decode(errors="replace"))


def cpu_line():
    model = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = set()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    simd = ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in ("avx512f", "avx2"))
    return f"CPU: {model} ({os.cpu_count()} cores; {simd}); load average {' '.join(open('/proc/loadavg').read().split()[:3])}"
