#!/usr/bin/env python3
"""Checks the README's Python forward pass against nimp's predictions.

    forward_check.py README.md ARCHIVE DATA.(csv|jsonl) PREDICTIONS.jsonl

Runs the first ```python block after "In Python" in README.md on every row of DATA (CSV
cells kept as strings) and compares with PREDICTIONS.jsonl, which
`nimp predict ARCHIVE --data DATA --proba` wrote: regression outputs within 1e-5 (relative
to max(1, |value|)); class probabilities within 1e-5 and the same labels, except where the
top two probabilities are within 1e-6. Exit 0 with one summary line, else 1 with the first
mismatches.
"""
import csv
import json
import sys

TOLERANCE, TIE = 1e-5, 1e-6


def readme_block(path):
    text = open(path, encoding="utf-8").read()
    start = text.index("```python\n", text.index("In Python")) + len("```python\n")
    return text[start:text.index("\n```", start)]


def read_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        if path.endswith(".csv"):
            return list(csv.DictReader(f))
        return [json.loads(line) for line in f if line.strip()]


def label_text(v):
    if isinstance(v, str):
        return v
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def main(readme, archive, data, predictions):
    code = {}
    exec(compile(readme_block(readme), f"{readme} (the Python block)", "exec"), code)
    model = code["load"](archive)
    rows = read_rows(data)
    expected = read_rows(predictions)
    if len(expected) != len(rows):
        return fail([f"{predictions} has {len(expected)} lines, {data} has {len(rows)} rows"])
    outputs = code["forward"](model, rows)
    labels = code["predict"](model, rows)
    names = model["target_names"]
    target = ((model.get("schema") or {}).get("target") or ["label"])[0]
    keys = [f"proba_{name}" for name in names]
    mismatches, worst = [], 0.0
    for n, (want, got, label) in enumerate(zip(expected, outputs, labels), start=1):
        if model["task"] == "classification":
            missing = [k for k in [target] + keys if k not in want]
            if missing:
                mismatches.append(f"line {n}: no key {', '.join(missing)} in {json.dumps(want)}")
                continue
            diffs = [abs(want[k] - float(p)) for k, p in zip(keys, got)]
            top = sorted(got, reverse=True)
            tie = len(top) > 1 and top[0] - top[1] <= TIE
            if max(diffs) > TOLERANCE or (label_text(want[target]) != label and not tie):
                mismatches.append(f"line {n}: nimp {label_text(want[target])} {[want[k] for k in keys]}, "
                                  f"Python {label} {got.tolist()}")
        else:
            missing = [k for k in names if k not in want]
            if missing:
                mismatches.append(f"line {n}: no key {', '.join(missing)} in {json.dumps(want)}")
                continue
            diffs = [abs(want[k] - float(v)) / max(1.0, abs(want[k])) for k, v in zip(names, got)]
            if max(diffs) > TOLERANCE:
                mismatches.append(f"line {n}: nimp {[want[k] for k in names]}, Python {got.tolist()}")
        worst = max(worst, *diffs)
    if mismatches:
        return fail(mismatches)
    print(f"forward_check: the README's forward pass matches nimp on {len(rows)} rows of {data} "
          f"({model['task']}, largest difference {worst:.2g})")
    return 0


def fail(mismatches):
    print(f"forward_check: {len(mismatches)} mismatch(es), the first:", file=sys.stderr)
    for m in mismatches[:5]:
        print("  " + m, file=sys.stderr)
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__.split("\n\n")[1])
    sys.exit(main(*sys.argv[1:]))
