#!/usr/bin/env python3
"""The promotion gate against noise: today's gate (a baseline binary) and a new one run the
same cycles on the same data, and every promotion is checked on an audit split no gate reads.

    python3 bench/gate.py --baseline-nimp PATH [--nimp PATH] [--cycles 200]
                          [--datasets iris,wine,...] [--jobs 1] [--seed 0] [--signal-samples 1000]
                          [--json results.json] [--keep-files] [--python VENV_PYTHON]

Datasets (all offline): scikit-learn's iris, wine, breast_cancer (classification) and
diabetes (regression); statsmodels' star98 (regression of the proportion of pupils above
the national median, NABOVE / (NABOVE + NBELOW)) and anes96 (classification of the 1996
vote); palmerpenguins' penguins (species; NA cells as shipped); the four built-in
generators `nimp gen-data --generator signal/NAME` (regression; 1000 rows, the target is
the header's last column); and `null`, six random inputs with pure-noise labels (3
classes) and a small eval set, where no promotion can be real.
Each table is split once (seeded; stratified for classification) into train / eval /
audit, 60/20/20 (null: 300 / 60 / 600 rows). Every model starts from the same weak
champion (`nimp train --hidden 2 --epochs 1`) with the target accuracy or r2 = 0.999, so
cycles keep working on a quality gap (only a perfect eval score meets it: wine and penguins
get there within about 40 cycles, and their later cycles do nothing).

Per dataset and gate: a fresh registry with that one model (`registry add --data train
--eval eval`, plus `--audit audit` when that binary's `registry add --help` has it),
`improvement_interval 0`, and `nimp cycle --force -q` --cycles times. Then every promoted
version and the version it replaced (the task line's parent) are evaluated on the audit
split (`nimp evaluate`, the gate's own binary) and predicted row by row (`nimp predict`):
a promotion is "worse on audit" when its audit accuracy / R² is lower than its parent's,
and "significantly worse" when a two-sided paired test at 5% says so (classification:
exact McNemar test on per-row correctness; regression: paired t-test on per-row squared
error). The report also gives the final champion's eval and audit quality and their gap
(the gate selects on eval, so its eval score is biased upwards), the gap of a model
trained once with `nimp train` defaults (no selection on eval), and the final audit
quality of the new gate minus the baseline's, in points (accuracy or R² × 100).

Weak models, the reference model and generated data are made once with the baseline
binary and shared by both gates. Both binaries are copied to a temp dir at the start, so
rebuilding a tree during a run does not change them. Markdown goes to stdout, progress to
stderr, everything measured to --json (every promotion with its eval and audit quality and
p-value, seconds per cycle, environment triggers). The default run (200 cycles, both gates,
all 12 datasets) took 38 minutes on 2 cores; the script prints its estimate first.

The cycle reads the machine: a 1-minute load average above 1.5 per core (`high_load`)
shrinks its architecture searches, so a busy machine changes what a run does. Runs of one
binary are identical when their triggers are; the report counts the cycles with a trigger
and marks datasets where the two gates' counts differ. Run on an otherwise idle machine
with --jobs 1, and `--nimp` = the baseline binary gives the run-to-run floor (A/A).
Python: --python, $NIMP_BENCH_PYTHON, else scripts/python-env bench/requirements.txt.
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
common.use_bench_python()
sys.stdout.reconfigure(line_buffering=True)

import argparse, concurrent.futures, glob, io, json, re, shutil, signal, subprocess, tempfile, time
import numpy as np
import pandas as pd
from scipy import stats
from sklearn.model_selection import train_test_split

GATES = ("baseline", "new")
SIGNAL_SAMPLES = 1000  # rows generated per signal table, before the 60/20/20 split
NULL_ROWS = dict(train=300, eval=60, audit=600)

# Seconds per `nimp cycle` measured with the baseline binary (e4567f2) at these sizes, 200
# cycles, --jobs 1, on a 2-core Xeon (AVX-512) shared with a build: the basis of the printed
# estimate only. A cycle is mostly one architecture search whatever the table's size; wine and
# penguins reach eval accuracy 1.0 (the 0.999 target) early, and later cycles do nothing.
# The full default run took 2261 s (38 min).
SECONDS_PER_CYCLE = {name: 0.55 for name in ("iris", "breast_cancer", "diabetes", "star98", "anes96", "dopamine",
                                             "cortisol", "serotonin", "growth", "null")}
SECONDS_PER_CYCLE.update(wine=0.12, penguins=0.08)
SECONDS_PER_DATASET = 3  # splits, weak and reference models, audit evaluations


# --- tables --------------------------------------------------------------------------------

def sklearn_table(name):
    def load(ctx):
        from sklearn import datasets
        frame = getattr(datasets, f"load_{name}")(as_frame=True).frame
        frame.columns = [re.sub(r"[^A-Za-z0-9_]+", "_", c).strip("_") for c in frame.columns]
        return frame, "target"
    return load


def star98(ctx):
    import statsmodels.api as sm
    df = sm.datasets.star98.load_pandas().data
    df["prop_above"] = df["NABOVE"] / (df["NABOVE"] + df["NBELOW"])
    return df.drop(columns=["NABOVE", "NBELOW"]), "prop_above"


def anes96(ctx):
    import statsmodels.api as sm
    df = sm.datasets.anes96.load_pandas().data
    df["vote"] = df["vote"].astype(int)  # 0 Clinton, 1 Dole
    return df, "vote"


def penguins(ctx):
    import palmerpenguins
    return palmerpenguins.load_penguins(), "species"


def signal_table(generator):
    def load(ctx):
        out = subprocess.run([ctx["nimp"], "gen-data", "--generator", generator, "--samples", str(ctx["samples"]),
                              "--seed", str(ctx["seed"] + 1), "--format", "csv", "-q"],
                             check=True, capture_output=True, text=True).stdout
        df = pd.read_csv(io.StringIO(out))
        return df, df.columns[-1]  # the generator's target is the last column of its header
    return load


def null_table(ctx):
    rng = np.random.default_rng(ctx["seed"] + 7)
    n = sum(NULL_ROWS.values())
    df = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{i}" for i in range(6)])
    df["label"] = rng.integers(0, 3, size=n)
    return df, "label"


DATASETS = {
    "iris": dict(load=sklearn_table("iris"), task="classification"),
    "wine": dict(load=sklearn_table("wine"), task="classification"),
    "breast_cancer": dict(load=sklearn_table("breast_cancer"), task="classification"),
    "diabetes": dict(load=sklearn_table("diabetes"), task="regression"),
    "star98": dict(load=star98, task="regression"),
    "anes96": dict(load=anes96, task="classification"),
    "penguins": dict(load=penguins, task="classification"),
    "dopamine": dict(load=signal_table("signal/dopamine"), task="regression"),
    "cortisol": dict(load=signal_table("signal/cortisol"), task="regression"),
    "serotonin": dict(load=signal_table("signal/serotonin"), task="regression"),
    "growth": dict(load=signal_table("signal/growth"), task="regression"),
    "null": dict(load=null_table, task="classification"),
}
QUALITY = {"classification": "accuracy", "regression": "r2"}


def split(name, spec, ctx, work):
    """Writes work/{train,eval,audit}.csv; returns the target column and the row counts."""
    df, target = spec["load"](ctx)
    df = df[df[target].notna()].reset_index(drop=True)
    idx = np.arange(len(df))
    if name == "null":
        a, b = NULL_ROWS["train"], NULL_ROWS["train"] + NULL_ROWS["eval"]
        parts = {"train": idx[:a], "eval": idx[a:b], "audit": idx[b:]}
    else:
        strat = df[target].to_numpy() if spec["task"] == "classification" else None
        tr, rest = train_test_split(idx, test_size=0.4, random_state=ctx["seed"], stratify=strat)
        ev, au = train_test_split(rest, test_size=0.5, random_state=ctx["seed"],
                                  stratify=strat[rest] if strat is not None else None)
        parts = {"train": np.sort(tr), "eval": np.sort(ev), "audit": np.sort(au)}
    files = {}
    for part, rows in parts.items():
        files[part] = os.path.join(work, f"{part}.csv")
        df.iloc[rows].to_csv(files[part], index=False, na_rep="NA")
    return target, files, {k: len(v) for k, v in parts.items()}


# --- nimp ----------------------------------------------------------------------------------

def run(cmd, what):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {p.returncode}): {' '.join(map(str, cmd))}\n{p.stderr.strip()}")
    return p.stdout


def json_lines(text):
    return [json.loads(l) for l in text.splitlines() if l.strip().startswith("{")]


class Scorer:
    """Audit / eval quality and per-row predictions of archives, with one binary, cached by path."""
    def __init__(self, nimp, target, task, files):
        self.nimp, self.target, self.task, self.files = nimp, target, task, files
        truth = pd.read_csv(files["audit"], dtype={target: str} if task == "classification" else None)[target]
        self.truth = truth.to_numpy() if task == "classification" else truth.to_numpy(dtype=float)
        self.cache = {}

    def quality(self, archive, part):
        key = (archive, part)
        if key not in self.cache:
            report = json.loads(run([self.nimp, "evaluate", archive, "--data", self.files[part], "--target", self.target,
                                     "--latency-samples", "10"], "nimp evaluate"))
            self.cache[key] = float(report[QUALITY[self.task]])
        return self.cache[key]

    def rowwise(self, archive):
        """Per audit row: 1/0 correctness (classification) or squared error (regression)."""
        key = (archive, "rows")
        if key not in self.cache:
            preds = [next(iter(r.values())) for r in json_lines(run([self.nimp, "predict", archive, "--data",
                                                                       self.files["audit"]], "nimp predict"))]
            if len(preds) != len(self.truth):
                raise RuntimeError(f"nimp predict gave {len(preds)} rows for {len(self.truth)} in {self.files['audit']}")
            if self.task == "classification":
                self.cache[key] = np.array([str(p) == str(t) for p, t in zip(preds, self.truth)], dtype=float)
            else:
                p = np.array([v[0] if isinstance(v, list) else v for v in preds], dtype=float)
                self.cache[key] = (p - self.truth) ** 2
            rows = self.cache[key]
            mine = rows.mean() if self.task == "classification" else \
                1 - rows.sum() / np.sum((self.truth - self.truth.mean()) ** 2)
            if abs(mine - self.quality(archive, "audit")) > 1e-3:
                print(f"gate.py: {archive}: {QUALITY[self.task]} from nimp predict {mine:.6f}, from nimp evaluate "
                      f"{self.quality(archive, 'audit'):.6f}", file=sys.stderr)
        return self.cache[key]


def paired_test(task, old, new):
    """Two-sided paired test of new against old on the same audit rows: (p-value, new is worse)."""
    if task == "classification":
        worse, better = int(np.sum((old == 1) & (new == 0))), int(np.sum((old == 0) & (new == 1)))
        p = 1.0 if worse + better == 0 else stats.binomtest(worse, worse + better, 0.5).pvalue
        return float(p), worse > better
    d = new - old
    p = 1.0 if not np.any(d) else stats.ttest_rel(new, old).pvalue
    return float(p), float(d.mean()) > 0


def version_path(registry, model, version):
    hits = [p for p in glob.glob(os.path.join(registry, "models", model, "versions", "v*.nimp"))
            if int(re.sub(r"\D", "", os.path.basename(p)) or -1) == int(version)]
    if len(hits) != 1:
        raise RuntimeError(f"version {version} of {model}: {len(hits)} archives under {registry}/models/{model}/versions")
    return hits[0]


def champion_entry(nimp, registry, model):
    """(champion version, the model's `registry list` line: held-out metrics, and audit ones where the binary has them)."""
    for m in json_lines(run([nimp, "registry", "--registry", registry, "list", "--format", "json"], "registry list")):
        if m.get("id") == model and m.get("champion") is not None:
            return int(m["champion"]), m
    return int(re.sub(r"\D", "", open(os.path.join(registry, "models", model, "champion")).read())), {}


def run_gate(gate, nimp, name, spec, target, files, weak, cycles, work, log):
    registry = os.path.join(work, f"registry-{gate}")
    model, task = name, spec["task"]
    run([nimp, "registry", "--registry", registry, "init", "-q"], "registry init")
    run([nimp, "registry", "--registry", registry, "config", "improvement_interval", "0"], "registry config")
    add = [nimp, "registry", "--registry", registry, "add", model, weak, "--data", files["train"], "--eval", files["eval"],
           "--target-column", target, "--task", task, "--target", f"{QUALITY[task]}=0.999", "-q"]
    audit_flag = "--audit" in run([nimp, "registry", "add", "--help"], "registry add --help")
    if audit_flag:
        add += ["--audit", files["audit"]]
    run(add, "registry add")
    t0, cycle_seconds, failed_cycles, failed_tasks, triggers = time.time(), [], 0, 0, {}
    for i in range(cycles):
        c0 = time.perf_counter()
        p = subprocess.run([nimp, "cycle", "--registry", registry, "--force", "-q"], capture_output=True, text=True)
        cycle_seconds.append(time.perf_counter() - c0)
        if p.returncode != 0:
            failed_cycles += 1
            log(f"  {name}/{gate}: cycle {i + 1} exit {p.returncode}: {p.stderr.strip()[:300]}")
            if failed_cycles >= 5:
                raise RuntimeError(f"{name}/{gate}: 5 cycles failed")
            continue
        summary = (json_lines(p.stdout) or [{}])[-1]
        failed_tasks += int(summary.get("failed", 0) or 0)
        for trig in summary.get("triggers") or []:  # high_load (load average) changes what a cycle does
            triggers[trig] = triggers.get(trig, 0) + 1
        if (i + 1) % 50 == 0 and i + 1 < cycles:
            log(f"  {name}/{gate}: {i + 1}/{cycles} cycles, {np.mean(cycle_seconds):.2f} s each")
    wall_cycles = time.time() - t0
    tasks = json_lines(run([nimp, "registry", "--registry", registry, "history", "--type", "task", "--format", "json"],
                           "registry history"))
    scorer = Scorer(nimp, target, task, files)
    promotions = []
    for t in tasks:
        if not t.get("promoted") or t.get("parent") is None or t.get("candidate") is None:
            continue
        old, new = version_path(registry, model, t["parent"]), version_path(registry, model, t["candidate"])
        p, worse_rows = paired_test(task, scorer.rowwise(old), scorer.rowwise(new))
        a_old, a_new = scorer.quality(old, "audit"), scorer.quality(new, "audit")
        metric = QUALITY[task]
        promotions.append(dict(cycle=t.get("cycle"), task_type=t.get("task_type"), parent=t["parent"],
                               candidate=t["candidate"], gate_metric=t.get("metric"), gain=t.get("gain"),
                               eval_before=(t.get("before") or {}).get(metric), eval_after=(t.get("after") or {}).get(metric),
                               audit_before=a_old, audit_after=a_new, worse_on_audit=a_new < a_old,
                               p_value=p, significantly_worse=bool(a_new < a_old and worse_rows and p < 0.05),
                               significantly_better=bool(a_new > a_old and not worse_rows and p < 0.05)))
    version, listed = champion_entry(nimp, registry, model)
    champ, start = version_path(registry, model, version), version_path(registry, model, 1)
    final = dict(version=version, eval=scorer.quality(champ, "eval"), audit=scorer.quality(champ, "audit"),
                 registry_list=listed)
    final["gap"] = final["eval"] - final["audit"]
    return dict(gate=gate, binary=nimp, audit_flag=audit_flag, cycles=cycles, failed_cycles=failed_cycles,
                failed_tasks=failed_tasks, cycle_triggers=triggers, tasks=len(tasks),
                task_types={k: sum(1 for t in tasks if t.get("task_type") == k) for k in sorted({t.get("task_type") for t in tasks})},
                promotions=promotions, n_promotions=len(promotions),
                n_worse=sum(p["worse_on_audit"] for p in promotions),
                n_significantly_worse=sum(p["significantly_worse"] for p in promotions),
                n_significantly_better=sum(p["significantly_better"] for p in promotions),
                start=dict(eval=scorer.quality(start, "eval"), audit=scorer.quality(start, "audit")),
                final=final, seconds_cycles=wall_cycles, seconds_per_cycle=float(np.mean(cycle_seconds)) if cycle_seconds else 0.0,
                cycle_seconds=[round(c, 3) for c in cycle_seconds],
                registry=registry)


def bench_dataset(name, bins, args, tmp):
    """Everything for one dataset (both gates); runs in a worker process with --jobs > 1."""
    log = lambda msg: print(msg, file=sys.stderr, flush=True)
    spec = DATASETS[name]
    work = os.path.join(tmp, name)
    os.makedirs(work)
    t0 = time.time()
    base = bins["baseline"]
    target, files, rows = split(name, spec, dict(nimp=base, seed=args.seed, samples=args.signal_samples), work)
    task = spec["task"]
    weak = os.path.join(work, "weak.nimp")
    run([base, "train", "--data", files["train"], "--target", target, "--task", task, "--hidden", "2", "--epochs", "1",
         "-o", weak, "--metrics", os.devnull, "-q"], "nimp train (weak)")
    ref = os.path.join(work, "reference.nimp")
    run([base, "train", "--data", files["train"], "--target", target, "--task", task, "-o", ref,
         "--metrics", os.devnull, "-q"], "nimp train (reference)")
    ref_scorer = Scorer(base, target, task, files)
    reference = dict(eval=ref_scorer.quality(ref, "eval"), audit=ref_scorer.quality(ref, "audit"))
    reference["gap"] = reference["eval"] - reference["audit"]
    gates = {}
    for gate in GATES:
        g0 = time.time()
        gates[gate] = run_gate(gate, bins[gate], name, spec, target, files, weak, args.cycles, work, log)
        log(f"  {name}/{gate}: {gates[gate]['n_promotions']} promotions, {gates[gate]['n_worse']} worse on audit "
            f"({gates[gate]['n_significantly_worse']} significantly), final audit "
            f"{100 * gates[gate]['final']['audit']:.2f}, {time.time() - g0:.0f} s")
    return dict(dataset=name, task=task, metric=QUALITY[task], target=target, rows=rows, reference=reference,
                gates=gates, delta_audit_points=100 * (gates["new"]["final"]["audit"] - gates["baseline"]["final"]["audit"]),
                seconds=time.time() - t0)


# --- report --------------------------------------------------------------------------------

def pts(x):
    return f"{100 * x:.2f}"


def trig(gates):
    """Cycles per environment trigger (high_load: the load average, which also raises cortisol, changes what a
    cycle does, so two runs of one binary can differ)."""
    total = {}
    for g in gates:
        for k, v in g["cycle_triggers"].items():
            total[k] = total.get(k, 0) + v
    return ", ".join(f"{k} {v}" for k, v in sorted(total.items())) or "none"


def report(results, args, bins):
    out = []
    out.append("| dataset | rows train/eval/audit | gate | promotions | worse on audit (signif.) | better on audit (signif.) "
               "| start audit | final eval | final audit | gap eval−audit | default-model gap | s/cycle | cycles with a trigger |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        rows = "/".join(str(r["rows"][k]) for k in ("train", "eval", "audit"))
        for gate in GATES:
            g = r["gates"][gate]
            better = sum(not p["worse_on_audit"] and p["audit_after"] > p["audit_before"] for p in g["promotions"])
            out.append(f"| {r['dataset']} ({r['metric']}) | {rows} | {gate} | {g['n_promotions']} | {g['n_worse']} "
                       f"({g['n_significantly_worse']}) | {better} ({g['n_significantly_better']}) | {pts(g['start']['audit'])} "
                       f"| {pts(g['final']['eval'])} | {pts(g['final']['audit'])} | {100 * g['final']['gap']:+.2f} "
                       f"| {100 * r['reference']['gap']:+.2f} | {g['seconds_per_cycle']:.2f} | {sum(g['cycle_triggers'].values())} |")
    out.append("")
    out.append("| dataset | final audit new − baseline, points | cycles with a trigger baseline / new "
               "| default model eval / audit | wall time |")
    out.append("|---|---|---|---|---|")
    differ = 0
    for r in results:
        tb, tn = (sum(r["gates"][g]["cycle_triggers"].values()) for g in GATES)
        differ += tb != tn
        out.append(f"| {r['dataset']} | {r['delta_audit_points']:+.2f}{' †' if tb != tn else ''} | {tb} / {tn} "
                   f"| {pts(r['reference']['eval'])} / {pts(r['reference']['audit'])} | {r['seconds']:.0f} s |")
    out.append("")
    if differ:
        out.append("† the two runs saw the machine differently: high_load (1-minute load average above 1.5 per core) "
                   "shrinks the architecture search (population 8 → 4, generations 6 → 3) and files its winning genome "
                   "under another environment, so part of this difference need not be the gate's. Two runs of one "
                   "binary were identical when their triggers were; run on an otherwise idle machine with --jobs 1.\n")
    for gate in GATES if results else ():
        gs = [r["gates"][gate] for r in results]
        out.append(f"- {gate}: {sum(g['n_promotions'] for g in gs)} promotions, {sum(g['n_worse'] for g in gs)} worse on "
                   f"audit than the version they replaced, {sum(g['n_significantly_worse'] for g in gs)} significantly "
                   f"(paired, two-sided, 5%); {sum(g['failed_tasks'] for g in gs)} failed tasks, "
                   f"{sum(g['failed_cycles'] for g in gs)} failed cycles; `--audit` passed: "
                   f"{'yes' if all(g['audit_flag'] for g in gs) else 'no' if not any(g['audit_flag'] for g in gs) else 'some'}"
                   f"; cycles with a trigger: {trig(gs)}")
    if results:
        out.append(f"- mean final audit new − baseline: {np.mean([r['delta_audit_points'] for r in results]):+.2f} points "
                   f"over {len(results)} datasets")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nimp", help="the new gate's nimp (default $NIMP, .build/release/nimp, .build/debug/nimp)")
    ap.add_argument("--baseline-nimp", required=True, help="today's gate: a nimp built from the baseline commit")
    ap.add_argument("--cycles", type=int, default=200)
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--jobs", type=int, default=1, help="datasets run in parallel processes")
    ap.add_argument("--signal-samples", type=int, default=SIGNAL_SAMPLES, help="rows of each signal table before the split")
    ap.add_argument("--seed", type=int, default=0, help="seed of the splits and of the generated tables")
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--keep-files", action="store_true", help="keep the temp dir of splits, models and registries")
    args = ap.parse_args()
    names = [n for n in args.datasets.split(",") if n]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        sys.exit(f"gate.py: unknown dataset(s) {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `timeout`, kill: remove the temp dir all the same
    tmp = tempfile.mkdtemp(prefix="nimp-gate-")
    os.makedirs(os.path.join(tmp, "bin"))
    bins = {}
    for gate, src in (("baseline", args.baseline_nimp), ("new", common.nimp_binary(args.nimp))):
        if not os.access(src, os.X_OK):
            sys.exit(f"gate.py: {src} is not an executable")
        bins[gate] = os.path.join(tmp, "bin", f"nimp-{gate}")
        shutil.copy2(src, bins[gate])
    versions = {g: run([b, "--version"], "nimp --version").splitlines()[0] for g, b in bins.items()}
    estimate = sum(SECONDS_PER_CYCLE[n] * args.cycles * len(GATES) + SECONDS_PER_DATASET for n in names) \
        / max(1, min(args.jobs, len(names)))
    print(common.cpu_line())
    print(f"baseline: {args.baseline_nimp} ({versions['baseline']}); new: {common.nimp_binary(args.nimp)} "
          f"({versions['new']}); {args.cycles} cycles per dataset and gate, seed {args.seed}, jobs {args.jobs}; "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print(f"estimated wall time: {estimate / 60:.0f} min (from the baseline's measured seconds per cycle)\n")
    t0 = time.time()
    results, failed = [], {}
    def collect(name, result):
        try:
            results.append(result())
        except Exception as e:  # one dataset's failure (a nimp command's exit) does not lose the others
            failed[name] = str(e)
            print(f"{name}: FAILED: {e}", file=sys.stderr, flush=True)
    try:
        if args.jobs > 1:
            with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
                futures = {n: pool.submit(bench_dataset, n, bins, args, tmp) for n in names}
                for n in names:
                    collect(n, futures[n].result)
        else:
            for n in names:
                print(f"{n}: starting", file=sys.stderr, flush=True)
                collect(n, lambda: bench_dataset(n, bins, args, tmp))
        print(report(results, args, bins))
        for n, e in failed.items():
            print(f"- {n} failed: {e.splitlines()[0] if e else ''}")
        print(f"\ntotal wall time {time.time() - t0:.0f} s (estimate was {estimate:.0f} s)")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(dict(cpu=common.cpu_line(), baseline=args.baseline_nimp, new=common.nimp_binary(args.nimp),
                               versions=versions, cycles=args.cycles, seed=args.seed, jobs=args.jobs,
                               seconds=time.time() - t0, estimate_seconds=estimate, datasets=results, failed=failed), f, indent=1)
        if failed:
            sys.exit(1)
    finally:
        if args.keep_files:
            print(f"files kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
