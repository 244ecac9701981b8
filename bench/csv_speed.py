#!/usr/bin/env python3
"""CSV reading and predict throughput of nimp against pandas.read_csv, peak memory of
`nimp predict` on a large stdin, and `nimp predict | head -n 3`. Prints Markdown.

    python3 bench/csv_speed.py [--nimp PATH] [--rows 200000] [--cols 10] [--repeat 3]
                               [--memory-mb 1024] [--format jsonl] [--python VENV_PYTHON]

Two seeded files of --rows rows: `numeric` (--cols float columns x0.. and a target y)
and `mixed` (the same plus a text column `city`, and 5% of the float cells empty). For
each, a 64-64 model is trained on its first --train-rows rows (--epochs), then, best of
--repeat wall times (user CPU of the same run beside it, from os.wait4 of that process):
pandas.read_csv of the file (in this process), `nimp evaluate` (read, predict, metrics;
--latency-samples 10) and `nimp predict --data FILE > /dev/null`. MB/s and rows/s are per
wall second, rows per CPU-s per user CPU second (steadier on a shared machine; pandas'
is this process's CPU time, all threads). evaluate's own throughput_per_s (the model
alone, batches of 1024) is the yardstick for predict's end-to-end rate.
Memory: a --memory-mb CSV (the numeric file's rows repeated) is written under --tmp,
piped with cat into `nimp predict --data -`, and deleted. Peak RSS is nimp's own, from
/usr/bin/time -f %M (see common.measure; "–" without /usr/bin/time).
Python: --python, $NIMP_BENCH_PYTHON, else scripts/python-env bench/requirements.txt.
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common
common.use_bench_python()
sys.stdout.reconfigure(line_buffering=True)

import argparse, json, shutil, signal, subprocess, tempfile, time
import numpy as np
import pandas as pd


def make_table(rows, cols, seed, mixed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, cols)).astype(np.float32)
    w = rng.standard_normal(cols)
    df = pd.DataFrame(x, columns=[f"x{i}" for i in range(cols)])
    y = x @ w + 0.5 * np.sin(3 * x[:, 0]) + 0.1 * rng.standard_normal(rows)
    if mixed:
        cities = np.array(["Berlin", "Lima", "Osaka", "Perth", "Quebec"])
        city = rng.integers(0, len(cities), rows)
        y += city - 2.0
        df.insert(cols // 2, "city", cities[city])
        for c in df.columns[df.columns != "city"]:
            df.loc[rng.random(rows) < 0.05, c] = np.nan
    df["y"] = y.astype(np.float32)
    return df


def write_csv(df, path):
    df.to_csv(path, index=False, float_format="%.6g", na_rep="")


def best_of(repeat, fn):
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r.wall)


def pandas_read(path):
    w0, c0 = time.perf_counter(), time.process_time()
    df = pd.read_csv(path)
    return common.Run(wall=time.perf_counter() - w0, user=time.process_time() - c0, maxrss_mib=float("nan"), rows=len(df))


def rate(n, seconds):
    return f"{n / seconds / 1e6:.2f}M" if n / seconds >= 1e6 else f"{n / seconds / 1e3:.0f}k"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nimp", help="nimp binary (default $NIMP, .build/release/nimp, .build/debug/nimp)")
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--cols", type=int, default=10)
    ap.add_argument("--train-rows", type=int, default=20_000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", default="jsonl", help="nimp predict --format")
    ap.add_argument("--memory-mb", type=float, default=1024, help="size of the stdin file for the memory check (0: skip)")
    ap.add_argument("--tmp", default="/tmp", help="where the files are written")
    ap.add_argument("--keep-files", action="store_true")
    args = ap.parse_args()
    nimp = common.nimp_binary(args.nimp)
    tmp = tempfile.mkdtemp(prefix="nimp-csv-speed-", dir=args.tmp)
    print(common.cpu_line())
    print(f"nimp: {nimp}; pandas {pd.__version__}, numpy {np.__version__}; {args.rows} rows × {args.cols} float "
          f"columns + y; best of {args.repeat}; {time.strftime('%Y-%m-%d')}\n")
    table = ["| file | MB | step | best wall s | user CPU s | peak RSS MiB | MB/s | rows/s | rows per CPU-s |",
             "|---|---|---|---|---|---|---|---|---|"]
    ratios, models = [], {}
    try:
        for variant in ("numeric", "mixed"):
            df = make_table(args.rows, args.cols, args.seed, mixed=variant == "mixed")
            path, slice_path = f"{tmp}/{variant}.csv", f"{tmp}/{variant}-train.csv"
            write_csv(df, path)
            write_csv(df.iloc[:args.train_rows], slice_path)
            del df
            model = models[variant] = f"{tmp}/{variant}.nimp"
            print(f"  {variant}: training on {args.train_rows} rows...", file=sys.stderr)
            common.measure([nimp, "train", "--data", slice_path, "--target", "y", "-o", model, "--epochs", str(args.epochs),
                            "--metrics", os.devnull, "-q"]).check("nimp train")
            mb, n = os.path.getsize(path) / 1e6, args.rows
            pd_run = best_of(args.repeat, lambda: pandas_read(path))
            ev_run = best_of(args.repeat, lambda: common.measure(
                [nimp, "evaluate", model, "--data", path, "--latency-samples", "10"], capture=True).check("nimp evaluate"))
            with open(os.devnull, "w") as null:
                pr_run = best_of(args.repeat, lambda: common.measure(
                    [nimp, "predict", model, "--data", path, "--format", args.format], stdout=null).check("nimp predict"))
            ev_json = json.loads(ev_run.stdout)
            for step, r in (("pandas.read_csv", pd_run), ("nimp evaluate", ev_run), (f"nimp predict ({args.format}) > /dev/null", pr_run)):
                rss = "–" if r.maxrss_mib != r.maxrss_mib else f"{r.maxrss_mib:.0f}"
                table.append(f"| {variant} | {mb:.1f} | {step} | {r.wall:.3f} | {r.user:.3f} | {rss} | {mb / r.wall:.1f} | {rate(n, r.wall)} | {rate(n, r.user)} |")
            model_rate = ev_json.get("throughput_per_s", float("nan"))
            ratios.append(f"- {variant}: nimp predict ÷ pandas.read_csv (rows/s) = {pd_run.wall / pr_run.wall:.2f}× wall, "
                          f"{pd_run.user / pr_run.user:.2f}× per CPU-s; "
                          f"predict end-to-end {rate(n, pr_run.wall)} rows/s ÷ evaluate's model throughput_per_s "
                          f"{rate(model_rate, 1)} = {n / pr_run.wall / model_rate:.2f}; "
                          f"evaluate samples {ev_json.get('samples')}, r2 {ev_json.get('r2', float('nan')):.4f}")
        print("\n".join(table) + "\n\n" + "\n".join(ratios) + "\n")
        if args.memory_mb > 0:
            print(memory_check(nimp, models["numeric"], f"{tmp}/numeric.csv", args) + "\n")
        print(head_check(nimp, models["numeric"], f"{tmp}/numeric.csv", args.format))
    finally:
        if args.keep_files:
            print(f"files kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def memory_check(nimp, model, source, args):
    """Peak RSS of `cat BIG.csv | nimp predict MODEL --data - > /dev/null`."""
    big = os.path.join(os.path.dirname(source), "big.csv")
    with open(source) as f:
        header, block = f.readline(), f.read()
    block_rows = block.count("\n")
    target, rows = int(args.memory_mb * 1e6), 0
    print(f"  writing {args.memory_mb:.0f} MB to {big}...", file=sys.stderr)
    try:
        with open(big, "w") as f:
            f.write(header)
            while f.tell() < target:
                f.write(block)
                rows += block_rows
        size = os.path.getsize(big) / 1e6
        cat = subprocess.Popen(["cat", big], stdout=subprocess.PIPE)
        with open(os.devnull, "w") as null:
            r = common.measure([nimp, "predict", model, "--data", "-", "--format", args.format], stdin=cat.stdout, stdout=null)
        cat.stdout.close()
        cat.wait()
    finally:
        if os.path.exists(big):
            os.remove(big)
    rss = "unknown (no /usr/bin/time)" if r.maxrss_mib != r.maxrss_mib else f"{r.maxrss_mib:.0f} MiB"
    status = "ok" if r.returncode == 0 else f"FAILED (exit {r.returncode}): {r.stderr.strip()[:500]}"
    return (f"Memory: `cat {size:.0f}MB.csv | nimp predict m.nimp --data - > /dev/null` ({rows} rows): {status}; "
            f"peak RSS {rss}, {r.wall:.1f} s wall, {r.user:.1f} s user, {size / r.wall:.1f} MB/s, "
            f"{rate(rows, r.wall)} rows/s")


def head_check(nimp, model, path, fmt):
    """`nimp predict ... | head -n 3` must end quietly: nimp's exit status and stderr."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen([nimp, "predict", model, "--data", path, "--format", fmt], stdout=subprocess.PIPE, stderr=err)
        head = subprocess.Popen(["head", "-n", "3"], stdin=p.stdout, stdout=subprocess.PIPE)
        p.stdout.close()
        out = head.communicate()[0].decode()
        code = p.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace").strip()
    status = f"exit {code}" if code >= 0 else f"killed by {signal.Signals(-code).name} (shell status {128 - code})"
    verdict = ("NOT quiet" if stderr or code not in (0, -signal.SIGPIPE) else "quiet" if code == 0
               else "quiet, but the SIGPIPE status fails a `set -o pipefail` script")
    return (f"`nimp predict m.nimp --data numeric.csv | head -n 3`: nimp {status}, stderr "
            f"{json.dumps(stderr) if stderr else 'empty'}, head printed {len(out.splitlines())} lines → {verdict}")


if __name__ == "__main__":
    main()
