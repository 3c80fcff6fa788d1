"""SynthFashion: a procedural, deterministic fashion-attribute dataset.

Carries the difficulties of a real catalogue (Parekh & Shaik 2023, section 2):
coarse large-region attributes (category, length, colour), fine small-region
ones (neck type, closure buttons/zips, sleeve cuffs, rips a few pixels wide),
pattern textures, multi-valued attributes (two colours, button + zip),
per-attribute missing-label rates, category-specific values, long-tailed
frequencies, a partly visible second garment, background clutter and random
scale and position. Written in the catalogue format (schema + CSV), and
optionally also in DeepFashion-C's layout (``deepfashion_c.py``).
Neck, sleeve and distressed details are drawn in a colour contrasting with
the fabric, and sleeveless tops carry no sleeve style. Closure details keep
fixed colours, so a few vanish on one fabric (drawstring on white, elastic
on green, waist button on yellow).
Images depend only on (seed, split, index): same seed, same bytes.
"""
import csv
import io
import json
import os
import os.path as osp
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw

from .correlated import sample_correlated_labels
from .deepfashion_c import write_deepfashion_c
from .detail_sizes import DETAIL_SCALES, SYNTH
from .instances import encode_garments
from .vocabulary import ATTRIBUTES, CATEGORY_FREQ, COLORS, TOPS, schema_dict

SKIN = (224, 182, 150)
STITCH = (200, 120, 30)  # jeans' topstitching, unlike every fabric colour
# bump when the images or labels for a given seed change (see generate())
VERSION = 3  # 3: roi / granularity in the schema


def _zipf(rng, values, skew=1.0):
    """Long-tailed choice: the k-th value has weight 1 / k^skew."""
    w = 1.0 / np.arange(1, len(values) + 1)**skew
    return values[rng.choice(len(values), p=w / w.sum())]


def sample_labels(rng):
    """Draw a category and its attribute values (the full truth)."""
    cats = list(CATEGORY_FREQ)
    cat = cats[rng.choice(len(cats), p=list(CATEGORY_FREQ.values()))]
    truth = {'category': cat}
    for name, values, _, applies, value_cats, _ in ATTRIBUTES:
        if cat not in applies:
            continue
        ok = [v for v in values if cat in value_cats.get(v, (cat, ))]
        truth[name] = _zipf(rng, ok)
    colors = list(COLORS)
    primary = _zipf(rng, colors, 0.6)
    truth['color'] = [primary]
    if truth['pattern'] != 'solid':
        truth['color'].append(rng.choice([c for c in colors
                                          if c != primary]))
    if truth.get('sleeve_length') == 'sleeveless':
        del truth['sleeve_style']  # no sleeve, no visible sleeve style
    if 'closure' in truth:
        truth['closure'] = [truth['closure']]
        if cat == 'jeans' and truth['closure'] == ['button'] and \
                rng.random() < 0.6:
            truth['closure'].append('zip')  # jeans: button and zip
    return truth


def _jitter(rng, rgb, amount=18):
    return tuple(int(np.clip(c + rng.integers(-amount, amount + 1), 0, 255))
                 for c in rgb)


def _contrast(rgb):
    """A detail colour that stands out on fabric ``rgb`` (dark on light)."""
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (35, 35, 40) if luma > 140 else (245, 245, 238)


