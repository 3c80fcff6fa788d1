"""``tools/infer_catalog.py``'s output files: writing image names as valid
UTF-8 JSON whatever bytes they hold, reading the lines back (a line cut by a
kill is dropped, and cut off the file on resume) and merging the parts.

An image name that is not UTF-8 (a Latin-1 or CP1252 name from a Windows
archive) is written as text with the odd bytes as ``\\xNN`` in ``image`` and
``key`` (for people), and its exact bytes, base64, in ``image_b64`` and
``key_b64`` (for programs: :func:`row_path`, :func:`row_key`).
"""
import base64
import csv
import glob
import json
import os
import os.path as osp
from typing import Dict, List

from ..datasets.catalog.reader import VALUE_SEPARATOR


def image_key(path: str) -> str:
    """What identifies an image across runs: its absolute normalised path."""
    return osp.normpath(osp.abspath(path))


def as_text(text: str) -> str:
    """``text`` with undecodable bytes (surrogate escapes) as ``\\xNN``."""
    return text.encode('utf-8', 'surrogateescape').decode(
        'utf-8', 'backslashreplace')


def _b64(path: str) -> str:
    return base64.b64encode(os.fsencode(path)).decode('ascii')


def path_fields(path: str) -> dict:
    """``image`` and ``key`` of an output line; ``image_b64`` and
    ``key_b64`` too when the name is not UTF-8."""
    key = image_key(path)
    try:
        path.encode('utf-8')
        key.encode('utf-8')
        return dict(image=path, key=key)
    except UnicodeEncodeError:
        return dict(image=as_text(path), key=as_text(key),
                    image_b64=_b64(path), key_b64=_b64(key))


def row_path(row: dict) -> str:
    """The image path of an output line, exactly as on disk."""
    if 'image_b64' in row:
        return os.fsdecode(base64.b64decode(row['image_b64']))
    return row['image']


def row_key(row: dict) -> str:
    """The :func:`image_key` of an output line."""
    if 'key_b64' in row:
        return os.fsdecode(base64.b64decode(row['key_b64']))
    return row.get('key') or image_key(row_path(row))


def dump_line(row: dict) -> str:
    """One output line (the strings in ``row`` must be valid text)."""
    return json.dumps(row, ensure_ascii=False) + '\n'


def read_lines(path: str) -> List[dict]:
    """The complete JSON lines of one output file. A last line cut short by
    a kill (no newline; possibly inside a multi-byte character) is dropped;
    any other undecodable line is an error naming the file and line."""
    rows = []
    with open(path, 'rb') as f:
        for number, raw in enumerate(f, 1):
            if not raw.endswith(b'\n'):
                break  # cut short by a kill: predicted again
            try:
                rows.append(json.loads(raw.decode('utf-8')))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise ValueError(f'{path}:{number}: not a JSON line written '
                                 f'by infer_catalog ({e})') from e
    return rows


def output_files(out_dir: str) -> List[str]:
    """The part and error files, by run; within a run errors first, so
    that a later prediction wins."""
    files = glob.glob(osp.join(out_dir, 'errors-*.jsonl')) + glob.glob(
        osp.join(out_dir, 'part-*.jsonl'))
    return sorted(files, key=lambda p: (_run_of(p),
                                        osp.basename(p)[0] == 'p', p))


def _run_of(path: str) -> int:
    return int(osp.basename(path).split('-')[1])


def cut_partial_lines(out_dir: str) -> int:
    """Truncate each output file after its last complete line (a kill's
    half-written line), so that the files concatenate into valid JSON
    Lines; returns how many cut lines were removed."""
    removed = 0
    for path in output_files(out_dir):
        with open(path, 'rb+') as f:
            size = f.seek(0, os.SEEK_END)
            if not size:
                continue
            f.seek(size - 1)
            if f.read(1) == b'\n':
                continue
            cut, end = 0, size
            while end > 0:  # back to the last newline
                start = max(end - (1 << 16), 0)
                f.seek(start)
                k = f.read(end - start).rfind(b'\n')
                if k >= 0:
                    cut = start + k + 1
                    break
                end = start
            f.truncate(cut)
            removed += 1
    return removed


def read_done(out_dir: str, retry_errors: bool = False) -> Dict[str, dict]:
    """Image key (:func:`image_key`) -> its latest complete output line so
    far; with ``retry_errors`` images whose latest line is an error are left
    out (to be tried again)."""
    done = {}
    for path in output_files(out_dir):
        for row in read_lines(path):
            done[row_key(row)] = row
    if retry_errors:
        done = {k: r for k, r in done.items() if 'error' not in r}
    return done


def next_run_id(out_dir: str) -> str:
    runs = [_run_of(p) for p in glob.glob(osp.join(out_dir, 'part-*.jsonl'))]
    return f'{max(runs, default=0) + 1:04d}'


def merge_outputs(out_dir: str, dest: str) -> dict:
    """One file with each image of ``out_dir`` exactly once (its latest
    line), sorted by image key: JSON Lines (the lines as written) or CSV
    (``.csv``: image, image_b64, error, per task the chosen values joined
    by ``|``, then one ``task/value`` column per score). Written to a
    temporary file, then renamed. Returns counts."""
    rows = sorted(read_done(out_dir).items())
    tmp = dest + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        if dest.lower().endswith('.csv'):
            _write_csv(f, [r for _, r in rows])
        else:
            f.writelines(dump_line(r) for _, r in rows)
    os.replace(tmp, dest)
    errors = sum('error' in r for _, r in rows)
    return dict(merged=dest, images=len(rows), predicted=len(rows) - errors,
                unreadable=errors)


def _write_csv(f, rows: List[dict]):
    scores = next((r['scores'] for r in rows if 'scores' in r), {})
    tasks = {t: list(v) for t, v in scores.items()}
    # garment / garment_score columns when a garment detector judged them
    garment = ['garment', 'garment_score'] if any(
        'garment' in r for r in rows) else []
    writer = csv.writer(f)
    writer.writerow(['image', 'image_b64', 'error', *garment, *tasks] +
                    [f'{t}/{v}' for t, vs in tasks.items() for v in vs])
    for r in rows:
        got = r.get('scores')
        if got is not None and {t: list(v) for t, v in got.items()} != tasks:
            raise ValueError(f'{r["image"]}: scores of other tasks or values '
                             'than the first line (outputs of two models?)')
        chosen = [VALUE_SEPARATOR.join(a['value'] for a in r.get(
            'attributes', {}).get(t, [])) for t in tasks]
        writer.writerow([r['image'], r.get('image_b64', ''),
                         r.get('error', ''),
                         *[_cell(r.get(k, '')) for k in garment], *chosen] +
                        [got[t][v] if got else '' for t, vs in tasks.items()
                         for v in vs])


def _cell(value) -> str:
    """A garment field as CSV text: true / review / false, or the score."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)

