#!/usr/bin/env python3
"""Single-sample latency of `nimp export --format c` against nimp's own predictor, on the
same models, in one run. Prints a Markdown table and the CPU.

    python3 bench/c_latency.py [--nimp PATH] [--samples 20000] [--cc cc]

Models: workload A of bench/run (10 inputs → 64 → 64 → 1, tanh; regression), a small
one (10 → 16 → 1) and a classifier with a text column (penguins-like: 3 classes).
nimp's figure is `nimp evaluate --latency-samples N`'s latency_p50_us (one row per call
through its single-sample predictor). The C figure is the p50 of N timed calls of
PREFIX_predict (encoding, standardisation and every layer; clock_gettime around each
call), compiled with `cc -std=c99 -O2 -march=native` and, for the record, `-O2` alone.
Standard library only.
"""
import argparse, json, os, platform, random, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common

HARNESS = r"""
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "model.h"
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
    int n = atoi(argv[1]), i, k;
    static m_cell rows[64][M_COLUMNS];
    double *t = malloc(sizeof(double) * (size_t)n);
    float out[M_OUTPUTS];
    volatile float sink = 0;
    srand(1);
    for (i = 0; i < 64; i++) for (k = 0; k < M_COLUMNS; k++) {
        rows[i][k].number = (double)rand() / RAND_MAX;
        rows[i][k].text = CATEGORY(k, i);
    }
    for (i = 0; i < 2000; i++) { m_predict(rows[i % 64], out); sink += out[0]; }
    for (i = 0; i < n; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        m_predict(rows[i % 64], out);
        clock_gettime(CLOCK_MONOTONIC, &b);
        sink += out[0];
        t[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
    }
    qsort(t, (size_t)n, sizeof(double), cmp);
    printf("%.4f %.4f\n", t[n / 2], t[(int)(n * 0.99)]);
    return sink == 12345.0f;
}
"""


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nimp")
    ap.add_argument("--samples", type=int, default=20000)
    ap.add_argument("--cc", default="cc")
    a = ap.parse_args()
    nimp = common.nimp_binary(a.nimp)
    tmp = tempfile.mkdtemp(prefix="nimp-c-latency-")
    rnd = random.Random(1)
    # Tables: numeric A-like and a classifier with one text column.
    with open(f"{tmp}/num.csv", "w") as f:
        f.write(",".join([f"x{i}" for i in range(10)] + ["y"]) + "\n")
        for _ in range(2000):
            x = [rnd.random() for _ in range(10)]
            f.write(",".join(map(str, x + [sum(x) / 10])) + "\n")
    with open(f"{tmp}/cat.csv", "w") as f:
        f.write("bill,flipper,mass,island,species\n")
        for _ in range(2000):
            island = rnd.choice(["Biscoe", "Dream", "Torgersen"])
            b, fl, m = rnd.random(), rnd.random(), rnd.random()
            f.write(f"{b},{fl},{m},{island},{'Adelie' if b < 0.4 else ('Gentoo' if fl > 0.5 else 'Chinstrap')}\n")
    models = [("A: 10 → 64 → 64 → 1, tanh", "num.csv", "y", ["--hidden", "64,64", "--activation", "tanh"], "NULL"),
              ("small: 10 → 16 → 1, relu", "num.csv", "y", ["--hidden", "16"], "NULL"),
              ("classifier with a text column: 6 → 32 → 3", "cat.csv", "species", ["--hidden", "32"],
               '((k) == 3 ? ((i) % 3 == 0 ? "Biscoe" : (i) % 3 == 1 ? "Dream" : "Torgersen") : NULL)')]
    rows = []
    for name, table, target, hidden, category in models:
        archive = f"{tmp}/m.nimp"
        run([nimp, "train", "--data", f"{tmp}/{table}", "--target", target, "--epochs", "2", "--metrics", os.devnull,
             "-q", "-o", archive] + hidden)
        ev = json.loads(run([nimp, "evaluate", archive, "--data", f"{tmp}/{table}", "--latency-samples", str(a.samples)]))
        run([nimp, "export", archive, "--format", "c", "--name", "m", "-o", f"{tmp}/model.h", "-q"])
        with open(f"{tmp}/main.c", "w") as f:
            f.write(HARNESS.replace("CATEGORY(k, i)", category.replace("(k)", "(k)").replace("(i)", "(i)")))
        figures = {}
        for label, flags in [("-O2 -march=native", ["-O2", "-march=native"]), ("-O2", ["-O2"])]:
            run([a.cc, "-std=c99", *flags, "-I", tmp, "-o", f"{tmp}/bench", f"{tmp}/main.c", "-lm"])
            p50, p99 = map(float, run([f"{tmp}/bench", str(a.samples)]).split())
            figures[label] = (p50, p99)
        rows.append((name, ev["latency_p50_us"], ev["latency_p99_us"], figures))
    print(common.cpu_line())
    print(f"cc: {run([a.cc, '--version']).splitlines()[0]}; {a.samples} timed single-sample calls each\n")
    print("| model | nimp p50 / p99 µs | C -O2 -march=native p50 / p99 µs | C -O2 p50 µs | C ÷ nimp (p50, native) |")
    print("|---|---|---|---|---|")
    for name, n50, n99, f in rows:
        c50, c99 = f["-O2 -march=native"]
        print(f"| {name} | {n50:.3f} / {n99:.3f} | {c50:.3f} / {c99:.3f} | {f['-O2'][0]:.3f} | {c50 / n50:.2f}× |")


if __name__ == "__main__":
    main()
