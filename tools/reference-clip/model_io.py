"""The micro-CLIP's architecture settings, tokenizer, preprocessing and model-dir loading (PyTorch side).

The architecture is ``tools/fixtures/clip_arch.py``'s Hugging Face ``CLIPModel`` re-implementation; the
tokenizer files are the first ``MERGES`` merges of OpenAI CLIP's BPE file, written by
``tools/fixtures/make_clip_fixtures.py``'s functions.  Preprocessing reproduces ``CLIPImageProcessor`` on
28x28 grey images (RGB conversion replicates the grey channel; resize and centre crop at the native size are
the identity) with the float32 arithmetic the Java side uses: ``(v / 255f - mean[c]) / std[c]``.
"""

import json
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "fixtures"))
import clip_arch as ca  # noqa: E402
import make_clip_fixtures as mcf  # noqa: E402

IMAGE_SIZE = 28
MERGES = 4000
CONTEXT = 77
CLIP_MEAN = mcf.CLIP_MEAN
CLIP_STD = mcf.CLIP_STD


def default_bpe_path():
    """The BPE merges file: ``<repo>/../shared/data/clip-bpe/`` (CI layout) or ``/work/shared/...``."""
    for p in (os.path.join(REPO, "..", "shared", "data", "clip-bpe", "bpe_simple_vocab_16e6.txt.gz"),
              "/work/shared/data/clip-bpe/bpe_simple_vocab_16e6.txt.gz"):
        if os.path.isfile(p):
            return os.path.abspath(p)
    raise SystemExit("bpe_simple_vocab_16e6.txt.gz not found beside the repository (../shared/data/clip-bpe/)")


def micro_config(vocab_size):
    """The micro-CLIP: image 28, patch 4 (49 patches + class token), widths 64, 4 layers, 4 heads, MLP 256,
    projection 64 -- the settings of the pre-study's probe run (FACTS.md)."""
    return ca.HFClipConfig(
        text=ca.HFTextConfig(vocab_size=vocab_size, hidden_size=64, intermediate_size=256, num_hidden_layers=4,
                             num_attention_heads=4, max_position_embeddings=CONTEXT, layer_norm_eps=1e-5),
        vision=ca.HFVisionConfig(hidden_size=64, intermediate_size=256, num_hidden_layers=4, num_attention_heads=4,
                                 num_channels=3, image_size=IMAGE_SIZE, patch_size=4, layer_norm_eps=1e-5),
        projection_dim=64, logit_scale_init_value=math.log(1 / 0.07))


class Tokenizer:
    """CLIP BPE over a vocabulary of the first ``n_merges`` merges (ASCII captions only; no ftfy)."""

    def __init__(self, n_merges=MERGES, bpe_path=None):
        mcf.BPE_PATH = bpe_path or default_bpe_path()
        self.n_merges = n_merges
        self.vocab, self.merges = mcf.build_vocab(n_merges)
        self.ranks = {tuple(m.split(" ")): i for i, m in enumerate(self.merges)}
        self.inverse = {v: k for k, v in self.vocab.items()}
        self.sot = self.vocab[mcf.START_TEXT]
        self.eot = self.vocab[mcf.END_TEXT]
        self._cache = {}

    def encode(self, text):
        """Ids with start and end tokens, no padding."""
        ids = self._cache.get(text)
        if ids is None:
            if not text.isascii():
                raise ValueError("only ASCII captions are supported here: %r" % text)
            ids = mcf.simple_bpe_encode(text, self.vocab, self.ranks)
            self._cache[text] = ids
        return ids

    def pieces(self, text):
        return [self.inverse[i] for i in self.encode(text)[1:-1]]

    def batch(self, texts, length=None):
        """(input_ids int64 [B, L], attention_mask int64 [B, L]); zero padding (as the Java tokenizer)."""
        rows = [self.encode(t) for t in texts]
        n = length or max(len(r) for r in rows)
        ids = np.zeros((len(rows), n), np.int64)
        mask = np.zeros((len(rows), n), np.int64)
        for i, r in enumerate(rows):
            if len(r) > n:
                r = r[:n - 1] + [self.eot]
            ids[i, :len(r)] = r
            mask[i, :len(r)] = 1
        return torch.from_numpy(ids), torch.from_numpy(mask)

    def write_files(self, out_dir):
        mcf.write_tokenizer_files(out_dir, self.n_merges)


def pixel_lookup():
    """[3, 256] float32: the normalised value of each 8-bit sample per channel, as the Java preprocessor."""
    v = np.arange(256, dtype=np.float32) / np.float32(255)
    return np.stack([(v - np.float32(m)) / np.float32(s) for m, s in zip(CLIP_MEAN, CLIP_STD)]).astype(np.float32)


_LUT = None


def pixels(gray_u8):
    """uint8 [N, 28, 28] grey images -> float32 tensor [N, 3, 28, 28] of normalised pixel values."""
    global _LUT
    if _LUT is None:
        _LUT = torch.from_numpy(pixel_lookup())
    idx = torch.from_numpy(np.array(gray_u8, dtype=np.int64))
    return torch.stack([_LUT[c][idx] for c in range(3)], dim=1)


def load_model_dir(model_dir):
    """Rebuilds the PyTorch CLIPModel from a model dir's config.json + model.onnx weights (via param_map.json):
    the weights the Java importer reads."""
    sys.path.insert(0, os.path.join(REPO, "tools", "fixtures"))
    import torch_bench  # noqa: E402
    _, model, _, _ = torch_bench.load_model(model_dir)
    return model.eval()


@torch.no_grad()
def encode_images(model, gray_u8, batch=500):
    feats = []
    for i in range(0, len(gray_u8), batch):
        pooled = model.vision_model(pixels(gray_u8[i:i + batch]))[1]
        feats.append(model.visual_projection(pooled))
    return torch.cat(feats)


@torch.no_grad()
def encode_images_before_projection(model, gray_u8, batch=500):
    return torch.cat([model.vision_model(pixels(gray_u8[i:i + batch]))[1] for i in range(0, len(gray_u8), batch)])


@torch.no_grad()
def class_embeddings(model, tok, class_names, templates):
    """Prompt-ensemble class embeddings [K, D], normalised (as ZeroShotClassifier in Java)."""
    out = []
    for c in class_names:
        ids, mask = tok.batch([t.replace("{}", c) for t in templates], length=CONTEXT)
        e = model.text_projection(model.text_model(ids, mask)[1])
        e = e / e.norm(dim=-1, keepdim=True)
        m = e.mean(0)
        out.append(m / m.norm())
    return torch.stack(out)


@torch.no_grad()
def zero_shot_predict(model, tok, gray_u8, class_names, templates=("a photo of a {}.",)):
    """(predicted class index per image, logits [N, K])."""
    w = class_embeddings(model, tok, class_names, list(templates))
    f = encode_images(model, gray_u8)
    f = f / f.norm(dim=-1, keepdim=True)
    logits = model.logit_scale.exp() * f @ w.t()
    return logits.argmax(1).numpy(), logits.numpy()


def per_class_accuracy(pred, labels, k):
    return [float((pred[labels == c] == c).mean()) if (labels == c).any() else float("nan") for c in range(k)]


def write_json(path, obj):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")
