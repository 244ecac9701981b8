#!/usr/bin/env python3
"""Teacher calls to reach a target R², active sampling against uniform sampling.

    python3 bench/active_learning.py [--nimp PATH] [--seeds 1,2,3,4,5] [--target 0.99]
        [--n0 200] [--k 100] [--rounds 70] [--teachers dopamine,cortisol,serotonin,growth,command,front,corner]
        [--continue] [--cycle] [--json out.json]

For each teacher (the four built-in generators, and three teacher commands that sleep 1 ms
per row: `command`, smooth and non-linear in 10 inputs; `front`, a steep circular front;
`corner`, a plane but for a wave in one corner of the cube), each seed and each arm:
start from --n0 uniform rows; then, each round, train a surrogate with `nimp train`
(fixed genome: 32-32 relu, Adam, early stopping on a 10% split), measure its R² on a
fixed set of 5,000 uniform rows, and — until it reaches --target — label --k more rows:
`nimp gen-data … --seed S` (uniform) or `nimp gen-data … --active-from MODEL --labelled
ROWS` (active). The teacher calls of an arm are the rows it had labelled when it first
reached the target (for the command, also counted by the command itself). An arm that
never reaches it within --rounds counts as not reached. The table gives, per teacher,
the median over seeds of both and the median ratio active / uniform (seeds where both
reached it). With --cycle the rows are added by `nimp cycle` instead: a registry of one
model (the surrogate of --n0 rows, `--sampling uniform` or `active`, --k fresh rows a
task), one forced cycle a round.
Standard library only: R² comes from `nimp evaluate`.
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
sys.stdout.reconfigure(line_buffering=True)

import argparse, json, shutil, statistics, subprocess, tempfile, time

GENERATORS = ["dopamine", "cortisol", "serotonin", "growth"]
GENOME = ["--hidden", "32,32", "--epochs", "300", "--patience", "20", "--validation-split", "0.1", "--learning-rate", "0.003"]
TEST_ROWS = 5000

# The slow teachers: 1 ms per row each; each adds the rows it labelled to the file $COUNT
# names, so its calls are counted by the teacher itself. "command" is smooth and
# non-linear in all 10 inputs. The other two have local structure, as a simulation with a
# shock or a regime of its own has: "front" a steep circular front in two of its 6 inputs
# over a smooth background, "corner" a plane but for a wave in the corner x0, x1 > 0.7.
TEACHER = r'''
import json, math, os, sys, time
def smooth(x):
    z = (math.sin(3 * x[0]) * math.exp(-x[1]) + 0.8 * math.tanh(4 * (x[2] * x[3] - 0.25))
         + 0.5 * (x[4] - x[5]) ** 2 + 0.3 * math.cos(math.pi * x[6] * x[7]) - 0.4 * x[8] * x[9])
    return 1 / (1 + math.exp(-2 * z))
def front(x):
    r = math.hypot(x[0] - 0.5, x[1] - 0.5)
    return math.tanh(40 * (r - 0.3)) + 0.3 * math.sin(3 * x[2]) + 0.2 * x[3] * x[4] - 0.1 * x[5]
def corner(x):
    w = 1 / (1 + math.exp(-40 * (x[0] - 0.7))) / (1 + math.exp(-40 * (x[1] - 0.7)))
    return 0.3 * x[2] - 0.2 * x[3] + 0.1 * x[4] * x[5] + w * math.sin(12 * x[0] + 9 * x[1])
f = {"command": smooth, "front": front, "corner": corner}[sys.argv[1]]
n = 0
for line in sys.stdin:
    time.sleep(0.001)
    print(json.dumps([f(json.loads(line))]))
    n += 1
with open(os.environ["COUNT"], "a") as out:
    out.write(f"{n}\n")
'''
COMMANDS = {"command": 10, "front": 6, "corner": 6}  # teacher command → its number of inputs


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, what, env=None):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"bench: {what} failed (exit {p.returncode}): {' '.join(map(str, cmd))}\n{p.stderr}")
    return p


class Teacher:
    def __init__(self, name, work):
        self.name = name
        self.count = os.path.join(work, f"{name}.count")
        if name in COMMANDS:
            script = os.path.join(work, "teacher.py")
            with open(script, "w") as f:
                f.write(TEACHER)
            self.source = ["--teacher-command", f"{sys.executable} {script} {name}", "--features", str(COMMANDS[name])]
            self.target = "y0"
        else:
            self.source = ["--generator", f"signal/{name}"]
            self.target = name
        self.env = dict(os.environ, COUNT=self.count)

    def counted(self):
        """Rows the command labelled so far (generators do not count themselves)."""
        if not os.path.exists(self.count):
            return None
        return sum(int(line) for line in open(self.count) if line.strip())

    def reset(self):
        if os.path.exists(self.count):
            os.unlink(self.count)


def append_rows(labelled, new):
    with open(new) as f:
        lines = f.read().splitlines()[1:]
    with open(labelled, "a") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


def arm(nimp, teacher, test, mode, seed, args, work):
    """Rows labelled when the surrogate first reached the target (None if it never did), the
    curve of (rows, R²), the command's own count, and the CPU-seconds of the sampler."""
    d = tempfile.mkdtemp(prefix=f"{teacher.name}-{mode}-{seed}-", dir=work)
    labelled, model = os.path.join(d, "labelled.csv"), os.path.join(d, "model.nimp")
    teacher.reset()
    run([nimp, "gen-data", *teacher.source, "--samples", args.n0, "--seed", seed * 1000, "-o", labelled, "-q"], "gen-data", teacher.env)
    rows, curve, reached, sampler_cpu = args.n0, [], None, 0.0
    for r in range(args.rounds + 1):
        previous = os.path.join(d, "previous.nimp")
        if os.path.exists(model):
            os.replace(model, previous)
        start = ["--init", previous] if args.continue_training and os.path.exists(previous) else []
        run([nimp, "train", "--data", labelled, "--target", teacher.target, *GENOME, *start, "--seed", seed, "-o", model,
             "--metrics", os.devnull, "-q"], "train")
        r2 = json.loads(run([nimp, "evaluate", model, "--data", test, "--latency-samples", "1"], "evaluate").stdout)["r2"]
        curve.append((rows, round(r2, 5)))
        if r2 >= args.target:
            reached = rows
            break
        if r == args.rounds:
            break
        new = os.path.join(d, f"round{r}.csv")
        cmd = [nimp, "gen-data", *teacher.source, "--samples", args.k, "--seed", seed * 1000 + r + 1, "-o", new, "-q"]
        if mode == "active":
            cmd += ["--active-from", model, "--labelled", labelled]
        t0 = os.times()
        run(cmd, "gen-data", teacher.env)
        t1 = os.times()
        sampler_cpu += (t1.children_user - t0.children_user) + (t1.children_system - t0.children_system)
        rows += append_rows(labelled, new)
    counted = teacher.counted()
    if teacher.name in COMMANDS and counted is not None and counted != rows:
        sys.exit(f"bench: the teacher command counted {counted} rows, the bench {rows}")
    shutil.rmtree(d)
    return dict(calls=reached, curve=curve, counted=counted, sampler_cpu=round(sampler_cpu, 2))