def _texture(rng, size, pattern, c1, c2):
    """Full-canvas texture for a pattern, as an RGB PIL image."""
    if pattern == 'solid':
        return Image.new('RGB', (size, size), c1)
    yy, xx = np.mgrid[0:size, 0:size]
    period = rng.integers(max(6, size // 24), max(8, size // 10))
    angle = rng.uniform(-0.4, 0.4)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    if pattern == 'striped':
        on = (v % period) < period * 0.45
    elif pattern == 'checked':
        on = ((u // period) + (v // period)) % 2 == 0
    else:  # polka_dot
        r = period * 0.22
        on = ((u % period - period / 2)**2 +
              (v % period - period / 2)**2) < r * r
    arr = np.where(on[..., None], np.array(c2, np.uint8),
                   np.array(c1, np.uint8)).astype(np.uint8)
    return Image.fromarray(arr)


def _clutter(rng, draw, size):
    for _ in range(rng.integers(3, 9)):
        x0, y0 = rng.integers(0, size, 2)
        w, h = rng.integers(size // 16, size // 3, 2)
        shade = tuple(int(c) for c in rng.integers(150, 250, 3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=shade)
        else:
            draw.line([x0, y0, x0 + w, y0 + h], fill=shade,
                      width=int(rng.integers(1, 4)))


def _draw_top(rng, shape, detail, t, x, y, s, second=False, d=SYNTH):
    """Draw a top/dress silhouette into ``shape``; details into ``detail``
    (sized by ``d``, a ``DetailSizes``)."""
    cat = t['category']
    sw = 0.55 * s  # shoulder width
    hem = {'cropped': 0.55, 'regular': 0.8, 'long': 1.0, 'mini': 1.2,
           'knee': 1.5, 'ankle': 1.9}[t.get('length', 'regular')] * s
    flare = 0.2 * s if cat == 'dress' else 0.02 * s
    body = [(x - sw / 2, y), (x + sw / 2, y), (x + sw / 2 + flare, y + hem),
            (x - sw / 2 - flare, y + hem)]
    shape.polygon(body, fill=255)
    if second:
        return
    ink = _contrast(COLORS[t['color'][0]])  # details stand out on the fabric
    sleeve = {'sleeveless': 0, 'short': 0.25, 'three_quarter': 0.5,
              'long': 0.75}[t['sleeve_length']] * s
    for side in (-1, 1):
        sx = x + side * sw / 2
        if sleeve:
            end = (sx + side * 0.35 * sleeve, y + sleeve)
            arm = [(sx, y), (sx, y + 0.18 * s),
                   (end[0] - side * 0.02 * s, end[1]),
                   (end[0] + side * 0.12 * s, end[1] - 0.04 * s)]
            shape.polygon(arm, fill=255)
            style = t.get('sleeve_style')
            if style == 'cuffed':  # a band at the sleeve end
                detail.line([(end[0] - side * 0.02 * s, end[1]),
                             (end[0] + side * 0.12 * s, end[1] - 0.04 * s)],
                            fill=ink, width=d.width('cuff', s))
            elif style == 'puff':  # a rounded, gathered shoulder
                r = 0.13 * s
                box = [sx + side * 0.02 * s - r, y - r * 0.3,
                       sx + side * 0.02 * s + r, y + r * 1.4]
                shape.ellipse(box, fill=255)
                detail.arc(box, 20, 160, fill=ink, width=max(1, int(.05 * s)))
    nw = d.get('neck_width', s)  # synth: a stride-8 cell at 128 px
    neck = t['neck_type']
    if neck == 'v_neck':  # deep and wide: shows about 2.5x the skin
        detail.polygon([(x - 0.65 * nw, y - 1), (x + 0.65 * nw, y - 1),
                        (x, y + d.get('vneck_depth', s))], fill=SKIN)
    else:
        detail.ellipse([x - nw / 2, y - 0.07 * s, x + nw / 2, y + 0.09 * s],
                       fill=SKIN)
    if neck == 'collar':
        for side in (-1, 1):
            c = d.collar
            detail.polygon([(x, y + 0.08 * s * c),
                            (x + side * nw * 0.7 * c, y - 2),
                            (x + side * nw * 0.6 * c, y + 0.14 * s * c)],
                           fill=ink)
    elif neck == 'henley':  # a short placket below a round neck
        detail.line([(x, y + 0.08 * s), (x, y + d.get('placket_end', s))],
                    fill=ink, width=d.width('placket_width', s))
    if 'button' in t.get('closure', []):  # shirt button row
        r, step = d.get('button_radius', s), d.button_step
        for k in range(int(hem / (step * s))):
            by = y + (0.15 + step * k) * s
            detail.ellipse([x - r, by - r, x + r, by + r],
                           fill=(245, 245, 245), outline=(40, 40, 40))


def _draw_bottom(rng, shape, detail, t, x, y, s, second=False, d=SYNTH):
    """Draw a bottom-wear silhouette; waist at (x, y); details sized by
    ``d``."""
    cat = t['category']
    ww = 0.5 * s
    length = {'mini': 0.45, 'knee': 0.8, 'ankle': 1.35, 'regular': 1.35,
              'cropped': 0.8, 'long': 1.35}[t.get('length', 'ankle')] * s
    if cat == 'skirt':
        shape.polygon([(x - ww / 2, y), (x + ww / 2, y),
                       (x + ww / 2 + 0.2 * s, y + length),
                       (x - ww / 2 - 0.2 * s, y + length)], fill=255)
    else:
        for side in (-1, 1):
            shape.polygon([(x, y + 0.2 * s), (x + side * ww / 2, y),
                           (x + side * (ww / 2 + 0.03 * s), y + length),
                           (x + side * 0.03 * s, y + length)], fill=255)
        shape.rectangle([x - ww / 2, y, x + ww / 2, y + 0.22 * s], fill=255)
    if second:
        return
    ink = _contrast(COLORS[t['color'][0]])
    if cat == 'jeans':  # denim's orange topstitching on the outer seams
        for side in (-1, 1):
            detail.line([(x + side * ww / 2, y),
                         (x + side * (ww / 2 + 0.03 * s), y + length)],
                        fill=STITCH, width=max(2, int(0.05 * s)))
    band = max(3, int(0.05 * s))
    closure = t.get('closure', [])
    if 'elastic' in closure:  # ruched waistband
        for k in range(0, int(ww), 3):
            detail.line([(x - ww / 2 + k, y), (x - ww / 2 + k, y + band)],
                        fill=(70, 70, 70), width=1)
    if 'button' in closure:
        w = d.get('waist_button_half', s)
        detail.ellipse([x - w, y + 1, x + w,
                        y + d.get('waist_button_bottom', s)],
                       fill=(200, 170, 60))
    if 'zip' in closure:
        detail.line([(x, y + band), (x, y + d.get('zip_end', s))],
                    fill=(200, 200, 200), width=d.width('zip_width', s))
    if 'drawstring' in closure:
        for side in (-1, 1):
            detail.line([(x + side * 3, y + band), (x + side * 6,
                                                    y + band + 0.12 * s)],
                        fill=(240, 240, 240), width=1)
    distressed = t.get('distressed')
    if distressed == 'rips':  # small holes scattered over both legs
        rw = d.at_least('rip_length', s)
        rh = d.at_least('rip_height', s)
        for _ in range(rng.integers(3, 6)):
            rx = x + rng.choice((-1, 1)) * rng.uniform(0.08, 0.2) * s
            ry = y + 0.2 * s + rng.uniform(0.1, 0.9) * (length - 0.2 * s)
            detail.ellipse([rx - rw / 2, ry - rh / 2, rx + rw / 2,
                            ry + rh / 2], fill=ink)
    elif distressed == 'knee_slit':  # one long cut across each knee
        for side in (-1, 1):
            kx = x + side * ww / 4
            ky = y + 0.55 * length
            half = d.get('slit_half', s)
            detail.line([(kx - half, ky), (kx + half, ky)],
                        fill=ink, width=d.width('slit_width', s))


def render(truth, size, rng, with_box=False, with_garments=False,
           details=SYNTH):
    """Render one image of the garment described by ``truth`` (and, with
    ``with_box``, the box ``x1, y1, x2, y2`` of that garment; with
    ``with_garments``, ``[(truth, visible mask)]`` of both garments), its
    details sized by ``details`` (``detail_sizes.py``)."""
    img = Image.new('RGB', (size, size),
                    tuple(int(c) for c in rng.integers(170, 256, 3)))
    _clutter(rng, ImageDraw.Draw(img), size)
    s = size * rng.uniform(0.36, 0.48)  # garment scale
    x = size * rng.uniform(0.4, 0.6)
    top = truth['category'] in TOPS
    y = size * (rng.uniform(0.1, 0.2) if top else rng.uniform(0.25, 0.35))
    # partly visible second garment: a bottom below a top, or a top above
    other = dict(category='jeans' if top else 't-shirt',
                 length='ankle' if top else 'regular')
    other['color'] = [list(COLORS)[rng.integers(len(COLORS))]]
    other['pattern'] = 'solid'
    oc = COLORS[other['color'][0]]
    mask2 = Image.new('L', (size, size), 0)
    if top:
        _draw_bottom(rng, ImageDraw.Draw(mask2), None, other, x,
                     y + 0.8 * s, s, second=True)
    else:
        _draw_top(rng, ImageDraw.Draw(mask2), None, other, x, y - 0.75 * s,
                  s, second=True)
    img.paste(Image.new('RGB', (size, size), _jitter(rng, oc)), (0, 0), mask2)
    c1 = _jitter(rng, COLORS[truth['color'][0]])
    c2 = _jitter(rng, COLORS[truth['color'][-1]])
    mask = Image.new('L', (size, size), 0)
    # details (neck, buttons, zips, rips, cuffs) go on a layer above the cloth
    layer = Image.new('RGBA', (size, size), (0, 0, 0, 0))
    draw_fn = _draw_top if top else _draw_bottom
    draw_fn(rng, ImageDraw.Draw(mask), ImageDraw.Draw(layer), truth, x, y,
            s, d=details)
    img.paste(_texture(rng, size, truth['pattern'], c1, c2), (0, 0), mask)
    img.paste(layer, (0, 0), layer)
    out = [img] + ([mask.getbbox()] if with_box else [])
    if with_garments:
        main = np.asarray(mask) > 0
        out.append([(truth, main), (other, (np.asarray(mask2) > 0) & ~main)])
    return tuple(out) if len(out) > 1 else img


# label streams per split (test is 3: 2 seeds the drawing)
SPLIT_IDS = dict(train=0, val=1, test=3)


def make_sample(seed, split, index, size, with_box=False,
                with_garments=False, detail_scale='synth', correlated=False):
    """(image JPEG bytes, full truth, labelled subset[, garment box][,
    garments: ``[(truth, visible mask)]``]) of one sample; details drawn at
    ``detail_scale`` (``'synth'`` or ``'photo'``, ``detail_sizes.py``);
    ``correlated``: attributes from ``correlated.py``'s joint distribution."""
    rng = np.random.default_rng([seed, SPLIT_IDS[split], index])
    truth = (sample_correlated_labels if correlated else sample_labels)(rng)
    draw_rng = np.random.default_rng([seed, 2, index, len(split)])
    img, box, *garments = render(truth, size, draw_rng, with_box=True,
                                 with_garments=with_garments,
                                 details=DETAIL_SCALES[detail_scale])
    buf = io.BytesIO()
    img.save(buf, format='JPEG', quality=90)
    labelled = {'category': truth['category']}
    for name, _, _, _, _, missing in ATTRIBUTES:
        if name in truth and rng.random() >= missing:
            labelled[name] = truth[name]
    return (buf.getvalue(), truth, labelled) + ((box, ) if with_box else ()) \
        + tuple(garments)


def _write_one(args):
    """Write one image; ``(name, labelled, box, encoded garments or None)``
    (the masks are encoded only for ``instances``)."""
    out, seed, split, index, size, instances, detail_scale, correlated = args
    data, _, labelled, box, *garments = make_sample(
        seed, split, index, size, with_box=True, with_garments=instances,
        detail_scale=detail_scale, correlated=correlated)
    name = f'{split}/{index:06d}.jpg'
    with open(osp.join(out, 'images', name), 'wb') as f:
        f.write(data)
    if not instances:
        return name, labelled, box, None
    return name, labelled, box, encode_garments(garments[0])


def generation_info(num_train, num_val, size, seed, num_test=0,
                    deepfashion_c=False, instances=False,
                    detail_scale='synth', correlated=False):
    """What ``generate`` records in ``synthfashion.json``."""
    info = dict(version=VERSION, num_train=num_train, num_val=num_val,
                num_test=num_test, size=size, seed=seed)
    if detail_scale != 'synth':
        info['detail_scale'] = detail_scale
    if correlated:
        info['correlated'] = True
    if deepfashion_c:
        info['deepfashion_c'] = True
    if instances:
        # 2: category and attribute ids with gaps, not the indices
        info['instances'] = 2
    return info


def is_current(out, num_train, num_val, size=256, seed=0, num_test=0,
               deepfashion_c=False, instances=False, detail_scale='synth',
               correlated=False):
    """Whether ``out`` holds a finished generation with these arguments."""
    try:
        with open(osp.join(out, 'synthfashion.json')) as f:
            return json.load(f) == generation_info(
                num_train, num_val, size, seed, num_test, deepfashion_c,
                instances, detail_scale, correlated)
    except (OSError, ValueError):
        return False


def generate(out, num_train, num_val, size=256, seed=0, workers=1,
             num_test=0, deepfashion_c=False, instances=False,
             detail_scale='synth', correlated=False):
    """Write ``images/``, ``schema.json``, ``train.csv``, ``val.csv`` and
    (``num_test > 0``) ``test.csv``: val picks checkpoints and calibrates
    thresholds, test is held out for the reported figures. With
    ``deepfashion_c``, also DeepFashion-C's ``Anno/``, ``Eval/`` and
    ``Img/img`` (a link to ``images/``) for the same images. With
    ``instances``, also ``instances_{split}.json``: every garment's mask,
    category and attributes (``instances.py``). ``detail_scale``:
    ``'photo'`` draws the small details at real garments' proportions
    (``detail_sizes.py``). ``correlated``: the attributes depend on each
    other (``correlated.py``, docs/datasets.md).

    ``synthfashion.json`` (version and arguments) is written last, so it
    marks a finished generation.
    """
    names = [a[0] for a in ATTRIBUTES]
    samples = []  # (split, image, labelled, garment box)
    for split, num in (('train', num_train), ('val', num_val),
                       ('test', num_test)):
        if not num:
            continue
        os.makedirs(osp.join(out, 'images', split), exist_ok=True)
        jobs = [(out, seed, split, i, size, instances, detail_scale,
                 correlated) for i in range(num)]
        if workers > 1:
            with Pool(workers) as pool:
                rows = pool.map(_write_one, jobs, chunksize=64)
        else:
            rows = [_write_one(j) for j in jobs]
        with open(osp.join(out, f'{split}.csv'), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['image', 'category'] + names)
            for name, lab, box, _ in rows:
                samples.append((split, name, lab, box))
                cells = [lab.get(n, '') for n in names]
                cells = ['|'.join(c) if isinstance(c, list) else c
                         for c in cells]
                writer.writerow([name, lab['category']] + cells)
        if instances:
            from .instances import write_instances
            write_instances(out, split, [(r[0], r[3]) for r in rows], size)
    with open(osp.join(out, 'schema.json'), 'w') as f:
        json.dump(schema_dict(), f, indent=1)
    if deepfashion_c:
        write_deepfashion_c(out, samples)
    with open(osp.join(out, 'synthfashion.json'), 'w') as f:
        json.dump(generation_info(num_train, num_val, size, seed, num_test,
                                  deepfashion_c, instances, detail_scale,
                                  correlated), f)
