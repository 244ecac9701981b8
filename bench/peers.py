#!/usr/bin/env python3
"""The peers' side of nimp's benchmark suite: PyTorch (CPU), scikit-learn, onnxruntime
and numpy on the workloads of `nimp-bench` (see bench/run, which runs both).

    python bench/peers.py IMPL WORKLOAD [--threads T] [--epochs 5] [--samples 65536] [--repeat 3]

IMPL: torch | sklearn | onnxruntime | numpy
WORKLOAD: train-A | train-B | train-C | predict-one | predict-batch | sgemm-2048 | info

    python bench/peers.py table RESULTS.jsonl [HEADER...]   the Markdown table of a run

Prints one JSON line, like nimp-bench: wall-clock and CPU-time figures (best of
--repeat) and the process's peak RSS. Run each measurement in its own process so the
RSS is that workload's. Needs a venv outside the repo with torch, numpy,
scikit-learn, onnx, onnxruntime and threadpoolctl.
"""
import argparse
import json
import resource
import sys
import time
import warnings

import numpy as np

WORKLOADS = {
    "A": dict(inputs=10, hidden=(64, 64), outputs=1, task="regression", batch=256),
    "B": dict(inputs=64, hidden=(256, 256), outputs=10, task="classification", batch=128),
    "C": dict(inputs=10, hidden=(64, 64), outputs=1, task="regression", batch=32),
}


def flops_per_sample(w):
    widths = [w["inputs"], *w["hidden"], w["outputs"]]
    total = 0
    for layer in range(len(widths) - 1):
        mul = 2 * widths[layer] * widths[layer + 1]
        total += 2 * mul if layer == 0 else 3 * mul
    return total


def best(repeat, body):
    """Best wall and best CPU seconds of `repeat` runs of body()."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(max(1, repeat)):
        w0, c0 = time.perf_counter(), time.process_time()
        body()
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - w0)
    return wall, cpu


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return [{k: i.get(k) for k in ("internal_api", "architecture", "num_threads", "version")} for i in threadpool_info()]
    except Exception as e:  # informational only
        return [str(e)]


def report(impl, fields):
    fields = dict(fields)
    fields["impl"] = impl
    fields["maxrss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    fields["blas"] = blas_info()
    print(json.dumps(fields, sort_keys=True))


def data(w, samples, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, w["inputs"]), dtype=np.float32)
    if w["task"] == "regression":
        y = rng.standard_normal((samples, w["outputs"]), dtype=np.float32)
    else:
        y = rng.integers(0, w["outputs"], samples)
    return x, y


def model_a_weights(seed=1):
    """Model A's layers as numpy arrays (W [out, in], b [out]), He-initialised."""
    rng = np.random.default_rng(seed)
    widths = [10, 64, 64, 1]
    layers = []
    for i in range(3):
        w = rng.standard_normal((widths[i + 1], widths[i]), dtype=np.float32) * np.float32(np.sqrt(2 / widths[i]))
        b = np.zeros(widths[i + 1], dtype=np.float32)
        layers.append((w, b))
    return layers


# MARK: PyTorch

def torch_setup(threads):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    return torch


def torch_mlp(torch, w):
    widths = [w["inputs"], *w["hidden"], w["outputs"]]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_train(name, args):
    torch = torch_setup(args.threads)
    w = WORKLOADS[name]
    x_np, y_np = data(w, args.samples)
    x = torch.from_numpy(x_np)
    y = torch.from_numpy(y_np) if w["task"] == "regression" else torch.from_numpy(y_np.astype(np.int64))
    model = torch_mlp(torch, w)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss() if w["task"] == "regression" else torch.nn.CrossEntropyLoss()
    batch, n = w["batch"], args.samples

    def run(epochs):
        for _ in range(epochs):
            perm = torch.randperm(n)
            for i in range(0, n, batch):
                idx = perm[i:i + batch]
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x[idx]), y[idx])
                loss.backward()
                opt.step()

    run(1)
    wall, cpu = best(args.repeat, lambda: run(args.epochs))
    total = n * args.epochs
    report("torch", {"workload": f"train {name}", "threads": args.threads, "epochs": args.epochs, "samples": n,
                     "batch": batch, "wall_per_s": total / wall, "cpu_per_s": total / cpu,
                     "gflops_cpu": total * flops_per_sample(w) / cpu / 1e9})


