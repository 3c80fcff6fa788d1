"""Results as data: one JSON line per finished run (what was run, where,
when, from which commit, and what it measured), written by the report
tools beside the README that quotes it, so every table can be regenerated
from committed files (``--from-results``) and checked by a test.

Own code: mmengine logs per run but keeps no cross-run results record.
"""
import datetime
import fcntl
import hashlib
import json
import os
import os.path as osp
import platform
import subprocess
import sys
from typing import Dict, List, Optional, Sequence

from ..errors import UserValueError

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def machine() -> str:
    """CPU model, cores, memory and GPU of this machine, in one line."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    memory = ''
    if hasattr(os, 'sysconf') and 'SC_PHYS_PAGES' in os.sysconf_names:
        pages = os.sysconf('SC_PHYS_PAGES')
        memory = f', {os.sysconf("SC_PAGE_SIZE") * pages / 2**30:.0f} GiB'
    import torch
    gpu = (torch.cuda.get_device_name(0) if torch.cuda.is_available()
           else 'no GPU')
    return (f'{cpu}, {os.cpu_count()} cores{memory}, {gpu}; Python '
            f'{platform.python_version()}, torch {torch.__version__}')


def git_commit(root: str = ROOT) -> str:
    """HEAD's short hash, with ``+dirty`` when tracked files changed."""
    def git(*args):
        return subprocess.run(['git', *args], cwd=root, capture_output=True,
                              text=True).stdout.strip()
    head = git('rev-parse', '--short', 'HEAD') or 'unknown'
    dirty = git('status', '--porcelain', '--untracked-files=no')
    return head + ('+dirty' if dirty else '')


def record(config: str, metrics: dict, seed: Optional[int] = None,
           split: str = 'test', train_seconds: Optional[float] = None,
           cfg_options: Sequence[str] = (), date: Optional[float] = None,
           **extra) -> dict:
    """One run's record: config (relative to the repository when inside
    it), seed, split, metrics, training seconds, options, machine, UTC
    date (``date``: a POSIX time, default now) and commit, plus any
    ``extra`` fields."""
    when = datetime.datetime.fromtimestamp(
        date if date is not None else datetime.datetime.now().timestamp(),
        datetime.timezone.utc)
    path = osp.abspath(config)
    if path.startswith(ROOT + os.sep):
        path = osp.relpath(path, ROOT)
    return dict(config=path, seed=seed, split=split,
                cfg_options=list(cfg_options), metrics=metrics,
                train_seconds=train_seconds, machine=machine(),
                date=when.isoformat(timespec='seconds'), commit=git_commit(),
                **extra)


HASH = 'sha256'  # of the rest of the record, set when a tool writes it


def content_hash(rec: dict) -> str:
    """SHA-256 of a record's content (its keys sorted, ``HASH`` left out),
    so that a record edited after its tool wrote it is found."""
    body = {k: v for k, v in rec.items() if k != HASH}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()
                          ).hexdigest()


def seal(rec: dict) -> dict:
    """``rec`` with its content hash."""
    return {**{k: v for k, v in rec.items() if k != HASH},
            HASH: content_hash(rec)}


def _key(rec: dict) -> tuple:
    return rec['config'], rec.get('seed'), rec.get('split')


def save(path: str, new: dict) -> None:
    """Add ``new`` to the JSON Lines file ``path``, replacing the record of
    the same (config, seed, split); records stay sorted by that key. The
    file is locked (``flock``; on NFS only where the mount supports
    locks) while it is read and rewritten, so report tools running side by
    side can share it; the new text is built before the file is touched,
    so a record that cannot be written leaves the file as it was."""
    new_key = _key(new)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'a+', encoding='utf-8') as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # released when the file closes
        f.seek(0)
        records = {_key(r): r for r in _parse(f, path)}
        records[new_key] = seal(new)
        text = ''.join(
            json.dumps(records[key]) + '\n'
            for key in sorted(records, key=lambda k: tuple(map(str, k))))
        f.seek(0)
        f.truncate()
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def load(path: str) -> List[Dict]:
    """The records of a results file; a malformed line names file:line."""
    with open(path, encoding='utf-8') as f:
        fcntl.flock(f, fcntl.LOCK_SH)  # not while a writer rewrites it
        return _parse(f, path)


def _parse(lines, path: str) -> List[Dict]:
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            _key(rec)
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise ValueError(f'{path}:{number}: not a run record '
                             f'({e})') from e
        if HASH in rec and rec[HASH] != content_hash(rec):
            raise UserValueError(
                f'{path}:{number}: the record differs from what its tool '
                f'wrote (its {HASH} does not match): records are data, '
                'rerun the tool instead of editing them')
        out.append(rec)
    return out


def add_arguments(parser, report: str = 'tables') -> None:
    """The options every report tool shares: ``--results`` (keep the run
    records), ``--from-results`` (rebuild the ``report`` from them alone)
    and ``--out``."""
    parser.add_argument('--results', metavar='RUNS.jsonl',
                        help='keep one record per run in this file')
    parser.add_argument('--from-results', metavar='RUNS.jsonl',
                        help=f'only rebuild the {report} from this file '
                        '(no data, no training)')
    parser.add_argument('--out', help=f'write the Markdown {report} here '
                        'too')


def publish(report: str, out: Optional[str] = None) -> None:
    """Print a Markdown report and write it to ``out`` when given."""
    report = report.strip('\n') + '\n'
    sys.stdout.write(report)
    if out:
        with open(out, 'w', encoding='utf-8') as f:
            f.write(report)
