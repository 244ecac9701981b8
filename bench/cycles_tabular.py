#!/usr/bin/env python3
"""The cycle on real tabular data: start each model deliberately weak, run N cycles,
and compare the champion with a hand-tuned `nimp train` on the same split.

    python bench/cycles_tabular.py [--nimp .build/release/nimp] [--cycles 20]

Datasets: scikit-learn's bundled digits (classification) and breast_cancer
(classification), and a regression made from the bundled California-free diabetes set
is too noisy to tune, so the second classification set stands in.
"""
import argparse, json, os, subprocess, tempfile
from sklearn import datasets
from sklearn.model_selection import train_test_split


def write_csv(path, x, y):
    with open(path, "w") as f:
        f.write(",".join([f"f{i}" for i in range(x.shape[1])] + ["target"]) + "\n")
        for row, t in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{int(t)}\n")


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nimp", default=".build/release/nimp")
    ap.add_argument("--cycles", type=int, default=20)
    a = ap.parse_args()
    nimp = os.path.abspath(a.nimp)
    tmp = tempfile.mkdtemp(prefix="nimp-cycles-tabular-")
    reg = f"{tmp}/registry"
    run([nimp, "registry", "--registry", reg, "init", "-q"])
    hand = {}
    for name, loader in [("digits", datasets.load_digits), ("breast_cancer", datasets.load_breast_cancer)]:
        x, y = loader(return_X_y=True)
        xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
        train, test = f"{tmp}/{name}-train.csv", f"{tmp}/{name}-test.csv"
        write_csv(train, xtr, ytr)
        write_csv(test, xte, yte)
        common = ["--target", "target", "--task", "classification", "--metrics", os.devnull, "-q"]
        # Deliberately weak: 2 hidden units, 1 epoch.
        run([nimp, "train", "--data", train, "--hidden", "2", "--epochs", "1", "-o", f"{tmp}/{name}-weak.nimp"] + common)
        # Hand-tuned reference: 64-64, 60 epochs, early stopping on a split of the training data.
        run([nimp, "train", "--data", train, "--hidden", "64,64", "--epochs", "60", "--validation-split", "0.1",
             "--patience", "10", "--learning-rate", "1e-3", "-o", f"{tmp}/{name}-hand.nimp"] + common)
        hand[name] = json.loads(run([nimp, "evaluate", f"{tmp}/{name}-hand.nimp", "--data", test, "--target", "target",
                                     "--task", "classification", "--latency-samples", "10"]))["accuracy"]
        run([nimp, "registry", "--registry", reg, "add", name, f"{tmp}/{name}-weak.nimp", "--data", train, "--eval", test,
             "--target-column", "target", "--task", "classification", "--target", "accuracy=0.995", "-q"])
    start = {m["id"]: m["held_out"]["accuracy"] for m in map(json.loads, run([nimp, "registry", "--registry", reg, "list", "--format", "json"]).splitlines())}
    for i in range(a.cycles):
        summary = json.loads(run([nimp, "cycle", "--registry", reg, "--force", "-q"]))
        print(json.dumps({k: summary[k] for k in ["iteration", "promoted", "rejected", "failed", "models_improved"]}))
    end = {m["id"]: m["held_out"]["accuracy"] for m in map(json.loads, run([nimp, "registry", "--registry", reg, "list", "--format", "json"]).splitlines())}
    print("| dataset | weak start | after %d cycles | hand-tuned `nimp train` |" % a.cycles)
    print("|---|---|---|---|")
    for name in hand:
        print(f"| {name} | {100 * start[name]:.2f} | {100 * end[name]:.2f} | {100 * hand[name]:.2f} |")
    tasks = [json.loads(l) for l in run([nimp, "registry", "--registry", reg, "history", "--type", "task", "--format", "json"]).splitlines()]
    worse = [t for t in tasks if t.get("promoted") and t["after"]["accuracy"] < t["before"]["accuracy"]]
    print(f"promotions: {sum(1 for t in tasks if t.get('promoted'))}, worse than parent: {len(worse)}; by type:",
          {k: sum(1 for t in tasks if t.get('promoted') and t['task_type'] == k) for k in ['training', 'optimization', 'architecture', 'distillation']})


if __name__ == "__main__":
    main()