def torch_model_a(torch):
    model = torch_mlp(torch, WORKLOADS["A"])
    with torch.no_grad():
        for layer, (wt, b) in zip([m for m in model if isinstance(m, torch.nn.Linear)], model_a_weights()):
            layer.weight.copy_(torch.from_numpy(wt))
            layer.bias.copy_(torch.from_numpy(b))
    return model.eval()


def torch_predict_one(args):
    torch = torch_setup(args.threads)
    model = torch_model_a(torch)
    xs = torch.from_numpy(np.random.default_rng(3).standard_normal((1024, 10), dtype=np.float32))
    rows = [xs[i:i + 1] for i in range(1024)]
    with torch.inference_mode():
        p50, p99, mean, cpu_mean = time_single(lambda i: model(rows[i % 1024]), args.calls)
    report("torch", {"workload": "predict A one", "p50_us": p50, "p99_us": p99, "mean_wall_us": mean, "mean_cpu_us": cpu_mean})


def torch_predict_batch(args):
    torch = torch_setup(args.threads)
    model = torch_model_a(torch)
    xb = torch.from_numpy(np.random.default_rng(3).standard_normal((1024, 10), dtype=np.float32))
    rounds = args.rounds
    with torch.inference_mode():
        for _ in range(100):
            model(xb)
        wall, cpu = best(args.repeat, lambda: [model(xb) for _ in range(rounds)])
    report("torch", {"workload": "predict A batch 1024", "threads": args.threads,
                     "wall_per_s": 1024 * rounds / wall, "cpu_per_s": 1024 * rounds / cpu})


def torch_sgemm(args):
    torch = torch_setup(args.threads)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    c = torch.empty(2048, 2048)
    torch.mm(a, b, out=c)
    calls = 3
    wall, cpu = best(args.repeat, lambda: [torch.mm(a, b, out=c) for _ in range(calls)])
    flops = 2 * 2048 ** 3 * calls
    report("torch", {"workload": "sgemm 2048x2048x2048", "threads": args.threads,
                     "gflops_wall": flops / wall / 1e9, "gflops_cpu": flops / cpu / 1e9})


# MARK: scikit-learn

def sklearn_train(name, args):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from threadpoolctl import threadpool_limits
    w = WORKLOADS[name]
    x, y = data(w, args.samples)
    cls = MLPRegressor if w["task"] == "regression" else MLPClassifier

    def make(epochs):
        return cls(hidden_layer_sizes=w["hidden"], activation="relu", solver="adam", batch_size=w["batch"],
                   learning_rate_init=1e-3, max_iter=epochs, shuffle=True, tol=0, n_iter_no_change=epochs + 1,
                   alpha=0.0, random_state=1)

    yy = y.ravel() if w["task"] == "regression" and w["outputs"] == 1 else y
    with threadpool_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make(1).fit(x, yy)
        wall, cpu = best(args.repeat, lambda: make(args.epochs).fit(x, yy))
        total = args.samples * args.epochs
        report("sklearn", {"workload": f"train {name}", "threads": args.threads, "epochs": args.epochs,
                           "samples": args.samples, "batch": w["batch"], "wall_per_s": total / wall,
                           "cpu_per_s": total / cpu})


# MARK: onnxruntime and numpy

def onnx_model_a():
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    nodes, inits = [], []
    prev = "x"
    for i, (wt, b) in enumerate(model_a_weights()):
        inits += [numpy_helper.from_array(wt, f"W{i}"), numpy_helper.from_array(b, f"b{i}")]
        out = f"z{i}" if i < 2 else "y"
        nodes.append(helper.make_node("Gemm", [prev, f"W{i}", f"b{i}"], [out], transB=1))
        if i < 2:
            nodes.append(helper.make_node("Relu", [out], [f"a{i}"]))
            prev = f"a{i}"
    graph = helper.make_graph(nodes, "mlp_a", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 10])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def ort_session(threads):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(onnx_model_a(), so, providers=["CPUExecutionProvider"])


