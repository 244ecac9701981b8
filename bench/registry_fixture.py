#!/usr/bin/env python3
"""Grows a registry for the scale benchmarks (bench/scale) from one added model.

    python bench/registry_fixture.py REGISTRY MODELS VERSIONS [DIGITS]

REGISTRY must hold model m0001 with one version (`nimp registry add m0001 ...`; with
DIGITS 5, m00001). Its directory is copied to m0002 ... mMODELS, each archive's manifest id rewritten (same
length, so the tar stays valid) and its index line given the new sha256; then every
model gets versions 2 ... VERSIONS, archives rebuilt with the manifest's version number.
`nimp registry verify` finds the result clean.
"""
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile


def line(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def with_version(arch, version):
    src = tarfile.open(fileobj=io.BytesIO(arch))
    out = io.BytesIO()
    dst = tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT)
    for m in src.getmembers():
        data = src.extractfile(m).read()
        if m.name == "manifest.json":
            manifest = json.loads(data)
            manifest["version"] = version
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
        info = tarfile.TarInfo(m.name)
        info.size, info.mode, info.mtime = len(data), m.mode, 0
        dst.addfile(info, io.BytesIO(data))
    dst.close()
    return out.getvalue()


def main():
    reg, models, versions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    digits = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    first_id = "m" + "1".zfill(digits)
    src = os.path.join(reg, "models", first_id)
    arch = open(os.path.join(src, "versions", "v0001.nimp"), "rb").read()
    index = json.loads(open(os.path.join(src, "versions", "index.jsonl")).readline())
    old = f'"id" : "{first_id}"'.encode()
    assert arch.count(old) == 1, "expected one id field in the manifest"
    for i in range(1, models + 1):
        mid = "m" + str(i).zfill(digits)
        dst = os.path.join(reg, "models", mid)
        if i > 1:
            if os.path.exists(dst):
                shutil.rmtree(dst)
            shutil.copytree(src, dst)
        first = arch.replace(old, f'"id" : "{mid}"'.encode())
        vdir = os.path.join(dst, "versions")
        open(os.path.join(vdir, "v0001.nimp"), "wb").write(first)
        lines = [line(dict(index, sha256=hashlib.sha256(first).hexdigest()))]
        for v in range(2, versions + 1):
            data = with_version(first, v)
            open(os.path.join(vdir, f"v{v:04d}.nimp"), "wb").write(data)
            lines.append(line(dict(index, version=v, size=len(data), sha256=hashlib.sha256(data).hexdigest())))
        open(os.path.join(vdir, "index.jsonl"), "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
