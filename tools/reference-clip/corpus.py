"""The micro-CLIP's image-caption corpus: Fashion-MNIST train images and font-rendered digits, with captions.

Everything here is deterministic given its seed.  Used by ``pretrain.py``; ``evaluate.py`` uses the class
names.  Sources (both reachable on the project's machines, nothing is downloaded):

* Fashion-MNIST **train** split (Debian ``dataset-fashion-mnist``, MIT; Xiao, Rasul and Vollgraf 2017),
  read from ``/usr/share/datasets/fashion-mnist/train-{images-idx3,labels-idx1}-ubyte.gz``.
* Digits 0-9 rendered with the fonts installed on the machine (Debian ``fonts-*`` packages; handwriting-like
  fonts first, see ``FONT_CANDIDATES``), random affine warp, stroke width, blur, contrast and noise, then
  MNIST's own normalisation (fit into a 20x20 box, centre of mass at the centre of a 28x28 canvas, white on
  black).  The model never sees a real handwritten digit.
"""

import gzip
import hashlib
import os
import struct

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FASHION_DIR = "/usr/share/datasets/fashion-mnist"

# Fashion-MNIST labels 0..9: the zero-shot class name first, then synonyms used in captions.
FASHION_CLASSES = [
    ["t-shirt", "tee shirt", "t shirt", "tee", "top", "short sleeved top", "jersey"],
    ["trouser", "trousers", "pair of trousers", "pants", "pair of pants", "jeans", "slacks"],
    ["pullover", "sweater", "jumper", "knitted sweater", "sweatshirt", "long sleeved pullover"],
    ["dress", "gown", "frock", "summer dress", "long dress"],
    ["coat", "jacket", "overcoat", "winter coat", "parka", "long coat"],
    ["sandal", "sandals", "flip flop", "summer sandal", "strappy sandal", "open shoe"],
    ["shirt", "button down shirt", "blouse", "dress shirt", "collared shirt", "long sleeved shirt"],
    ["sneaker", "trainer", "running shoe", "sports shoe", "gym shoe", "sneakers"],
    ["bag", "handbag", "purse", "tote bag", "shoulder bag", "leather bag"],
    ["ankle boot", "boot", "short boot", "bootie", "leather boot", "ankle boots"],
]

FASHION_TEMPLATES = [
    "a photo of a {}.", "a photo of the {}.", "a picture of a {}.", "an image of a {}.", "a {}.", "{}",
    "a black and white photo of a {}.", "a grayscale photo of the {}.", "a low resolution photo of a {}.",
    "a small photo of a {}.", "a blurry photo of a {}.", "a pixelated image of a {}.", "a close up photo of a {}.",
    "a product photo of a {}.", "a catalogue photo of a {}.", "a photo of my {}.", "this is a {}.",
    "a {} on a black background.", "a dark photo of a {}.", "a cropped photo of the {}.", "clothing: {}.",
    "a fashion item: a {}.", "a thumbnail of a {}.", "an item of clothing, a {}.", "a good photo of a {}.",
    "a centered photo of a {}.",
]

DIGIT_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# {w} = the digit as a word, {d} = the digit character.
DIGIT_TEMPLATES = [
    "a photo of a {w}.", "a photo of the number {w}.", "a photo of the digit {d}.", "a photo of a {d}.",
    "the number {w}.", "the number {d}.", "the digit {w}.", "the digit {d}.", "a {d}.", "a {w}.", "{d}", "{w}",
    "a handwritten {d}.", "a handwritten {w}.", "a handwritten digit {d}.", "a written number {w}.",
    "a drawing of the number {w}.", "an image of the digit {d}.", "a black and white image of a {d}.",
    "a low resolution photo of the number {w}.", "the numeral {d}.", "a picture of a {w}.",
    "a grayscale image of the digit {w}.", "a scanned digit: {d}.", "number {d}.", "digit {w}.",
]

