#!/usr/bin/python3
"""Generate the preprocessing parity fixtures in fixtures/preprocess/.

Writes a few small synthetic test images (PNG RGB / grayscale / RGBA / palette, JPEG, BMP, GIF; sizes chosen
so that the configs need both up- and down-scaling and odd crop offsets), and for each the reference output of
CLIP's preprocessing computed with Pillow the way OpenAI CLIP's torchvision transform does it:

    img.convert("RGB") -> img.resize((w, h), BICUBIC) with the shorter side = size and the longer side
    int(size * long / short) -> center crop with top = int(round((h - ch) / 2.0)), left likewise
    (Python's round, i.e. round-half-to-even, as torchvision.transforms.functional.center_crop),
    zero padding if the crop is larger -> ToTensor (/255) -> Normalize(OpenAI mean, std)

torchvision is not installed here, so the crop/ToTensor/Normalize steps are written out with numpy.
Outputs (all .npy, C order):
  ref<S>_<filter>_u8_<name>.npy   uint8 [3, S, S]: the RGB pixels after resize + crop (what Pillow produces)
  ref32_bicubic_f32_<name>.npy    float32 [3, 32, 32]: normalised tensor (ToTensor + Normalize)
  bad_cmyk_16x16.jpg              a CMYK JPEG, for the bad-input tests (not a parity case)
Run with Debian's /usr/bin/python3 (Pillow, numpy):  /usr/bin/python3 tools/preprocess/make_preprocess_fixtures.py
The output is deterministic for a given Pillow/libjpeg version (recorded in MANIFEST.json).
"""
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image, features

SEED = 20240611
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "preprocess")
MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
FILTERS = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "nearest": Image.NEAREST}


def synthetic_rgb(rng, w, h):
    """Photo-like test content: smooth gradients, a sinusoid, hard-edged blocks, noise (uint8 HxWx3)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * x / max(w - 1, 1)
    g = 255 * y / max(h - 1, 1)
    b = 127.5 + 127.5 * np.sin(x / 3.1) * np.cos(y / 4.7)
    img = np.stack([r, g, b], axis=-1)
    for _ in range(6):
        x0, y0 = rng.integers(0, w), rng.integers(0, h)
        bw, bh = rng.integers(2, max(3, w // 3)), rng.integers(2, max(3, h // 3))
        img[y0:y0 + bh, x0:x0 + bw] = rng.integers(0, 256, size=3)
    img += rng.normal(0, 12, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def make_images(rng):
    """name -> (file name, PIL image saved, save kwargs). Sizes are width x height."""
    images = {}
    images["rgb_44x40"] = ("rgb_44x40.png", Image.fromarray(synthetic_rgb(rng, 44, 40), "RGB"), {})
    gray = synthetic_rgb(rng, 37, 90)[:, :, 1]
    images["gray_37x90"] = ("gray_37x90.png", Image.fromarray(gray, "L"), {})
    rgba = np.dstack([synthetic_rgb(rng, 80, 64), rng.integers(0, 256, size=(64, 80), dtype=np.uint8)])
    images["rgba_80x64"] = ("rgba_80x64.png", Image.fromarray(rgba, "RGBA"), {})
    pal = Image.fromarray(synthetic_rgb(rng, 50, 30), "RGB").quantize(colors=64, method=Image.MEDIANCUT)
    images["palette_50x30"] = ("palette_50x30.png", pal, {})
    images["photo_400x300"] = ("photo_400x300.jpg", Image.fromarray(synthetic_rgb(rng, 400, 300), "RGB"),
                               {"quality": 90, "subsampling": 2})
    images["gray_q85_33x65"] = ("gray_q85_33x65.jpg", Image.fromarray(synthetic_rgb(rng, 33, 65)[:, :, 0], "L"),
                                {"quality": 85})
    images["bmp_24x20"] = ("bmp_24x20.bmp", Image.fromarray(synthetic_rgb(rng, 24, 20), "RGB"), {})
    gif = Image.fromarray(synthetic_rgb(rng, 30, 26), "RGB").quantize(colors=32, method=Image.MEDIANCUT)
    images["gif_30x26"] = ("gif_30x26.gif", gif, {})
    return images


def resize_shortest(img, size, resample):
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (new_w, new_h) == (w, h):
        return img
    return img.resize((new_w, new_h), resample)


def center_crop(arr, ch, cw):
    """torchvision center_crop on an HxWx3 uint8 array: zero pad if needed, round-half-even offsets."""
    h, w = arr.shape[:2]
    if ch > h or cw > w:
        pad_l = (cw - w) // 2 if cw > w else 0
        pad_t = (ch - h) // 2 if ch > h else 0
        pad_r = (cw - w + 1) // 2 if cw > w else 0
        pad_b = (ch - h + 1) // 2 if ch > h else 0
        arr = np.pad(arr, ((pad_t, pad_b), (pad_l, pad_r), (0, 0)))
        h, w = arr.shape[:2]
    top = int(round((h - ch) / 2.0))
    left = int(round((w - cw) / 2.0))
    return arr[top:top + ch, left:left + cw]


def reference_u8(path, size, resample):
    with Image.open(path) as im:
        rgb = im.convert("RGB")
    arr = np.asarray(resize_shortest(rgb, size, resample))
    return np.ascontiguousarray(center_crop(arr, size, size).transpose(2, 0, 1))


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    images = make_images(rng)
    entries = []
    for name, (file_name, img, kwargs) in images.items():
        path = os.path.join(OUT, file_name)
        img.save(path, **kwargs)
        with Image.open(path) as check:
            entry = {"name": name, "file": file_name, "mode": check.mode, "width": check.size[0],
                     "height": check.size[1], "references": []}
        for size, filters in ((32, FILTERS), (224, {"bicubic": Image.BICUBIC})):
            if size == 224 and name not in ("rgb_44x40", "gray_37x90", "photo_400x300"):
                continue
            for fname, resample in filters.items():
                u8 = reference_u8(path, size, resample)
                ref = "ref%d_%s_u8_%s.npy" % (size, fname, name)
                np.save(os.path.join(OUT, ref), u8)
                entry["references"].append(ref)
                if size == 32 and fname == "bicubic":
                    f32 = (u8.astype(np.float32) / np.float32(255.0) - MEAN[:, None, None]) / STD[:, None, None]
                    ref = "ref32_bicubic_f32_%s.npy" % name
                    np.save(os.path.join(OUT, ref), f32.astype(np.float32))
                    entry["references"].append(ref)
        entries.append(entry)
    # Inputs the Java pipeline must reject: a CMYK JPEG (Pillow would convert it naively; we call it unsupported).
    cmyk = Image.new("CMYK", (16, 16), (10, 200, 30, 5))
    cmyk.save(os.path.join(OUT, "bad_cmyk_16x16.jpg"), quality=90)
    manifest = {
        "generator": "tools/preprocess/make_preprocess_fixtures.py",
        "seed": SEED,
        "python": sys.version.split()[0],
        "pillow": PIL.__version__,
        "numpy": np.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "zlib": features.version("zlib"),
        "transform": "convert RGB; shortest side to S (long = int(S*long/short)); Pillow resize; center crop "
                     "S x S with round-half-even offsets and zero padding (torchvision); /255; "
                     "(x - mean) / std with OpenAI CLIP mean/std",
        "mean": MEAN.tolist(),
        "std": STD.tolist(),
        "licence": "synthetic images generated by the script; no third-party content",
        "images": entries,
        "bad_inputs": [{"file": "bad_cmyk_16x16.jpg", "why": "CMYK colour space (unsupported)"}],
    }
    with open(os.path.join(OUT, "MANIFEST.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