def numpy_forward(layers):
    (w0, b0), (w1, b1), (w2, b2) = [(w.T.copy(), b) for w, b in layers]

    def f(x):
        h = np.maximum(x @ w0 + b0, 0)
        h = np.maximum(h @ w1 + b1, 0)
        return h @ w2 + b2
    return f


def time_single(call, calls):
    """p50, p99 and mean wall µs per call, and mean CPU µs per call."""
    for i in range(2000):
        call(i)
    times = np.empty(calls)
    clock = time.perf_counter_ns
    for i in range(calls):
        s = clock()
        call(i)
        times[i] = clock() - s
    w0, c0 = time.perf_counter(), time.process_time()
    for i in range(calls):
        call(i)
    mean, cpu = (time.perf_counter() - w0) / calls * 1e6, (time.process_time() - c0) / calls * 1e6
    times.sort()
    return times[calls // 2] / 1000, times[calls * 99 // 100] / 1000, mean, cpu


def ort_predict_one(args):
    sess = ort_session(args.threads)
    xs = np.random.default_rng(3).standard_normal((1024, 10), dtype=np.float32)
    rows = [xs[i:i + 1].copy() for i in range(1024)]
    p50, p99, mean, cpu = time_single(lambda i: sess.run(None, {"x": rows[i % 1024]}), args.calls)
    report("onnxruntime", {"workload": "predict A one", "p50_us": p50, "p99_us": p99, "mean_wall_us": mean, "mean_cpu_us": cpu})


def ort_predict_batch(args):
    sess = ort_session(args.threads)
    n = args.batch
    xb = np.random.default_rng(3).standard_normal((n, 10), dtype=np.float32)
    for _ in range(max(1, 100 * 1024 // n)):
        sess.run(None, {"x": xb})
    wall, cpu = best(args.repeat, lambda: [sess.run(None, {"x": xb}) for _ in range(args.rounds)])
    report("onnxruntime", {"workload": f"predict A batch {n}", "threads": args.threads,
                           "wall_per_s": n * args.rounds / wall, "cpu_per_s": n * args.rounds / cpu})


def numpy_predict_one(args):
    from threadpoolctl import threadpool_limits
    f = numpy_forward(model_a_weights())
    xs = np.random.default_rng(3).standard_normal((1024, 10), dtype=np.float32)
    rows = [xs[i:i + 1].copy() for i in range(1024)]
    with threadpool_limits(args.threads):
        p50, p99, mean, cpu = time_single(lambda i: f(rows[i % 1024]), args.calls)
        report("numpy", {"workload": "predict A one", "p50_us": p50, "p99_us": p99, "mean_wall_us": mean, "mean_cpu_us": cpu})


def numpy_predict_batch(args):
    from threadpoolctl import threadpool_limits
    f = numpy_forward(model_a_weights())
    xb = np.random.default_rng(3).standard_normal((1024, 10), dtype=np.float32)
    with threadpool_limits(args.threads):
        for _ in range(100):
            f(xb)
        wall, cpu = best(args.repeat, lambda: [f(xb) for _ in range(args.rounds)])
        report("numpy", {"workload": "predict A batch 1024", "threads": args.threads,
                         "wall_per_s": 1024 * args.rounds / wall, "cpu_per_s": 1024 * args.rounds / cpu})


def numpy_sgemm(args):
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    b = rng.standard_normal((2048, 2048), dtype=np.float32)
    c = np.empty((2048, 2048), dtype=np.float32)
    with threadpool_limits(args.threads):
        np.matmul(a, b, out=c)
        calls = 3
        wall, cpu = best(args.repeat, lambda: [np.matmul(a, b, out=c) for _ in range(calls)])
        flops = 2 * 2048 ** 3 * calls
        report("numpy", {"workload": "sgemm 2048x2048x2048", "threads": args.threads,
                         "gflops_wall": flops / wall / 1e9, "gflops_cpu": flops / cpu / 1e9})


# MARK: The table

def table(path, header):
    """The Markdown table of a results file (one JSON line per measurement, from bench/run)."""
    rows = [json.loads(line) for line in open(path) if line.startswith("{")]

    def get(impl, workload, threads=None):
        for r in rows:
            if r["impl"] == impl and r["workload"] == workload and (threads is None or r.get("threads") == threads):
                return r
        return None

    def rate(v):
        if v is None:
            return "–"
        for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if v >= scale:
                return f"{v / scale:.3g}{unit}"
        return f"{v:.3g}"

    def cell(r, cpu="cpu_per_s", wall="wall_per_s", fmt=rate):
        if r is None:
            return "–"
        return f"{fmt(r.get(cpu))} ({fmt(r.get(wall))})"

    def ratio(a, b, key="cpu_per_s", wall="wall_per_s"):
        if a is None or b is None or not b.get(key):
            return "–"
        return f"{a[key] / b[key]:.2f}× ({a[wall] / b[wall]:.2f}×)"

    def met(ok):
        return "yes" if ok else "**no**"

    print(header)
    print()
    print("Rates per CPU-second of the measuring process (all its threads), wall-clock in parentheses; "
          "best of the runs of each measurement. Each cell is its own process.")
    print()
    print("| workload | nimp | PyTorch | scikit-learn | onnxruntime | numpy | nimp ÷ PyTorch | goal | met |")
    print("|---|---|---|---|---|---|---|---|---|")
    rss = []
    for name, goal, need in (("A", "≥ 5× PyTorch", 5), ("B", "≥ 2× PyTorch", 2), ("C", "≥ 5× PyTorch (2 threads)", 5)):
        n = get("nimp", f"train {name}")
        t = get("torch", f"train {name}", 2 if name == "C" else 1)
        s = get("sklearn", f"train {name}")
        label = f"train {name}, samples/s" + (" (PyTorch 2 threads)" if name == "C" else "")
        ok = n and t and n["cpu_per_s"] / t["cpu_per_s"] >= need
        print(f"| {label} | {cell(n)} | {cell(t)} | {cell(s)} | – | – | {ratio(n, t)} | {goal} | {met(ok)} |")
        rss.append((f"train {name}", n, t, s, None, None))
        if name == "C":
            t1 = get("torch", "train C", 1)
            print(f"| train C, samples/s (PyTorch 1 thread) | {cell(n)} | {cell(t1)} | – | – | – | {ratio(n, t1)} | – | – |")
    us = lambda v: "–" if v is None else f"{v:.3g} µs"
    one = {i: get(i, "predict A one") for i in ("nimp", "torch", "onnxruntime", "numpy")}
    p50 = lambda r: "–" if r is None else f"{us(r['p50_us'])} ({us(r['mean_cpu_us'])})"
    n1, t1 = one["nimp"], one["torch"]
    speed = f"{t1['p50_us'] / n1['p50_us']:.0f}× faster" if n1 and t1 else "–"
    print(f"| predict A, one sample per call: p50 (mean CPU per call) | {p50(n1)} in process | {p50(t1)} | – | "
          f"{p50(one['onnxruntime'])} | {p50(one['numpy'])} | {speed} | p50 ≤ 0.5 µs | {met(n1 and n1['p50_us'] <= 0.5)} |")
    rss.append(("predict A one", n1, t1, None, one["onnxruntime"], one["numpy"]))
    b = {i: get(i, "predict A batch 1024") for i in ("nimp", "torch", "onnxruntime", "numpy")}
    peers = [b[i]["cpu_per_s"] for i in ("torch", "onnxruntime", "numpy") if b[i]]
    ok = b["nimp"] and len(peers) == 3 and b["nimp"]["cpu_per_s"] >= max(peers)
    print(f"| predict A, batch 1024, samples/s | {cell(b['nimp'])} | {cell(b['torch'])} | – | {cell(b['onnxruntime'])} | "
          f"{cell(b['numpy'])} | {ratio(b['nimp'], b['torch'])} | ≥ best of PyTorch, onnxruntime, numpy | {met(ok)} |")
    rss.append(("predict A batch 1024", b["nimp"], b["torch"], None, b["onnxruntime"], b["numpy"]))
    gf = lambda v: "–" if v is None else f"{v:.0f}"
    for threads in (1, 2):
        n, t, np_ = (get(i, "sgemm 2048x2048x2048", threads) for i in ("nimp", "torch", "numpy"))
        cellg = lambda r: cell(r, "gflops_cpu", "gflops_wall", gf)
        print(f"| sgemm 2048³, {threads} thread{'s' if threads > 1 else ''}, GFLOP/s per CPU-s (wall) | {cellg(n)} | {cellg(t)} | – | – | "
              f"{cellg(np_)} | {ratio(n, t, 'gflops_cpu', 'gflops_wall')} | – | – |")
    tb, sb = get("nimp", "train B"), get("nimp", "sgemm at B's shapes")
    if tb and sb:
        share = tb["gflops_cpu"] / sb["gflops_cpu"]
        print(f"| train B vs its own sgemm calls alone, GFLOP/s | {gf(tb['gflops_cpu'])} ({gf(tb['gflops_wall'])}) of "
              f"{gf(sb['gflops_cpu'])} ({gf(sb['gflops_wall'])}) = {share:.0%} | – | – | – | – | – | ≥ 60% | {met(share >= 0.6)} |")
    batches = sorted({int(r["workload"].rsplit(" ", 1)[1]) for r in rows if r["workload"].startswith("predict A batch ")} - {1024})
    for n in batches:
        nb, ob = get("nimp", f"predict A batch {n}"), get("onnxruntime", f"predict A batch {n}")
        print(f"| predict A, batch {n:,}, samples/s | {cell(nb)} | – | – | {cell(ob)} | – | "
              f"{ratio(nb, ob)} ÷ onnxruntime | – | – |")
    gemm_table(rows)
    print()
    print("Peak RSS (MiB) of each measuring process:")
    print()
    print("| workload | nimp | PyTorch | scikit-learn | onnxruntime | numpy |")
    print("|---|---|---|---|---|---|")
    mib = lambda r: "–" if r is None else f"{r['maxrss_mib']:.0f}"
    for label, *impls in rss:
        print(f"| {label} | " + " | ".join(mib(r) for r in impls) + " |")


def gemm_table(rows):
    """nimp's GEMM shapes: the rate through nimp's dispatch against every candidate (single
    thread, GFLOP/s per CPU-second of the thread, best of 15 runs). The candidates nimp's
    process can run (its OpenBLAS core type, BLIS, libxsmm) take turns with nimp's dispatch
    in that process; the other core types come from `nimp-bench tune` in the same round."""
    # bench/run tunes and measures in alternating rounds. The CPU's speed drifts between
    # processes and rounds (a VM's host, turbo), so each round is compared with itself, and
    # the round with the median ratio is the one shown.
    rounds = {}  # shape -> [[candidates row, nimp row] per round]
    for r in rows:
        side = {"gemm candidates": 0, "gemm shape": 1}.get(r.get("workload"))
        if side is None:
            continue
        per_shape = rounds.setdefault(r["shape"], [])
        slot = next((x for x in per_shape if x[side] is None), None)
        if slot is None:
            slot = [None, None]
            per_shape.append(slot)
        slot[side] = r
    def merged(c, n):
        """The round's candidate rates, those timed beside nimp's dispatch replacing the tune's."""
        rates = dict(c["rates"], **n.get("beside", {}))
        best = max(rates, key=rates.get)
        return dict(c, rates=rates, best=best, best_gflops=rates[best])

    used, candidates = [], {}
    for shape, pairs in rounds.items():
        complete = sorted((p for p in pairs if p[0] and p[1] and p[0]["best_gflops"] > 0),
                          key=lambda p: p[1]["gflops"] / merged(*p)["best_gflops"])
        if not complete:
            continue
        c, n = complete[len(complete) // 2]
        candidates[shape] = merged(c, n)
        used.append(dict(n, rounds=len(complete)))
    if not used:
        return
    names = []
    for r in candidates.values():
        for name in r["rates"]:
            if name not in names:
                names.append(name)
    print()
    core = next(iter(candidates.values()), {}).get("coretype", "–")
    print(f"nimp's GEMM shapes (workloads A, B, C: training steps and batch-1024 prediction), one thread, "
          f"GFLOP/s per CPU-second of the calling thread, best of 15 runs of about 1 ms; of 3 alternating rounds (tune, then nimp), each compared within itself, the round with the median ratio. "
          f"nimp ran OpenBLAS {core}, with BLIS or libxsmm at the shapes where `nimp-bench tune` measured them more than 5% faster, taking turns with {core} in its process. "
          f"{core}, BLIS and libxsmm were timed in nimp's process, their runs taking turns with nimp's; the other core types are the tune's rates from the same round. "
          f"Goal: nimp within 90% of the best candidate at every shape.")
    print()
    print("| shape | nimp | uses | best | " + " | ".join(names) + " | nimp ÷ best | met |")
    print("|---|---|---|---|" + "---|" * len(names) + "---|---|")
    missed = 0
    for r in used:
        c = candidates.get(r["shape"])
        best = c["best_gflops"] if c else None
        share = r["gflops"] / best if best else None
        missed += share is not None and share < 0.9
        rates = " | ".join(f"{c['rates'][n]:.1f}" if c and n in c["rates"] else "–" for n in names)
        print(f"| {r['shape']} | {r['gflops']:.1f} | {r['uses']} | {c['best'] if c else '–'} | {rates} | "
              f"{'–' if share is None else f'{share:.0%}'} | {'–' if share is None else ('yes' if share >= 0.9 else '**no**')} |")
    print()
    print(f"{len(used) - missed} of {len(used)} shapes within 90% of the best candidate.")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "table":
        table(sys.argv[2], " ".join(sys.argv[3:]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("impl", choices=["torch", "sklearn", "onnxruntime", "numpy"])
    ap.add_argument("workload")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--samples", type=int, default=65536)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--calls", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=1024, help="rows per call (onnxruntime predict-batch)")
    args = ap.parse_args()
    dispatch = {
        ("torch", "train-A"): lambda: torch_train("A", args),
        ("torch", "train-B"): lambda: torch_train("B", args),
        ("torch", "train-C"): lambda: torch_train("C", args),
        ("torch", "predict-one"): lambda: torch_predict_one(args),
        ("torch", "predict-batch"): lambda: torch_predict_batch(args),
        ("torch", "sgemm-2048"): lambda: torch_sgemm(args),
        ("sklearn", "train-A"): lambda: sklearn_train("A", args),
        ("sklearn", "train-B"): lambda: sklearn_train("B", args),
        ("sklearn", "train-C"): lambda: sklearn_train("C", args),
        ("onnxruntime", "predict-one"): lambda: ort_predict_one(args),
        ("onnxruntime", "predict-batch"): lambda: ort_predict_batch(args),
        ("numpy", "predict-one"): lambda: numpy_predict_one(args),
        ("numpy", "predict-batch"): lambda: numpy_predict_batch(args),
        ("numpy", "sgemm-2048"): lambda: numpy_sgemm(args),
        ("numpy", "info"): lambda: report("numpy", {"workload": "info", "numpy": np.__version__}),
    }
    run = dispatch.get((args.impl, args.workload))
    if run is None:
        sys.exit(f"peers.py: no workload {args.workload} for {args.impl}")
    run()


if __name__ == "__main__":
    main()
