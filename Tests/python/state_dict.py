"""A PyTorch-style state_dict of Linear layers, as safetensors.torch.save_file writes it
(keys of an nn.Sequential: 0.weight, 0.bias, 2.weight, …; weights [out, in]), and its
forward pass in numpy, for `nimp import`.

    python state_dict.py write OUT.safetensors SIZES SEED        e.g. SIZES 4,16,16,3
    python state_dict.py check IN.safetensors ACTIVATION TABLE.csv PREDICTIONS.jsonl TASK

`check` runs the table's numeric columns through the layers (ACTIVATION between them)
and compares with `nimp predict` output; exits 1 when they differ by more than 1e-5.
"""
import csv, json, math, sys
import numpy as np
from safetensors.numpy import load_file, save_file

ACTIVATIONS = {"relu": lambda z: np.maximum(z, 0), "leaky_relu": lambda z: np.where(z < 0, 0.01 * z, z),
               "tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "identity": lambda z: z,
               "gelu": lambda z: 0.5 * z * (1 + np.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))}


def write(out, sizes, seed):
    rng = np.random.default_rng(int(seed))
    sizes = [int(s) for s in sizes.split(",")]
    tensors = {}
    for n, (i, o) in enumerate(zip(sizes, sizes[1:])):
        tensors[f"{2 * n}.weight"] = rng.normal(0, 1 / math.sqrt(i), (o, i)).astype(np.float32)
        tensors[f"{2 * n}.bias"] = rng.normal(0, 0.1, o).astype(np.float32)
    save_file(tensors, out)


def check(path, activation, table, predictions, task):
    t = load_file(path)
    layers = sorted({k.rsplit(".", 1)[0] for k in t}, key=int)
    with open(table, newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(v) for v in r.values()] for r in rows], np.float64)
    for n, name in enumerate(layers):
        x = x @ t[f"{name}.weight"].astype(np.float64).T + t[f"{name}.bias"]
        if n < len(layers) - 1:
            x = ACTIVATIONS[activation](x)
    lines = [json.loads(l) for l in open(predictions) if l.strip()]
    if task == "classification":
        e = np.exp(x - x.max(axis=1, keepdims=True))
        x = e / e.sum(axis=1, keepdims=True)
        got = np.array([[r[f"proba_class{k}"] for k in range(x.shape[1])] for r in lines])
    else:
        got = np.array([[r[f"y{k}"] for k in range(x.shape[1])] for r in lines])
    diff = float(np.max(np.abs(got - x) / np.maximum(1, np.abs(x))))
    print(json.dumps({"rows": len(lines), "max_difference": diff}))
    sys.exit(0 if diff <= 1e-5 else 1)


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]](*sys.argv[2:])
