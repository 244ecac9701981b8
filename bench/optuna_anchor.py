#!/usr/bin/env python3
"""The anchor for the improver: Optuna (TPE sampler, median pruner) driving plain
`nimp train`, against `nimp cycle`, with the same CPU-seconds, judged on an audit split
neither side reads.

    python3 bench/optuna_anchor.py [--nimp PATH] [--budget 90] [--seeds 0[,1,...]]
        [--datasets breast_cancer,wine,diabetes,penguins,star98,dopamine,cortisol,serotonin,growth]
        [--json out.json]
        [--svg curves.svg] [--keep DIR]
    python3 bench/optuna_anchor.py --from a.json[,b.json] [--svg curves.svg]

Tables and their train / eval / audit split (60/20/20, seeded) are bench/gate.py's.
- nimp: a registry with the weak champion of gate.py (`--hidden 2 --epochs 1`), target
  accuracy or r2 = 0.999, `improvement_interval 0`, then `nimp cycle --force -q` until
  the cycles have used --budget CPU-seconds.
- Optuna: each trial is one `nimp train` over the space evolve and the cycle search
  (1–3 hidden layers of 4–128 units, activation, learning rate 1e-4–0.1, batch size,
  optimizer, 5–60 epochs) with `--validation` on the eval split; its per-epoch
  validation metric goes to the median pruner, which stops the process early. Trials
  run until they have used the same CPU-seconds. The best trial by eval quality is the
  one judged.
With several --seeds, each seed is a new split (and a new Optuna sampler), and a second
table gives each dataset's mean difference over the seeds with its spread: on audit sets
of 36–114 rows one row is 1–3 points, so one split says little about a gap of a point.
CPU-seconds are the children's user + system time (getrusage), so both sides pay for
every process they start; judging on the audit split is not counted. After each cycle
and each trial the current best model is scored on the audit split, which gives the
curve of audit quality against CPU-seconds behind the table; --svg draws those curves,
one panel per dataset.
Python: a venv of its own from bench/requirements-anchor.txt (no torch), or --python.
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
common.use_bench_python(os.path.join(common.REPO, "bench", "requirements-anchor.txt"))
sys.stdout.reconfigure(line_buffering=True)

import argparse, json, resource, shutil, subprocess, tempfile, time
import numpy as np
import gate

import optuna

DEFAULT_DATASETS = "breast_cancer,wine,diabetes,penguins,star98,dopamine,cortisol,serotonin,growth"


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def nimp_side(nimp, name, spec, target, files, weak, budget, work, scorer):
    registry = os.path.join(work, "registry")
    task = spec["task"]
    gate.run([nimp, "registry", "--registry", registry, "init", "-q"], "registry init")
    gate.run([nimp, "registry", "--registry", registry, "config", "improvement_interval", "0"], "registry config")
    gate.run([nimp, "registry", "--registry", registry, "add", name, weak, "--data", files["train"], "--eval", files["eval"],
              "--audit", files["audit"], "--target-column", target, "--task", task,
              "--target", f"{gate.QUALITY[task]}=0.999", "-q"], "registry add")
    used, curve, cycles = 0.0, [], 0
    champion = None
    while used < budget:
        c0 = children_cpu()
        p = subprocess.run([nimp, "cycle", "--registry", registry, "--force", "-q"], capture_output=True, text=True)
        used += children_cpu() - c0
        cycles += 1
        if p.returncode != 0:
            log(f"  {name}/nimp: cycle {cycles} exit {p.returncode}: {p.stderr.strip()[:200]}")
            if cycles > 3 and not curve:
                raise RuntimeError(f"{name}: cycles keep failing")
            continue
        version, _ = gate.champion_entry(nimp, registry, name)
        if version != champion:
            champion = version
            audit = scorer.quality(gate.version_path(registry, name, version), "audit")
        curve.append((round(used, 2), audit))
    return dict(cpu=used, cycles=cycles, audit=curve[-1][1] if curve else float("nan"), curve=curve)


def optuna_side(nimp, name, spec, target, files, budget, work, scorer, seed):
    task = spec["task"]
    used, curve, trials = 0.0, [], []
    best = dict(eval=-float("inf"), audit=float("nan"), path=None)

    def objective(trial):
        nonlocal used
        depth = trial.suggest_int("depth", 1, 3)
        hidden = ",".join(str(trial.suggest_int(f"width{i}", 4, 128, log=True)) for i in range(depth))
        path = os.path.join(work, f"trial-{trial.number}.nimp")
        cmd = [nimp, "train", "--data", files["train"], "--validation", files["eval"], "--target", target, "--task", task,
               "--hidden", hidden,
               "--activation", trial.suggest_categorical("activation", ["relu", "leaky_relu", "tanh", "gelu"]),
               "--learning-rate", repr(trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)),
               "--batch-size", str(trial.suggest_categorical("batch_size", [16, 32, 64, 128, 256])),
               "--optimizer", trial.suggest_categorical("optimizer", ["adam", "adamw", "sgd"]),
               "--epochs", str(trial.suggest_int("epochs", 5, 60)),
               "--seed", str(trial.number + 1), "-o", path]
        c0 = children_cpu()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        pruned, last = False, None
        for line in p.stdout:
            if not line.startswith("{"):
                continue
            m = json.loads(line)
            value = m.get("validation_metric")
            if value is None:
                continue
            last = value
            trial.report(value, m["epoch"])
            if trial.should_prune():
                pruned = True
                p.kill()
                break
        p.wait()
        used += children_cpu() - c0
        if pruned:
            trials.append(dict(number=trial.number, pruned=True, cpu=used))
            raise optuna.TrialPruned()
        if p.returncode != 0 or not os.path.exists(path):
            trials.append(dict(number=trial.number, failed=True, cpu=used))
            return float("-inf")
        value = scorer.quality(path, "eval")
        trials.append(dict(number=trial.number, eval=value, last_validation=last, cpu=used))
        if value > best["eval"]:
            best.update(eval=value, path=path, audit=scorer.quality(path, "audit"))
        curve.append((round(used, 2), best["audit"]))
        return value

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=3))
    while used < budget:
        study.optimize(objective, n_trials=1)
    return dict(cpu=used, trials=len(trials), pruned=sum(1 for t in trials if t.get("pruned")),
                audit=best["audit"], eval=best["eval"], curve=curve, best_params=study.best_params if best["path"] else None)


def svg_curves(results, budget):
    """Audit quality against CPU-seconds, nimp and Optuna, one small panel per dataset."""
    cols, w, h, pad = 3, 300, 200, 40
    rows = (len(results) + cols - 1) // cols
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * w}" height="{rows * h + 30}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="18" font-size="13">audit quality against CPU-seconds: '
           f'<tspan fill="#1f77b4">nimp cycle</tspan>, <tspan fill="#ff7f0e">Optuna + nimp train</tspan></text>']
    for i, r in enumerate(results):
        x0, y0 = (i % cols) * w + pad, (i // cols) * h + 30 + 16
        pw, ph = w - pad - 10, h - pad - 10
        curves = [(r["nimp"]["curve"], "#1f77b4"), (r["optuna"]["curve"], "#ff7f0e")]
        values = [q for c, _ in curves for _, q in c if q == q]
        lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
        lo = max(lo, hi - 0.3)  # the top 0.3 is where the two sides differ; lower values sit on the axis
        if hi - lo < 1e-6:
            lo, hi = lo - 0.01, hi + 0.01
        def sx(t):
            return x0 + pw * min(t, budget) / budget
        def sy(q):
            return y0 + ph - ph * (max(q, lo) - lo) / (hi - lo)
        out.append(f'<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        out.append(f'<text x="{x0}" y="{y0 - 4}">{r["dataset"]} ({r["metric"]}), split {r["seed"]}</text>')
        out.append(f'<text x="{x0 - 4}" y="{y0 + 4}" text-anchor="end">{hi:.3f}</text>')
        out.append(f'<text x="{x0 - 4}" y="{y0 + ph}" text-anchor="end">{lo:.3f}</text>')
        out.append(f'<text x="{x0 + pw}" y="{y0 + ph + 14}" text-anchor="end">{budget:g} CPU-s</text>')
        for curve, color in curves:
            points, last = [], None
            for t, q in curve:
                if q != q or q == last:
                    continue
                if last is not None:
                    points.append(f"{sx(t):.1f},{sy(last):.1f}")
                points.append(f"{sx(t):.1f},{sy(q):.1f}")
                last = q
            if last is not None:
                points.append(f"{sx(budget):.1f},{sy(last):.1f}")
                out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{" ".join(points)}"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def cpu_to_reach(curve, quality):
    for cpu, q in curve:
        if q >= quality - 1e-12:
            return cpu
    return None


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2


def report(results, header):
    """The tables and the goals' verdicts, from the results of one or more runs."""
    print(f"# {header}")
    print("| dataset | seed | metric | nimp cycle (audit) | Optuna + nimp train (audit) | nimp − Optuna, points | "
          "nimp's CPU-s to reach Optuna's best | cycles | trials (pruned) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        reach = r["nimp_cpu_to_reach_optuna"]
        share = f"{reach:.0f} s ({100 * reach / r['optuna']['cpu']:.0f}% of Optuna's)" if reach is not None else "not reached"
        print(f"| {r['dataset']} | {r['seed']} | {r['metric']} | {100 * r['nimp']['audit']:.2f} | {100 * r['optuna']['audit']:.2f} | "
              f"{-r['points_behind']:+.2f} | {share} | {r['nimp']['cycles']} | {r['optuna']['trials']} ({r['optuna']['pruned']}) |")

    def share(r):
        return r["nimp_cpu_to_reach_optuna"] / r["optuna"]["cpu"] if r["nimp_cpu_to_reach_optuna"] is not None else float("inf")

    def percent(x):
        return "not reached" if x == float("inf") else f"{100 * x:.0f}%"

    names = list(dict.fromkeys(r["dataset"] for r in results))
    print()
    print(f"Median share of Optuna's CPU-seconds nimp needs to reach Optuna's best audit quality, over all "
          f"{len(results)} runs: {percent(median([share(r) for r in results]))}; worst gap at equal budget: "
          f"{max(r['points_behind'] for r in results):.2f} points behind.")
    seeds = {r["seed"] for r in results}
    if len(seeds) > 1:
        # The goal is per dataset: each dataset's median split, then the median dataset.
        per = {n: [r for r in results if r["dataset"] == n] for n in names}
        shares = {n: median([share(r) for r in rs]) for n, rs in per.items()}
        gaps = {n: sum(-r["points_behind"] for r in rs) / len(rs) for n, rs in per.items()}
        print(f"Per dataset (median share over its splits, mean gap): the median dataset needs "
              f"{percent(median(list(shares.values())))} of Optuna's CPU-seconds (goal ≤ 50%); the worst mean gap is "
              f"{-min(gaps.values()):.2f} points behind (goal ≤ 0.5).")
        print()
        print("| dataset | nimp − Optuna, mean over seeds | each seed | runs reaching Optuna's best | median share of its CPU-s | audit rows |")
        print("|---|---|---|---|---|---|")
        for name, rs in per.items():
            reached = sum(r["nimp_cpu_to_reach_optuna"] is not None for r in rs)
            print(f"| {name} | {gaps[name]:+.2f} | {', '.join(format(round(-r['points_behind'], 2) + 0.0, '+.2f') for r in rs)} | {reached} of {len(rs)} | "
                  f"{percent(shares[name])} | {rs[0]['rows']['audit']} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nimp")
    ap.add_argument("--budget", type=float, default=90.0, help="CPU-seconds per side and dataset")
    ap.add_argument("--datasets", default=DEFAULT_DATASETS)
    ap.add_argument("--seeds", default="0", help="comma-separated; each is a split of every dataset")
    ap.add_argument("--signal-samples", type=int, default=gate.SIGNAL_SAMPLES)
    ap.add_argument("--json")
    ap.add_argument("--svg", help="write the curves of audit quality against CPU-seconds here")
    ap.add_argument("--keep", metavar="DIR", help="work in DIR and keep it: both sides' registries, trials and splits")
    ap.add_argument("--from", dest="saved", metavar="JSON[,JSON]", help="run nothing: report (and --svg) the runs --json saved")
    args = ap.parse_args()
    if args.saved:
        runs = [json.load(open(path)) for path in args.saved.split(",")]
        results = [r for run in runs for r in run["results"]]
        report(results, "; ".join(f"{run['cpu']}; budget {run['budget']:g} CPU-s a side; seeds {','.join(map(str, run['seeds']))}"
                                  for run in runs))
        if args.svg:
            with open(args.svg, "w") as f:
                f.write(svg_curves(results, max(run["budget"] for run in runs)))
        return
    nimp = os.path.abspath(common.nimp_binary(args.nimp))
    if args.keep:
        os.makedirs(args.keep)
        tmp = os.path.abspath(args.keep)
    else:
        tmp = tempfile.mkdtemp(prefix="nimp-anchor-")
    # A copy, so rebuilding the tree during a run changes nothing.
    shutil.copy(nimp, os.path.join(tmp, "nimp"))
    nimp = os.path.join(tmp, "nimp")
    names = [d for d in args.datasets.split(",") if d]
    unknown = [d for d in names if d not in gate.DATASETS]
    if unknown:
        sys.exit(f"optuna_anchor.py: unknown datasets {unknown}; known: {', '.join(gate.DATASETS)}")
    seeds = [int(x) for x in args.seeds.split(",") if x]
    runs = [(name, seed) for seed in seeds for name in names]
    log(f"{common.cpu_line()}; {len(names)} datasets × {len(seeds)} seeds × 2 sides × {args.budget:g} CPU-s ≈ "
        f"{len(runs) * 2 * args.budget / 60:.0f} min of CPU")
    results = []
    for name, seed in runs:
        spec = gate.DATASETS[name]
        work = os.path.join(tmp, name if len(seeds) == 1 else f"{name}-{seed}")
        os.makedirs(work)
        target, files, rows = gate.split(name, spec, dict(nimp=nimp, seed=seed, samples=args.signal_samples), work)
        weak = os.path.join(work, "weak.nimp")
        gate.run([nimp, "train", "--data", files["train"], "--target", target, "--task", spec["task"], "--hidden", "2",
                  "--epochs", "1", "-o", weak, "--metrics", os.devnull, "-q"], "nimp train (weak)")
        scorer = gate.Scorer(nimp, target, spec["task"], files)
        t0 = time.time()
        for side in ("nimp-side", "optuna-side"):
            os.makedirs(os.path.join(work, side))
        n = nimp_side(nimp, name, spec, target, files, weak, args.budget, os.path.join(work, "nimp-side"), scorer)
        o = optuna_side(nimp, name, spec, target, files, args.budget, os.path.join(work, "optuna-side"), scorer, seed)
        reach = cpu_to_reach(n["curve"], o["audit"])
        results.append(dict(dataset=name, seed=seed, task=spec["task"], metric=gate.QUALITY[spec["task"]], rows=rows, nimp=n, optuna=o,
                            nimp_cpu_to_reach_optuna=reach, points_behind=100 * (o["audit"] - n["audit"]),
                            seconds=time.time() - t0))
        log(f"  {name} (seed {seed}): nimp {100 * n['audit']:.2f} ({n['cycles']} cycles, {n['cpu']:.0f} CPU-s), "
            f"optuna {100 * o['audit']:.2f} ({o['trials']} trials, {o['pruned']} pruned, {o['cpu']:.0f} CPU-s)")

    report(results, f"{common.cpu_line()}; {time.strftime('%Y-%m-%d')}; budget {args.budget:g} CPU-s a side; seeds {args.seeds}")
    if args.svg:
        with open(args.svg, "w") as f:
            f.write(svg_curves(results, args.budget))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(budget=args.budget, seeds=seeds, cpu=common.cpu_line(), results=results), f, indent=1)
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
