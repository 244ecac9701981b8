#!/usr/bin/env python3
"""How many tasks an hour one registry takes on a cluster, from measured costs.

    python3 bench/cluster_model.py [--nodes 1000] [--cores 2] [--task-seconds 60]
                                   [--gate-ms 75] [--plan-ms 1.2] [--models 10000]

Each node runs one `nimp task run` per core at a time (one Slurm array element each);
tasks need no lock, so they scale with nodes. Three things do not:
  - the gate: one process under the registry lock re-measures every candidate, so it
    takes at most 3600 / gate-seconds results an hour (--gate-ms: measured per result
    by bench/plan_gate_scale.sh for tiny models, by bench/parallel_cycle.sh and
    bench/slurm_cycle.sh for 64×64 models on 100k-200k rows);
  - the plan: one pass over every model per cycle (--plan-ms per model);
  - the shared file system: every task reads its task file, the champion and the data,
    and writes a candidate and a result (about 5 opens and 2 creates).
The rate is the smallest of what the nodes produce and what the gate takes.
"""
import argparse


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=1000)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--task-seconds", type=float, default=60.0, help="wall seconds of one task")
    p.add_argument("--gate-ms", type=float, default=75.0, help="gate milliseconds per result")
    p.add_argument("--plan-ms", type=float, default=1.2, help="plan milliseconds per model")
    p.add_argument("--models", type=int, default=10000)
    a = p.parse_args()

    produced = a.nodes * a.cores * 3600 / a.task_seconds
    gated = 3600 / (a.gate_ms / 1000)
    # A cycle plans every model once and gates what its tasks made; with one task per
    # model a cycle is plan + run + gate, the run shrinking as nodes are added.
    cycle_plan = a.models * a.plan_ms / 1000
    cycle_run = a.models * a.task_seconds / (a.nodes * a.cores)
    cycle_gate = a.models * a.gate_ms / 1000
    rate = min(produced, gated)
    print(f"| quantity | value |")
    print(f"|---|---|")
    print(f"| tasks the nodes can run | {produced:,.0f} / hour ({a.nodes} nodes × {a.cores} cores, {a.task_seconds:g} s a task) |")
    print(f"| results the gate can take | {gated:,.0f} / hour ({a.gate_ms:g} ms a result, one process under the lock) |")
    print(f"| tasks an hour the registry takes | **{rate:,.0f}**, limited by {'the gate' if gated < produced else 'the nodes'} |")
    print(f"| nodes at which the gate becomes the limit | {gated * a.task_seconds / 3600 / a.cores:,.0f} |")
    print(f"| one cycle over {a.models:,} models | plan {cycle_plan:,.0f} s + tasks {cycle_run:,.0f} s + gate {cycle_gate:,.0f} s |")


if __name__ == "__main__":
    main()
