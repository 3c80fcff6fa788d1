"""Which seller labels of a catalogue are likely wrong: confident learning
(cleanlab) on out-of-sample predicted scores, plus values the schema does
not allow, ranked into ``issues.csv``, ``summary.json`` and ``audit.html``.

The scores must not come from a model that trained on these labels (it has
memorised them): use ``tools/analysis_tools/cross_val_scores.py``, whose
held-out scores have ``tools/infer_catalog.py``'s format. Per labelled cell
(image, attribute, seller value):

- ``kind='unknown_value'``: a value (or category) the schema does not know;
- ``kind='schema'``: a value the schema does not allow for the row's
  category, an attribute that does not apply to it, or several values in a
  single-label attribute;
- ``kind='label'``: a model opinion: single-label tasks with
  ``cleanlab.filter.find_label_issues`` and ``cleanlab.rank``'s
  self-confidence, multi-label ones with
  ``cleanlab.multilabel_classification``. ``score`` is 1 - cleanlab's label
  quality (schema findings score 1), ``flagged`` cleanlab's decision.

Before cleanlab, each attribute's scores are calibrated (one temperature
per attribute, fitted to the seller labels), so that one ranking over all
attributes compares like with like; each attribute's fold model is
compared with the majority baseline (``fold_model_quality.py``) and the
opinions of a model that is not clearly better are ranked after every
other row, with a warning in the summary.

Missing labels are not audited; labels of images without scores (not
scored, unreadable) are counted and logged, not audited.
"""
import base64
import csv
import html
import io
import logging
import os.path as osp
from collections import Counter
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..apis.catalog_inference import image_key, read_lines, row_key
from ..datasets.catalog.checks import duplicate_message
from ..datasets.catalog.rows import (VALUE_SEPARATOR, AnnotationError,
                                     RowEncoder, split_cell)
from ..datasets.schema import AttributeSchema
from .fold_model_quality import apply_temperature, fit_temperature
from .fold_model_quality import quality as fold_quality
from .fold_model_quality import warning as quality_warning

logger = logging.getLogger(__name__)

# fold models below this skill (fold_model_quality.py) are not trusted
MIN_SKILL = 0.1
ISSUE_COLUMNS = ('rank', 'image', 'attribute', 'seller_value',
                 'suggested_value', 'score', 'kind', 'reason')


# -- the catalogue ---------------------------------------------------------
def read_catalogue(ann_file: str, schema: AttributeSchema
                   ) -> Tuple[List[dict], List[dict], List[str]]:
    """The labelled cells of a catalogue: those the schema accepts (to be
    audited by the model), schema findings (``kind`` ``schema`` or
    ``unknown_value``), and every row's image name. The file is read by the
    training reader (:mod:`..datasets.catalog.reader`: the same errors
    naming file:line for ragged rows, encodings, duplicate columns or
    images, empty files, unknown attribute columns); only a value or
    category the schema rejects is a finding here, not an error.
    """
    encoder = RowEncoder(schema)
    cat_name = schema.category_task or 'category'
    labels, findings, seen = [], [], {}
    for line, image, category, cells in encoder.reader(ann_file):
        if image in seen:
            raise AnnotationError(duplicate_message(
                ann_file, line, image, seen[image]), 'duplicate_image')
        seen[image] = line
        if category:
            cells = [(cat_name, category)] + cells
        for name, cell in cells:
            values = split_cell(cell) if isinstance(cell, str) else \
                list(cell)
            if not values:
                continue  # missing: not audited
            entry = dict(image=image, line=line, attribute=name,
                         category=category, values=values)
            problem = encoder.problems(name, cell, category)
            if problem is None:
                labels.append(entry)
            else:
                logger.info('%s:%d: %s: %s', ann_file, line, problem.kind,
                            problem.message)
                findings.append(dict(entry, kind=problem.kind,
                                     reason=problem.message, score=1.0,
                                     suggested=[], flagged=True))
    return labels, findings, list(seen)


