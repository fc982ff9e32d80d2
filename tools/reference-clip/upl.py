#!/usr/bin/python3
"""An independent PyTorch UPL (Huang et al. 2022) on the micro-CLIP: the cross-check of the Java UPL baseline.

    /usr/bin/python3 tools/reference-clip/upl.py --task /tmp/tasks/digits-real --seed 0 --ensemble 16
    /usr/bin/python3 tools/reference-clip/upl.py --task /tmp/tasks/dr2k --seed 0 --crop-scale-min 0.08
    /usr/bin/python3 tools/reference-clip/upl.py --task /tmp/tasks/dr2k --seed 0 --ensemble 16 --published

Same design as ``coft adapt --method upl``: zero-shot ("a photo of a {}.") top-16 seeds per predicted class (short
classes filled by score), a shared 4-vector context initialised from "a photo of a", Adam 2e-3 with a cosine
schedule, batch 32, 100 steps per prompt, ``--ensemble`` prompts (different seeds) whose softmax is averaged; no
labels are read except to print the accuracy. ``--crop-scale-min S`` trains instead on 10 random-resized-crop views
per seed (area S..1, ratio 3/4..4/3, bilinear), 250 steps — the pilot of UPL's published training augmentation.
``--published`` trains with UPL's released optimiser and context instead (``configs/trainers/UPLTrainer/rn50_ep50.yaml``
and ``scripts/upl_train.sh`` of its repository): 16 context vectors drawn from N(0, 0.02²) (prompt "X X … X
{class}."), SGD with momentum 0.9 and weight decay 5e-4, lr 0.002, 50 epochs over the seeds, the first at a constant
1e-5, then a per-epoch cosine; on the seeds' plain features (the recipe's crops are ``--crop-scale-min``'s separate
pilot, and the two do not combine). ``--per-class K`` changes the number of seeds per class (16). The last line is
``<task> UPL <accuracy>``. Numbers differ from Java's in the random draws only.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_io as mio  # noqa: E402
import tasks  # noqa: E402


def seeds_top_k(zs, pred, k, per_class=16):
    seeds, labels = [], []
    for c in range(k):
        idx = np.argsort(-zs[:, c].numpy())
        own = [i for i in idx if pred[i] == c][:per_class]
        if len(own) < per_class:
            own += [i for i in idx if i not in own][:per_class - len(own)]
        seeds += own
        labels += [c] * len(own)
    return np.array(seeds), torch.tensor(labels)


def crop_views(imgs, gen, n, scale_min):
    """n random-resized-crop views of 28x28 grey images (torchvision's RandomResizedCrop.get_params, 10 tries)."""
    out = []
    x = torch.from_numpy(imgs).float().unsqueeze(1)
    for _ in range(n):
        crops = []
        for im in x:
            size = 28
            for _t in range(10):
                s = gen.uniform(scale_min, 1.0)
                r = np.exp(gen.uniform(np.log(3 / 4), np.log(4 / 3)))
                w = int(round(np.sqrt(s * size * size * r)))
                h = int(round(np.sqrt(s * size * size / r)))
                if 0 < w <= size and 0 < h <= size:
                    i = gen.integers(0, size - h + 1)
                    j = gen.integers(0, size - w + 1)
                    break
            else:
                h = w = size
                i = j = 0
            crops.append(F.interpolate(im[:, i:i + h, j:j + w].unsqueeze(0), size=(size, size), mode="bilinear",
                                       align_corners=False)[0])
        out.append(torch.stack(crops)[:, 0].round().clamp(0, 255).byte().numpy())
    return out


def prompt_classifier(model, ids, mask, ctx):
    """The class-weight function of a learned context: token rows 1..len(ctx) of every class prompt (ids, mask)
    replaced by ctx, through the text tower, normalised."""
    base = model.text_model.embeddings.token_embedding.weight.detach()[ids]
    n, k = ctx.shape[0], ids.shape[0]

    def class_weights():
        e_ = torch.cat([base[:, :1], ctx.unsqueeze(0).expand(k, -1, -1), base[:, 1 + n:]], dim=1)
        return F.normalize(model.text_projection(model.text_model(ids, mask, inputs_embeds=e_)[1]), dim=-1)

    return class_weights


def train_published(model, tok, classes, fp, seeds, slab, scale, gen, n_ctx=16, lr=2e-3, epochs=50, batch=32):
    """UPL's released recipe (Dassl's SGD, constant warm-up epoch, per-epoch cosine); returns the class-weight function."""
    ids, mask = tok.batch([" ".join(["X"] * n_ctx) + " " + c + "." for c in classes])
    width = model.text_model.embeddings.token_embedding.weight.shape[-1]
    ctx = torch.nn.Parameter(torch.randn(n_ctx, width) * 0.02)
    opt = torch.optim.SGD([ctx], lr=lr, momentum=0.9, weight_decay=5e-4)
    class_weights = prompt_classifier(model, ids, mask, ctx)

    per_epoch = max(1, len(seeds) // batch)
    for epoch in range(epochs):
        rate = 1e-5 if epoch == 0 else lr * 0.5 * (1 + np.cos(np.pi * (epoch - 1) / epochs))
        for g in opt.param_groups:
            g["lr"] = rate
        order = gen.permutation(len(seeds))
        for b in range(per_epoch):
            i = order[b * batch:(b + 1) * batch]
            loss = F.cross_entropy(scale * fp[seeds[i]] @ class_weights().t(), slab[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return class_weights


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=os.path.join(mio.REPO, "models", "micro-clip"))
    ap.add_argument("--task", required=True, help="a task folder written by coft task")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ensemble", type=int, default=1)
    ap.add_argument("--crop-scale-min", type=float, default=None)
    ap.add_argument("--published", action="store_true", help="UPL's released optimiser and context (see above)")
    ap.add_argument("--per-class", type=int, default=16, help="seeds per class (16)")
    a = ap.parse_args()
    if a.published and a.crop_scale_min is not None:
        ap.error("--published is UPL's released optimiser and context on the seeds' plain features; "
                 "it does not combine with --crop-scale-min (the crop pilot)")
    torch.set_num_threads(1)
    model = mio.load_model_dir(a.model)
    tok = mio.Tokenizer(json.load(open(os.path.join(a.model, "training.json")))["tokenizer"]["merges"])
    images, labels, _, classes = tasks.read_folder(a.task)
    k = len(classes)
    with torch.no_grad():
        fp = F.normalize(mio.encode_images(model, images), dim=-1)
        ce = mio.class_embeddings(model, tok, classes, ["a photo of a {}."])
    scale = model.logit_scale.exp().detach()
    zs = (scale * fp @ ce.t()).softmax(1)
    pred = zs.argmax(1).numpy()
    print("zero-shot", (pred == labels).mean())
    seeds, slab = seeds_top_k(zs, pred, k, a.per_class)
    print("seed accuracy", (labels[seeds] == slab.numpy()).mean())
    ids, mask = tok.batch(["a photo of a %s." % c for c in classes])
    base = model.text_model.embeddings.token_embedding.weight.detach()[ids]
    for p in model.parameters():
        p.requires_grad_(False)
    probs = 0
    for e in range(a.ensemble):
        gen = np.random.default_rng(a.seed * 100 + e)
        torch.manual_seed(a.seed * 100 + e)
        views = 10
        if a.crop_scale_min is not None:
            with torch.no_grad():
                vf = torch.stack([F.normalize(mio.encode_images(model, v), dim=-1)
                                  for v in crop_views(images[seeds], gen, views, a.crop_scale_min)])
        if a.published:
            class_weights = train_published(model, tok, classes, fp, seeds, slab, scale, gen)
        else:
            ctx = torch.nn.Parameter(base[0, 1:5].clone())
            opt = torch.optim.Adam([ctx], lr=2e-3)
            steps = 100 if a.crop_scale_min is None else 250
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
            class_weights = prompt_classifier(model, ids, mask, ctx)
            for _ in range(steps):
                b = gen.choice(len(seeds), 32, replace=False)
                x = fp[seeds[b]] if a.crop_scale_min is None else vf[gen.integers(0, views, 32), b]
                loss = F.cross_entropy(scale * x @ class_weights().t(), slab[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        with torch.no_grad():
            p = (scale * fp @ class_weights().t()).softmax(1)
        print(" prompt", e, (p.argmax(1).numpy() == labels).mean())
        probs = probs + p
    print(os.path.basename(a.task.rstrip("/")), "UPL", (probs.argmax(1).numpy() == labels).mean())


if __name__ == "__main__":
    main()
