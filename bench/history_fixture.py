#!/usr/bin/env python3
"""Appends synthetic history to a registry for the scale benchmarks (bench/scale).

    python bench/history_fixture.py REGISTRY LINES

Writes LINES lines straight into REGISTRY/history.jsonl, before the lines it has, in the
format nimp writes (one JSON object a line, sorted keys), as a cycle every 5 minutes over
the registry's models would have left them, the last one an hour ago: each cycle gates three tasks (mostly
rejected; a promotion adds its promote line) and records its cycle line. The tasks name
an eval set and versions no model has, so nothing a cycle plans depends on them: models
at their targets stay idle. About 1.3 kB a line; 1,000,000 lines take about a minute.
"""
import datetime
import json
import os
import random
import sys


def line(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def stamp(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}Z"


def metrics(rng):
    r2 = rng.uniform(0.9, 0.99)
    return {"bytes": 15360, "latency_p50_us": 0.09, "latency_p99_us": 0.1, "mae": 0.02, "mse": 0.0006, "parameters": 465,
            "r2": r2, "rmse": 0.025, "throughput_per_s": 14475329.2}


def task(rng, t, cycle, n, model, promoted):
    gain = rng.uniform(0.1, 0.8) if promoted else rng.uniform(-0.05, 0.09)
    evidence = {"bounds": [gain / 100, gain / 50], "change": gain / 70, "confidence": 0.95, "metric": "r2", "n": 2000,
                "on": "squared error", "p_value": 0.0, "test": "paired t"}
    task_id = f"c{cycle:04d}-{stamp(t)[:19].replace('-', '').replace(':', '')}Z-{rng.getrandbits(32):08x}-{n:02d}-{model}-training"
    outcome = "promoted" if promoted else "rejected"
    return {
        "after": metrics(rng), "before": metrics(rng), "candidate": 9000 + cycle if promoted else None,
        "checks": [dict(evidence, metric="mae", on="absolute error")], "cpu_seconds": 0.009, "cycle": cycle,
        "eval_sha256": "0" * 64, "evidence": evidence, "executor": "local", "gain": gain, "host": "bench", "metric": "r2",
        "model": model, "outcome": outcome, "parent": 1, "priority": 1.1, "promoted": promoted,
        "reason": f"r2 0.984481 → 0.987851: gain {gain:.4f} {'reaches' if promoted else 'is below'} the threshold 0.1000",
        "reasons": ["r2 0.9845 on held-out data, target 0.995: gap 0.678",
                    "priority 1.111 = gap 0.678 × signal modulation 1.64 (dopamine 1.00, cortisol 0.58, growth 0.00, serotonin 0.07)"],
        "seconds": 0.066, "task_id": task_id, "task_type": "training", "time": stamp(t), "triggers": [], "type": "task",
    }


def main():
    reg, total = sys.argv[1], int(sys.argv[2])
    models = sorted(os.listdir(os.path.join(reg, "models")))
    rng = random.Random(1)
    per_cycle = 4.2  # three tasks, a cycle line, a promote line one time in five
    start = datetime.datetime.now(datetime.timezone.utc).timestamp() - 3600 - 300 * total / per_cycle
    written = 0
    path = os.path.join(reg, "history.jsonl")
    existing = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    with open(path + ".new", "w", encoding="utf-8") as out:
        cycle = 0
        while written < total:
            cycle += 1
            t = start + 300 * cycle
            lines = []
            promoted = []
            for n in range(1, 4):
                model = rng.choice(models)
                p = rng.random() < 0.067
                lines.append(line(task(rng, t + n * 0.1, cycle, n, model, p)))
                if p:
                    promoted.append(model)
                    lines.append(line({"from": 1, "model": model, "reason": f"cycle {cycle}: training: gain reaches the threshold",
                                       "time": stamp(t + n * 0.1 + 0.01), "to": 9000 + cycle, "type": "promote"}))
            lines.append(line({
                "average_task_seconds": 0.07, "best_gain": 0.5 if promoted else 0, "eval_refreshed": [], "eval_spent": [],
                "evaluated": 0, "failed": 0, "iteration": cycle, "memory_bytes": 40488960, "models": len(models),
                "models_improved": sorted(promoted), "promoted": len(promoted), "rejected": 3 - len(promoted), "seconds": 0.27,
                "signals": {"cortisol": 0.3, "dopamine": 0.5, "growth": 0.2, "serotonin": 0.6}, "status": "completed",
                "tasks": 3, "time": stamp(t + 0.5), "total_gain": 0.5 if promoted else 0, "triggers": [], "type": "cycle"}))
            lines = lines[: total - written]
            out.write("\n".join(lines) + "\n")
            written += len(lines)
        out.write(existing)
    os.replace(path + ".new", path)


if __name__ == "__main__":
    main()