def cycle_arm(nimp, teacher, test, mode, seed, args, work):
    """As `arm`, but the rows are added by `nimp cycle`: a registry of one model, the
    surrogate trained on --n0 uniform rows, whose tasks label --k fresh rows each with
    `--sampling MODE`. The cycle aims at r2=0.999 so it keeps working; the arm stops when
    the champion's R² on the fixed test rows reaches --target. Calls = --n0 + the
    `teacher_rows` history records (the gate's eval set, 2,000 uniform rows, is apart)."""
    d = tempfile.mkdtemp(prefix=f"{teacher.name}-cycle-{mode}-{seed}-", dir=work)
    labelled, model, evalset, reg = (os.path.join(d, f) for f in ("labelled.csv", "model.nimp", "eval.csv", "registry"))
    run([nimp, "gen-data", *teacher.source, "--samples", args.n0, "--seed", seed * 1000, "-o", labelled, "-q"], "gen-data", teacher.env)
    run([nimp, "gen-data", *teacher.source, "--samples", 2000, "--seed", seed * 1000 + 999, "-o", evalset, "-q"], "gen-data", teacher.env)
    run([nimp, "train", "--data", labelled, "--target", teacher.target, *GENOME, "--seed", seed, "-o", model,
         "--metrics", os.devnull, "-q"], "train")
    run([nimp, "registry", "--registry", reg, "init", "-q"], "registry init")
    # Many promotions on one eval set: the bench measures on its own test rows.
    run([nimp, "registry", "--registry", reg, "config", "gate_promotion_budget", 100000], "registry config")
    run([nimp, "registry", "--registry", reg, "add", "m", model, "--data", labelled, "--eval", evalset, "--target-column", teacher.target,
         *teacher.source, "--samples", args.k, "--sampling", mode, "--target", "r2=0.999", "-q"], "registry add", teacher.env)
    rows, curve, reached, stalled = args.n0, [], None, 0
    for c in range(args.rounds + 1):
        version = open(os.path.join(reg, "models", "m", "champion")).read().strip()
        champion = os.path.join(reg, "models", "m", "versions", version + ".nimp")
        r2 = json.loads(run([nimp, "evaluate", champion, "--data", test, "--latency-samples", "1"], "evaluate").stdout)["r2"]
        curve.append((rows, round(r2, 5)))
        if r2 >= args.target:
            reached = rows
            break
        if c == args.rounds or stalled >= 5:
            break
        run([nimp, "cycle", "--registry", reg, "--force", "--budget-seconds", 60, "--jobs", 1, "-q"], "cycle", teacher.env)
        lines = run([nimp, "registry", "--registry", reg, "history", "--type", "task", "--format", "json"], "history").stdout.splitlines()
        labelled_now = args.n0 + sum(json.loads(line).get("teacher_rows", 0) for line in lines)
        stalled = stalled + 1 if labelled_now == rows else 0
        rows = labelled_now
    shutil.rmtree(d)
    return dict(calls=reached, curve=curve, counted=None, sampler_cpu=None)


