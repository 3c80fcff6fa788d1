"""Images that are not garments, to measure "not a garment" detection
(:mod:`mmfashion_attr.analysis.garment_ood`) against SynthFashion.

Kinds (``KINDS``):

* ``background``: SynthFashion's own background (a light colour and its
  clutter of rectangles and lines, drawn by the generator's code) with no
  garment on it: everything of a training image but the garment.
* ``texture``: SynthFashion's fabric textures (solid, striped, checked,
  polka dot in its colours) over the whole canvas: the cloth without a
  garment's shape.
* ``shapes``: 1-6 random ellipses, rectangles, polygons and thick lines in
  random colours on a light background.
* ``noise``: uniform, Gaussian, blurred (low-frequency) or salt-and-pepper
  noise.
* ``gradient``: a linear or radial gradient between two random colours.
* ``photo``: real photos the model has never seen, bundled offline with
  scikit-image (``skimage.data``) and scikit-learn
  (``load_sample_images``); each photo as a whole and as ``views - 1``
  seeded crops. Photos showing a clothed person (``astronaut``,
  ``camera``) are left out: a person's clothes are garments.

Every image depends only on (seed, kind, index): same seed, same bytes.
Images are written as JPEG quality 90 at ``size`` px like SynthFashion's,
so compression does not tell the two apart.
"""
import csv
import io
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ...errors import UserInputError, UserValueError
from .generator import _clutter, _texture
from .vocabulary import COLORS

KINDS = ('background', 'texture', 'shapes', 'noise', 'gradient', 'photo')
SYNTHETIC = KINDS[:-1]
# bump when the images for a given seed change
VERSION = 1
# skimage.data photos without people, and scikit-learn's two sample photos
SKIMAGE_PHOTOS = ('chelsea', 'coffee', 'rocket', 'coins', 'moon', 'clock',
                  'hubble_deep_field', 'immunohistochemistry', 'retina',
                  'stereo_motorcycle', 'brick', 'grass', 'gravel')
SKLEARN_PHOTOS = ('china.jpg', 'flower.jpg')


def _light(rng) -> tuple:
    """SynthFashion's background colour draw."""
    return tuple(int(c) for c in rng.integers(170, 256, 3))


def draw_background(rng, size: int) -> Image.Image:
    """SynthFashion's background (``render``'s first two steps): a light
    colour and its clutter, no garment."""
    img = Image.new('RGB', (size, size), _light(rng))
    _clutter(rng, ImageDraw.Draw(img), size)
    return img


def draw_texture(rng, size: int) -> Image.Image:
    """A SynthFashion fabric over the whole canvas."""
    names = list(COLORS)
    pattern = ['solid', 'striped', 'checked', 'polka_dot'][rng.integers(4)]
    c1, c2 = rng.choice(len(names), 2, replace=False)
    return _texture(rng, size, pattern, COLORS[names[c1]], COLORS[names[c2]])


def _colour(rng) -> tuple:
    return tuple(int(c) for c in rng.integers(0, 256, 3))