# -- the scores ------------------------------------------------------------
def read_scores(scores_file: str, tasks: Sequence[dict],
                images: Dict[str, str]) -> Tuple[Dict[str, dict], int]:
    """Score lines of ``scores_file`` (``tools/infer_catalog.py``'s format)
    by catalogue image name, and the number of error lines (unreadable
    images) skipped. ``images``: image key (:func:`image_key`) -> catalogue
    name. An image not in the catalogue, a repeated image or scores whose
    values differ from the schema's are a ``ValueError`` naming file:line.
    """
    out, errors, where_of = {}, 0, {}
    for number, row in enumerate(read_lines(scores_file), 1):
        where = f'{scores_file}:{number}'
        key = row_key(row)
        if key not in images:
            raise ValueError(f'{where}: image {row.get("image")!r} is not in '
                             'the catalogue (is --img-prefix the folder the '
                             "catalogue's image names are relative to?)")
        name = images[key]
        if name in where_of:
            raise ValueError(f'{where}: image {name!r} scored twice (first '
                             f'at {where_of[name]})')
        where_of[name] = where
        if 'error' in row:
            errors += 1
            continue
        for task in tasks:
            got = (row.get('scores') or {}).get(task['name'])
            if got is None or set(got) != set(task['classes']):
                raise ValueError(
                    f'{where}: scores of {task["name"]!r} have values '
                    f'{sorted(got or [])}, the schema '
                    f'{sorted(task["classes"])}')
        out[name] = dict(row, where=where)
    return out, errors


# -- the audit -------------------------------------------------------------
def _task_issues(task: dict, cells: List[dict], scores: Dict[str, dict],
                 allowed: Dict[str, Dict[str, set]], min_skill: float,
                 calibrate: bool) -> Tuple[Optional[float], dict]:
    """cleanlab on one task's cells: sets score, flagged, suggested; returns
    cleanlab's estimated share of wrong labels (None where it cannot tell:
    fewer than 2 labels, or one value only in a single-label task) and the
    fold model's quality (``fold_model_quality.quality``, ``temperature``).
    Attribute scores are first restricted to the values the seller's
    category allows (``allowed``: category -> attribute -> values), so
    the model's category guess does not decide them; with ``calibrate``
    they are then rescaled by the temperature that fits the seller labels
    best, so that scores of different attributes share one scale."""
    classes = task['classes']
    index = {c: i for i, c in enumerate(classes)}
    probs = np.array([[scores[c['image']]['scores'][task['name']][v]
                       for v in classes] for c in cells], dtype=np.float64)
    keep = np.array([[c['category'] not in allowed or v in allowed[
        c['category']].get(task['name'], classes) for v in classes]
        for c in cells])
    probs = probs * keep
    several = len(cells) > 1
    rate, multi = None, task['multi_label']
    if multi:
        targets = np.zeros_like(probs)
        for row, c in zip(targets, cells):
            row[[index[v] for v in c['values']]] = 1
    else:
        total = probs.sum(1, keepdims=True)
        probs = np.where(total > 0, probs / np.maximum(total, 1e-12),
                         keep / keep.sum(1, keepdims=True))
        targets = np.array([index[c['values'][0]] for c in cells])
    temperature = fit_temperature(probs, targets, multi, keep) \
        if calibrate else 1.0
    probs = apply_temperature(probs, temperature, multi, keep)
    if multi:
        from cleanlab.multilabel_classification import dataset
        from cleanlab.multilabel_classification import filter as ml_filter
        from cleanlab.multilabel_classification import get_label_quality_scores
        labels = [[index[v] for v in c['values']] for c in cells]
        quality = get_label_quality_scores(labels, probs)
        flagged = ml_filter.find_label_issues(labels, probs) if several \
            else np.zeros(len(cells), bool)
        if several:
            rate = 1 - dataset.overall_multilabel_health_score(labels, probs)
        chosen = [[v for v in (p['value'] for p in scores[c['image']]
                               ['attributes'].get(task['name'], []))
                   if k[index[v]]] for c, k in zip(cells, keep)]
    else:
        from cleanlab.count import num_label_issues
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores
        labels = targets
        quality = get_label_quality_scores(labels, probs)
        flagged = find_label_issues(labels, probs) if several \
            else np.zeros(len(cells), bool)
        if several and len(set(labels.tolist())) > 1:
            rate = num_label_issues(labels, probs) / len(cells)
        chosen = [[classes[int(np.argmax(p))]] for p in probs]
    fold_model = fold_quality(
        [frozenset(c['values']) for c in cells],
        [frozenset(s) for s in chosen],
        [c['category'] if allowed else '' for c in cells], min_skill)
    fold_model['temperature'] = round(temperature, 4)
    for cell, q, f, suggested in zip(cells, quality, flagged, chosen):
        cell.update(kind='label', reason=None, score=float(1 - q),
                    flagged=bool(f), suggested=suggested,
                    trusted=fold_model['trusted'])
    return rate, fold_model