def fmt(v):
    return "—" if v is None else f"{v:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nimp")
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--target", type=float, default=0.99)
    ap.add_argument("--n0", type=int, default=200)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=70)
    ap.add_argument("--teachers", default=",".join(GENERATORS + list(COMMANDS)))
    ap.add_argument("--continue", dest="continue_training", action="store_true",
                    help="each round continues the previous round's surrogate (as cycle training tasks do) instead of training afresh")
    ap.add_argument("--cycle", action="store_true",
                    help="the rows come from `nimp cycle` tasks of a registry with --sampling uniform or active, not from gen-data rounds")
    ap.add_argument("--json")
    args = ap.parse_args()
    nimp = common.nimp_binary(args.nimp)
    seeds = [int(s) for s in args.seeds.split(",")]
    work = tempfile.mkdtemp(prefix="nimp-active-")
    results = {}
    try:
        for name in args.teachers.split(","):
            teacher = Teacher(name, work)
            test = os.path.join(work, f"{name}-test.safetensors")
            run([nimp, "gen-data", *teacher.source, "--samples", TEST_ROWS, "--seed", 999_999, "-o", test, "-q"], "gen-data", teacher.env)
            results[name] = []
            for seed in seeds:
                row = {"seed": seed}
                for mode in ("uniform", "active"):
                    t0 = time.time()
                    row[mode] = (cycle_arm if args.cycle else arm)(nimp, teacher, test, mode, seed, args, work)
                    log(f"{name} seed {seed} {mode}: {fmt(row[mode]['calls'])} calls ({time.time() - t0:.0f} s) curve {row[mode]['curve']}")
                results[name].append(row)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(common.cpu_line())
    how = f"{args.k} rows a cycle task, at most {args.rounds} cycles" if args.cycle else f"{args.k} rows a round, at most {args.rounds} rounds"
    print(f"target R² {args.target} on {TEST_ROWS:,} uniform rows; start {args.n0} uniform rows, {how}; seeds {args.seeds}; "
          f"surrogate {' '.join(GENOME)}{' (the first; then the cycle trains)' if args.cycle else ''}")
    print("| teacher | uniform: calls | active: calls | active / uniform (median) | per seed |")
    print("| --- | --- | --- | --- | --- |")
    for name, rows in results.items():
        uni = [r["uniform"]["calls"] for r in rows]
        act = [r["active"]["calls"] for r in rows]
        ratios = [a / u for u, a in zip(uni, act) if u and a]
        med = lambda v: statistics.median(v) if v and all(x is not None for x in v) else None
        per = ", ".join(f"{fmt(u)}→{fmt(a)}" for u, a in zip(uni, act))
        ratio = f"{statistics.median(ratios):.2f}" if ratios else "—"
        print(f"| {name} | {fmt(med(uni))} | {fmt(med(act))} | {ratio} | {per} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(args=vars(args), cpu=common.cpu_line(), results=results), f, indent=1)


if __name__ == "__main__":
    main()