def draw_shapes(rng, size: int) -> Image.Image:
    """1-6 random shapes on a light background."""
    img = Image.new('RGB', (size, size), _light(rng))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.integers(1, 7)):
        kind = rng.integers(4)
        x0, y0 = rng.uniform(0, 0.8, 2) * size
        w, h = rng.uniform(0.1, 0.6, 2) * size
        if kind == 0:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=_colour(rng))
        elif kind == 1:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=_colour(rng))
        elif kind == 2:
            n = rng.integers(3, 8)
            points = [tuple(p) for p in rng.uniform(0, size, (n, 2))]
            draw.polygon(points, fill=_colour(rng))
        else:
            draw.line([x0, y0, x0 + w, y0 + h], fill=_colour(rng),
                      width=int(rng.integers(2, max(3, size // 12))))
    return img


def draw_noise(rng, size: int) -> Image.Image:
    """Uniform, Gaussian, blurred or salt-and-pepper noise."""
    kind = rng.integers(4)
    if kind == 0:
        arr = rng.integers(0, 256, (size, size, 3))
    elif kind == 1:
        arr = rng.normal(rng.uniform(60, 200), rng.uniform(20, 70),
                         (size, size, 3))
    elif kind == 2:
        coarse = rng.integers(0, 256, (size // 8, size // 8, 3),
                              dtype=np.uint8)
        img = Image.fromarray(coarse).resize((size, size), Image.BICUBIC)
        return img.filter(ImageFilter.GaussianBlur(rng.uniform(1, 4)))
    else:
        arr = np.full((size, size, 3), _light(rng), np.float64)
        dots = rng.random((size, size)) < rng.uniform(0.02, 0.2)
        arr[dots] = rng.choice([0, 255], (int(dots.sum()), 1))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def draw_gradient(rng, size: int) -> Image.Image:
    """A linear (random angle) or radial gradient between two colours."""
    yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    if rng.random() < 0.5:
        angle = rng.uniform(0, 2 * np.pi)
        t = xx * np.cos(angle) + yy * np.sin(angle)
    else:
        cx, cy = rng.uniform(0, 1, 2)
        t = np.hypot(xx - cx, yy - cy)
    t = (t - t.min()) / max(t.max() - t.min(), 1e-9)
    c1 = np.array(_colour(rng), np.float64)
    c2 = np.array(_colour(rng), np.float64)
    arr = c1 + t[..., None] * (c2 - c1)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


DRAW: Dict[str, Callable] = dict(
    background=draw_background, texture=draw_texture, shapes=draw_shapes,
    noise=draw_noise, gradient=draw_gradient)


def draw(kind: str, seed: int, index: int, size: int) -> Image.Image:
    """One synthetic non-garment image, from (seed, kind, index) alone."""
    rng = np.random.default_rng([seed, 7, SYNTHETIC.index(kind), index])
    return DRAW[kind](rng, size)


def real_photos() -> List[Tuple[str, np.ndarray]]:
    """``[(source, RGB uint8 array)]``: the bundled photos that load here
    (scikit-image and scikit-learn are test requirements; a photo that
    needs a download is left out)."""
    photos = []
    try:
        from skimage import data
    except ImportError:
        data = None
    for name in SKIMAGE_PHOTOS if data is not None else ():
        try:
            arr = getattr(data, name)()
        except Exception:  # noqa: BLE001 (not bundled in this version)
            continue
        if isinstance(arr, tuple):  # stereo_motorcycle: left, right, flow
            arr = arr[0]
        photos.append((f'skimage.data.{name}', arr))
    try:
        from sklearn.datasets import load_sample_image
    except ImportError:
        load_sample_image = None
    for name in SKLEARN_PHOTOS if load_sample_image is not None else ():
        photos.append((f'sklearn {name}', load_sample_image(name)))
    out = []
    for source, arr in photos:
        arr = np.asarray(arr)
        if arr.ndim == 2:
            arr = np.repeat(arr[..., None], 3, axis=2)
        arr = arr[..., :3]
        if arr.dtype != np.uint8:
            arr = (np.clip(arr, 0, 1) * 255).astype(np.uint8)
        out.append((source, arr))
    return out


def photo_view(photo: np.ndarray, seed: int, index: int, view: int,
               size: int) -> Image.Image:
    """View ``view`` of a photo (0: whole; else a seeded crop of 40-80 %
    of each side), longer side ``size`` px."""
    img = Image.fromarray(photo)
    if view:
        rng = np.random.default_rng([seed, 8, index, view])
        w, h = img.size
        cw, ch = (rng.uniform(0.4, 0.8, 2) * (w, h)).astype(int)
        x0 = int(rng.integers(0, w - cw + 1))
        y0 = int(rng.integers(0, h - ch + 1))
        img = img.crop((x0, y0, x0 + cw, y0 + ch))
    scale = size / max(img.size)
    return img.resize((max(1, round(img.width * scale)),
                       max(1, round(img.height * scale))), Image.BILINEAR)


def jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format='JPEG', quality=90)
    return buf.getvalue()


def generation_info(num_per_kind: int, size: int, seed: int,
                    kinds: Sequence[str], photo_views: int) -> dict:
    return dict(version=VERSION, num_per_kind=num_per_kind, size=size,
                seed=seed, kinds=list(kinds), photo_views=photo_views)


def generate_non_garments(out: str, num_per_kind: int = 200,
                          size: int = 128, seed: int = 0,
                          kinds: Sequence[str] = KINDS,
                          photo_views: int = 5,
                          photos: Optional[list] = None) -> List[dict]:
    """Write ``images/KIND/NNNNNN.jpg``, ``non_garments.csv`` (image, kind,
    source) and ``non_garments.json`` (version and arguments, written
    last); returns the CSV's rows as dicts.

    Args:
        num_per_kind (int): Images of each synthetic kind.
        kinds (Sequence[str]): Which of ``KINDS``.
        photo_views (int): Views per real photo (the whole, then crops).
        photos (list, optional): ``[(source, RGB array)]`` instead of
            :func:`real_photos` (tests).
    """
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise UserValueError(f'unknown non-garment kinds {unknown}; '
                             f'choose from {list(KINDS)}')
    info = osp.join(out, 'non_garments.json')
    if osp.exists(info):
        os.remove(info)  # unfinished until written again
    rows = []
    for kind in kinds:
        os.makedirs(osp.join(out, 'images', kind), exist_ok=True)
        if kind == 'photo':
            photos = real_photos() if photos is None else photos
            items = [(src, photo_view(arr, seed, i, v, size))
                     for i, (src, arr) in enumerate(photos)
                     for v in range(photo_views)]
        else:
            items = [(f'{kind} seed {seed}', draw(kind, seed, i, size))
                     for i in range(num_per_kind)]
        for i, (source, img) in enumerate(items):
            name = f'images/{kind}/{i:06d}.jpg'
            with open(osp.join(out, name), 'wb') as f:
                f.write(jpeg(img))
            rows.append(dict(image=name, kind=kind, source=source))
    with open(osp.join(out, 'non_garments.csv'), 'w', newline='') as f:
        writer = csv.DictWriter(f, ['image', 'kind', 'source'])
        writer.writeheader()
        writer.writerows(rows)
    with open(info, 'w') as f:
        json.dump(generation_info(num_per_kind, size, seed, kinds,
                                  photo_views), f)
    return rows


def read_non_garments(root: str) -> List[dict]:
    """The rows of ``ROOT/non_garments.csv`` with ``image`` made a path;
    an error naming what to run when ROOT holds no finished generation."""
    if not osp.exists(osp.join(root, 'non_garments.json')):
        raise UserInputError(
            f'{root}: no non_garments.json (not a finished generation); '
            'make one with tools/misc/make_non_garments.py --out ' + root)
    with open(osp.join(root, 'non_garments.csv'), newline='') as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row['image'] = osp.join(root, row['image'])
    return rows