def audit(labels: List[dict], findings: List[dict],
          scores: Dict[str, dict], schema: AttributeSchema,
          min_skill: float = MIN_SKILL, calibrate: bool = True
          ) -> Tuple[List[dict], dict]:
    """Every labelled cell with ``score`` (higher: more likely wrong),
    ``flagged``, ``suggested`` and ``rank`` (1: most likely wrong, over all
    attributes), best first; and the per-attribute summary, with the fold
    model's quality (``fold_model_quality``). Model opinions on attributes
    (the category included) whose fold model is not trusted (skill below
    ``min_skill``) are ranked after every other row, with a warning."""
    summary, audited = {}, []
    allowed = {c: schema.allowed_values(c) for c in schema.categories}
    for task in schema.tasks:
        name = task['name']
        mine = [c for c in labels if c['attribute'] == name]
        cells = [c for c in mine if c['image'] in scores]
        rate, fold_model = _task_issues(
            task, cells, scores,
            {} if name == schema.category_task else allowed, min_skill,
            calibrate) if cells else (None, {})
        schema_found = Counter(f['kind'] for f in findings
                               if f['attribute'] == name)
        audited += cells
        summary[name] = dict(
            multi_label=task['multi_label'],
            labels=len(mine) + sum(schema_found.values()),
            checked=len(cells), not_scored=len(mine) - len(cells),
            flagged=sum(c['flagged'] for c in cells),
            estimated_noise_rate=None if rate is None else round(rate, 4),
            schema_errors=schema_found['schema'],
            unknown_values=schema_found['unknown_value'],
            fold_model=fold_model,
            warning=quality_warning(name, fold_model, min_skill)
            if fold_model else None)
        if summary[name]['warning']:
            logger.warning(summary[name]['warning'])
        if len(mine) > len(cells):
            logger.warning('%s: %d labels of images without scores not '
                           'audited', name, len(mine) - len(cells))
    rows = sorted(findings + audited,
                  key=lambda c: (not c.get('trusted', True), -c['score'],
                                 c['line'], c['attribute']))
    for rank, row in enumerate(rows, 1):
        row['rank'] = rank
    keys = ('labels', 'checked', 'not_scored', 'flagged', 'schema_errors',
            'unknown_values')
    summary['overall'] = {k: sum(s[k] for s in summary.values())
                          for k in keys}
    summary['overall'].update(
        min_skill=min_skill, calibrated=calibrate,
        untrusted=[n for n, s in summary.items()
                   if n != 'overall' and s['warning']])
    return rows, summary


def audit_catalogue(ann_file: str, schema_file: str, scores_file: str,
                    img_prefix: str = '', **kwargs
                    ) -> Tuple[List[dict], dict]:
    """:func:`audit` of a catalogue file against a scores file; image names
    of the catalogue are relative to ``img_prefix``; ``kwargs`` go to
    :func:`audit`."""
    schema = AttributeSchema.from_file(schema_file)
    labels, findings, names = read_catalogue(ann_file, schema)
    images = {image_key(osp.join(img_prefix, n)): n for n in names}
    scores, errors = read_scores(scores_file, schema.tasks, images)
    rows, summary = audit(labels, findings, scores, schema, **kwargs)
    summary['overall'].update(images_scored=len(scores),
                              images_unreadable=errors)
    for row in rows:
        row['image_path'] = osp.join(img_prefix, row['image'])
    return rows, summary


# -- the outputs -----------------------------------------------------------
def _join(values: Sequence[str]) -> str:
    return VALUE_SEPARATOR.join(values)


def write_issues_csv(path: str, rows: List[dict],
                     all_labels: bool = False) -> int:
    """The flagged rows (every audited label with ``all_labels``) by rank;
    returns how many were written."""
    n = 0
    with open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(ISSUE_COLUMNS)
        for r in rows:
            if all_labels or r['flagged']:
                writer.writerow([r['rank'], r['image'], r['attribute'],
                                 _join(r['values']), _join(r['suggested']),
                                 f'{r["score"]:.4f}', r['kind'],
                                 r['reason'] or ''])
                n += 1
    return n


