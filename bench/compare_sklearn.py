#!/usr/bin/env python3
"""nimp train vs scikit-learn's MLPClassifier / MLPRegressor on real tabular data.

Same split, same hidden layers (64, 64), epochs, batch size, learning rate and
optimizer (Adam); inputs standardised (sklearn: StandardScaler fitted on the training
split; nimp standardises internally from the training data). Prints a Markdown table.

    python bench/compare_sklearn.py [--nimp .build/release/nimp] [--epochs 50]

Needs numpy and scikit-learn (a venv outside the repo); uses only datasets bundled
with scikit-learn, so it runs offline.
"""
import argparse, json, os, subprocess, tempfile, warnings
import numpy as np
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import accuracy_score, r2_score

CLASSIFICATION = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
                  "digits": datasets.load_digits, "iris": datasets.load_iris}
REGRESSION = {"diabetes": datasets.load_diabetes}


def write_csv(path, x, y):
    cols = [f"f{i}" for i in range(x.shape[1])]
    with open(path, "w") as f:
        f.write(",".join(cols + ["target"]) + "\n")
        for row, t in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{t}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nimp", default=".build/release/nimp")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="nimp-vs-sklearn-")
    print(f"| dataset | task | train/test | sklearn | nimp | nimp − sklearn |")
    print(f"|---|---|---|---|---|---|")
    for name, loader in list(CLASSIFICATION.items()) + list(REGRESSION.items()):
        task = "classification" if name in CLASSIFICATION else "regression"
        x, y = loader(return_X_y=True)
        sk_scores, nimp_scores = [], []
        for seed in range(args.seeds):
            xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=seed,
                                                  stratify=y if task == "classification" else None)
            scaler = StandardScaler().fit(xtr)
            common = dict(hidden_layer_sizes=(64, 64), solver="adam", batch_size=args.batch_size,
                          learning_rate_init=args.learning_rate, max_iter=args.epochs, alpha=0.0,
                          random_state=seed, n_iter_no_change=args.epochs + 1, tol=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if task == "classification":
                    m = MLPClassifier(**common).fit(scaler.transform(xtr), ytr)
                    sk_scores.append(accuracy_score(yte, m.predict(scaler.transform(xte))))
                else:
                    m = MLPRegressor(**common).fit(scaler.transform(xtr), ytr)
                    sk_scores.append(r2_score(yte, m.predict(scaler.transform(xte))))
            train_csv, test_csv = f"{tmp}/{name}-{seed}-train.csv", f"{tmp}/{name}-{seed}-test.csv"
            ytr_s = [str(int(v)) for v in ytr] if task == "classification" else [repr(float(v)) for v in ytr]
            yte_s = [str(int(v)) for v in yte] if task == "classification" else [repr(float(v)) for v in yte]
            write_csv(train_csv, xtr, ytr_s)
            write_csv(test_csv, xte, yte_s)
            model = f"{tmp}/{name}-{seed}.nimp"
            subprocess.run([args.nimp, "train", "--data", train_csv, "--target", "target", "--task", task,
                            "--hidden", "64,64", "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
                            "--learning-rate", str(args.learning_rate), "--optimizer", "adam", "--seed", str(seed + 1),
                            "--metrics", os.devnull, "-q", "-o", model], check=True)
            out = subprocess.run([args.nimp, "evaluate", model, "--data", test_csv, "--target", "target", "--task", task,
                                  "--latency-samples", "10"], check=True, capture_output=True, text=True).stdout
            report = json.loads(out)
            nimp_scores.append(report["accuracy"] if task == "classification" else report["r2"])
        metric = "accuracy" if task == "classification" else "R²"
        s, n = 100 * np.mean(sk_scores), 100 * np.mean(nimp_scores)
        print(f"| {name} | {task} ({metric}, %) | {len(ytr)}/{len(yte)} | {s:.2f} | {n:.2f} | {n - s:+.2f} |")


if __name__ == "__main__":
    main()