# Fonts tried in this order; missing files are skipped.  Handwriting-like fonts come first and are
# sampled three times as often as the plain ones (they helped on real digits in the probe runs).
HANDWRITING_FONTS = [
    "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf",
    "/usr/share/fonts/truetype/breip/Breip.ttf",
    "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
    "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    "/usr/share/fonts/truetype/klee/KleeOne-Regular.ttf",
    "/usr/share/fonts/truetype/klee/KleeOne-SemiBold.ttf",
    "/usr/share/fonts/truetype/kristi/Kristi.ttf",
    "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
    "/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf",
    "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Bold.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Italic.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf",
    "/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf",
]
PLAIN_FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSans.ttf",
    "/usr/share/fonts/truetype/freefont/FreeSerifItalic.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf",
    "/usr/share/fonts/opentype/opendyslexic/OpenDyslexic-Regular.otf",
]
FONT_PACKAGES = ("fonts-dejavu-core fonts-dkg-handwriting fonts-breip fonts-femkeklaver fonts-humor-sans fonts-klee "
                 "fonts-kristi fonts-rufscript fonts-kaushanscript fonts-dancingscript fonts-comic-neue fonts-bwht "
                 "fonts-freefont-ttf fonts-liberation fonts-opendyslexic")


def read_idx(path):
    """An IDX file (gzipped or not) as a numpy uint8 array of its dimensions."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    rank = raw[3]
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank)
    if data.size != int(np.prod(dims)):
        raise ValueError("%s: %d bytes of data, header says %s" % (path, data.size, dims))
    return data.reshape(dims)


def fashion_split(split, root=FASHION_DIR):
    """(images uint8 [N, 28, 28], labels uint8 [N]) of split 'train' or 't10k'."""
    return (read_idx(os.path.join(root, "%s-images-idx3-ubyte.gz" % split)),
            read_idx(os.path.join(root, "%s-labels-idx1-ubyte.gz" % split)))


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def available_fonts():
    """(handwriting fonts, plain fonts) that exist on this machine, in list order."""
    hand = [f for f in HANDWRITING_FONTS if os.path.isfile(f)]
    plain = [f for f in PLAIN_FONTS if os.path.isfile(f)]
    if not hand and not plain:
        raise SystemExit("no fonts found; install: apt-get install -y " + FONT_PACKAGES)
    return hand, plain


def all_captions():
    """Every caption the corpus can produce (for building the token cache)."""
    caps = set()
    for syns in FASHION_CLASSES:
        for s in syns:
            for t in FASHION_TEMPLATES:
                caps.add(fashion_caption(t, s))
    for d, w in enumerate(DIGIT_WORDS):
        for t in DIGIT_TEMPLATES:
            caps.add(t.format(w=w, d=d))
    return sorted(caps)


def fashion_caption(template, name):
    return template.format(name)


def caption_tables():
    """Per class (0-9 fashion, 10-19 digits) the list of its captions, in a fixed order."""
    tables = []
    for syns in FASHION_CLASSES:
        tables.append([fashion_caption(t, s) for s in syns for t in FASHION_TEMPLATES])
    for d, w in enumerate(DIGIT_WORDS):
        tables.append([t.format(w=w, d=d) for t in DIGIT_TEMPLATES])
    return tables


# ----------------------------------------------------------------------------------------------
# Rendered digits
# ----------------------------------------------------------------------------------------------

def _mnist_normalise(ink):
    """MNIST's normalisation of a float [H, W] ink image in [0, 1]: crop to the ink, fit into 20x20 keeping
    the aspect ratio (antialiased), paste into 28x28 with the centre of mass at the centre. Returns uint8."""
    ys, xs = np.nonzero(ink > 0.05)
    if ys.size == 0:
        return np.zeros((28, 28), np.uint8)
    crop = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = crop.shape
    s = 20.0 / max(h, w)
    nh, nw = max(1, int(round(h * s))), max(1, int(round(w * s)))
    img = Image.fromarray((np.clip(crop, 0, 1) * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS)
    box = np.asarray(img, dtype=np.float32) / 255.0
    total = box.sum()
    if total <= 0:
        return np.zeros((28, 28), np.uint8)
    cy = (box.sum(axis=1) * np.arange(nh)).sum() / total
    cx = (box.sum(axis=0) * np.arange(nw)).sum() / total
    top = int(round(13.5 - cy))
    left = int(round(13.5 - cx))
    top = min(max(top, 0), 28 - nh)
    left = min(max(left, 0), 28 - nw)
    out = np.zeros((28, 28), np.float32)
    out[top:top + nh, left:left + nw] = box
    return out


def render_digit(digit, font_path, rng):
    """One rendered digit as uint8 [28, 28], white on black, with random style.  ``rng`` is a numpy Generator."""
    size = int(rng.integers(40, 60))
    font = ImageFont.truetype(font_path, size)
    canvas = Image.new("L", (96, 96), 0)
    draw = ImageDraw.Draw(canvas)
    stroke = int(rng.choice([0, 0, 1, 1, 2, 3]))
    draw.text((48, 48), str(digit), fill=255, font=font, anchor="mm", stroke_width=stroke, stroke_fill=255)
    # random affine: rotation, shear, anisotropic scale (inverse map for PIL's AFFINE transform)
    ang = np.deg2rad(rng.uniform(-14, 14))
    shear = rng.uniform(-0.35, 0.35)
    sx, sy = rng.uniform(0.75, 1.25), rng.uniform(0.85, 1.15)
    a = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]]) @ np.array([[1, shear], [0, 1]]) \
        @ np.diag([sx, sy])
    inv = np.linalg.inv(a)
    c = np.array([48.0, 48.0])
    off = c - inv @ c
    canvas = canvas.transform((96, 96), Image.AFFINE, (inv[0, 0], inv[0, 1], off[0], inv[1, 0], inv[1, 1], off[1]),
                              resample=Image.BILINEAR)
    r = rng.random()
    if r < 0.25:
        canvas = canvas.filter(ImageFilter.MaxFilter(3))
    elif r < 0.35:
        canvas = canvas.filter(ImageFilter.MinFilter(3))
    if rng.random() < 0.5:
        canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    ink = np.asarray(canvas, dtype=np.float32) / 255.0
    out = _mnist_normalise(ink)
    # contrast / gamma, then a little noise on some images
    out = np.clip(out * rng.uniform(0.8, 1.25), 0, 1) ** rng.uniform(0.7, 1.3)
    if rng.random() < 0.3:
        out = out + rng.normal(0, rng.uniform(0.02, 0.08), out.shape)
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def _render_range(args):
    start, stop, seed, pool = args
    out = np.zeros((stop - start, 28, 28), np.uint8)
    for i in range(start, stop):
        rng = np.random.default_rng([seed, i])          # per-image generator: same digits for any worker count
        out[i - start] = render_digit(i % 10, pool[int(rng.integers(len(pool)))], rng)
    return out


def render_digits(count, seed, workers=1, progress=None):
    """``count`` rendered digits (balanced, labels 0..9 repeating) as (uint8 [count, 28, 28], labels, fonts used).
    Image i depends only on (seed, i), so the result does not depend on ``workers``."""
    hand, plain = available_fonts()
    pool = hand * 3 + plain
    chunk = 5000
    jobs = [(s, min(count, s + chunk), seed, pool) for s in range(0, count, chunk)]
    parts = []
    if workers > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(workers) as p:
            for part in p.imap(_render_range, jobs):
                parts.append(part)
                if progress is not None:
                    progress(sum(len(x) for x in parts))
    else:
        for job in jobs:
            parts.append(_render_range(job))
            if progress is not None:
                progress(sum(len(x) for x in parts))
    images = np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.uint8)
    return images, np.arange(count, dtype=np.int64) % 10, hand + plain