def thumbnail(path: str, size: int = 64) -> Optional[str]:
    """A small JPEG of ``path`` as a data URI, or None if unreadable."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as img:
            img = img.convert('RGB')
            img.thumbnail((size, size))
            buf = io.BytesIO()
            img.save(buf, format='JPEG', quality=80)
    except (OSError, UnidentifiedImageError):
        return None
    return 'data:image/jpeg;base64,' + base64.b64encode(
        buf.getvalue()).decode('ascii')


HTML = '''<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Label audit</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 3px 6px; }}
th.sort {{ cursor: pointer; background: #eef; }}
tr.schema td, tr.unknown_value td {{ background: #fee; }}
tr.untrusted td {{ color: #888; }}
p.warning {{ background: #ffd; padding: 4px; }}
</style></head><body>
<h1>Label audit</h1>
<p>{note}</p>
{models}
<p>Attribute: <select id="attr"><option value="">all</option>{options}
</select> <span id="shown"></span></p>
<table id="issues"><thead><tr><th>image</th><th>name</th>
<th>category</th><th>attribute</th><th>seller value</th><th>suggested value</th>
<th class="sort" data-key="score">score &#8597;</th>
<th class="sort" data-key="rank">rank &#8597;</th><th>kind</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<script>
const body = document.querySelector('#issues tbody');
const select = document.getElementById('attr');
function filter() {{
  let shown = 0;
  for (const tr of body.rows) {{
    const show = !select.value || tr.dataset.attribute === select.value;
    tr.style.display = show ? '' : 'none';
    shown += show;
  }}
  document.getElementById('shown').textContent = shown + ' rows';
}}
select.addEventListener('change', filter);
for (const th of document.querySelectorAll('th.sort')) {{
  th.addEventListener('click', () => {{
    const key = th.dataset.key;
    const up = th.dataset.up !== '1';
    th.dataset.up = up ? '1' : '0';
    const rows = Array.from(body.rows);
    rows.sort((a, b) => (up ? 1 : -1) *
      (parseFloat(a.dataset[key]) - parseFloat(b.dataset[key])));
    rows.forEach(r => body.appendChild(r));
  }});
}}
filter();
</script></body></html>
'''


def _models_html(summary: Optional[dict]) -> str:
    """The fold models' table (out-of-fold accuracy and macro F1 beside
    the majority baseline's) and the warnings of untrusted ones."""
    if not summary:
        return ''
    esc = html.escape
    lines = ['<h2>Fold models</h2><table><tr><th>attribute</th>'
             '<th>labels checked</th><th>accuracy (majority)</th>'
             '<th>macro F1 (majority)</th><th>skill</th><th>trusted</th>'
             '</tr>']
    for name, s in summary.items():
        m = s.get('fold_model') if name != 'overall' else None
        if not m:
            continue
        skill = '-' if m['skill'] is None else f'{m["skill"]:.2f}'
        lines.append(
            f'<tr><td>{esc(name)}</td><td>{s["checked"]}</td><td>'
            f'{m["accuracy"]:.3f} ({m["majority_accuracy"]:.3f})</td><td>'
            f'{m["macro_f1"]:.3f} ({m["majority_macro_f1"]:.3f})</td><td>'
            f'{skill}</td><td>{"yes" if m["trusted"] else "no"}</td></tr>')
    lines.append('</table>')
    lines += [f'<p class="warning">{esc(s["warning"])}</p>'
              for n, s in summary.items() if n != 'overall' and
              s.get('warning')]
    return '\n'.join(lines)


def write_html(path: str, rows: List[dict], max_rows: int = 500,
               thumb_size: int = 64, summary: Optional[dict] = None) -> int:
    """A static page of the flagged rows (at most ``max_rows``, by rank):
    embedded thumbnails, category, seller vs suggested value, sortable by
    score and rank, filtered per attribute; with ``summary`` (the
    audit's), the fold models' quality and warnings above them (rows of
    untrusted models greyed). Plain JS, opens from disk. Returns the
    number of rows written."""
    flagged = [r for r in rows if r['flagged']]
    shown = flagged[:max_rows]
    esc = html.escape
    lines = []
    for r in shown:
        uri = thumbnail(r.get('image_path', r['image']), thumb_size)
        img = f'<img src="{uri}" alt="">' if uri else '(unreadable)'
        kind = r['kind'] + ('' if r.get('trusted', True) else ' untrusted')
        lines.append(
            f'<tr class="{esc(kind)}" data-attribute='
            f'"{esc(r["attribute"])}" data-score="{r["score"]:.4f}" '
            f'data-rank="{r["rank"]}"><td>{img}</td><td>{esc(r["image"])}'
            f'</td><td>{esc(r.get("category") or "")}</td><td>'
            f'{esc(r["attribute"])}</td><td>{esc(_join(r["values"]))}'
            f'</td><td>{esc(_join(r["suggested"]))}</td><td>'
            f'{r["score"]:.4f}</td><td>{r["rank"]}</td><td>{esc(r["kind"])}'
            f'{": " + esc(r["reason"]) if r["reason"] else ""}</td></tr>')
    attributes = sorted({r['attribute'] for r in shown})
    options = ''.join(f'<option>{esc(a)}</option>' for a in attributes)
    note = (f'{len(flagged)} labels flagged; the first {len(shown)} by rank '
            'shown. Score: 1 - cleanlab label quality on out-of-sample '
            'scores calibrated per attribute; schema findings score 1; '
            'opinions of untrusted fold models ranked last.')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(HTML.format(note=esc(note), options=options,
                            models=_models_html(summary),
                            rows='\n'.join(lines)))
    return len(shown)
