"""Checks a nimp ONNX export: onnx.checker passes (full check), and onnxruntime's outputs on
a CSV table match `nimp predict`'s within a tolerance.

    python onnx_check.py MODEL.onnx ARCHIVE.nimp TABLE.csv PREDICTIONS.jsonl TOLERANCE

The table is encoded as the graph's input expects: numbers as they are (NaN when
missing: the graph fills them), categorical columns one-hot outside the graph, from the
archive's schema. PREDICTIONS.jsonl is `nimp predict` output (with --proba for a
classifier). Prints the largest difference; exits 1 when it is over TOLERANCE.
"""
import csv, json, math, sys, tarfile
import numpy as np
import onnx
import onnxruntime as ort

MISSING = {"", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None", "<NA>", "#N/A", "#NA", "NA/NaN"}


def columns(archive):
    with tarfile.open(archive) as t:
        manifest = json.load(t.extractfile("manifest.json"))
    numeric = [{"name": n, "type": "numeric"} for n in manifest["feature_names"]]
    return (manifest.get("schema") or {}).get("columns") or numeric


def encode(cols, row):
    x = []
    for c in cols:
        v = (row.get(c["name"]) or "").strip()
        if c["type"] == "numeric":
            x.append(math.nan if v in MISSING else float(v))
            continue
        if v in MISSING:
            v = c.get("fill")
        else:
            try:
                f = float(v)
                v = str(int(f)) if f.is_integer() else repr(f)
            except ValueError:
                pass
        x += [float(v == category) for category in c["categories"]]
    return x


def main():
    model_path, archive, table, predictions, tolerance = sys.argv[1:6]
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    cols = columns(archive)
    with open(table, newline="") as f:
        x = np.array([encode(cols, row) for row in csv.DictReader(f)], np.float32)
    session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    out = dict(zip(names, session.run(None, {"features": x})))
    expected_rows = [json.loads(line) for line in open(predictions) if line.strip()]
    meta = {p.key: p.value for p in model.metadata_props}
    names = json.loads(meta["nimp.target_names"])
    if "probabilities" in out:
        got, keys = out["probabilities"], ["proba_" + c for c in names]
    else:
        got, keys = out["outputs"], names
    expected = np.array([[r[k] for k in keys] for r in expected_rows], np.float64)
    if got.shape != expected.shape:
        print(f"shape: onnxruntime {got.shape}, nimp predict {expected.shape}")
        sys.exit(1)
    diff = float(np.max(np.abs(got.astype(np.float64) - expected) / np.maximum(1, np.abs(expected))))
    print(json.dumps({"rows": len(expected_rows), "max_difference": diff, "opset": model.opset_import[0].version}))
    sys.exit(0 if diff <= float(tolerance) else 1)


if __name__ == "__main__":
    main()
