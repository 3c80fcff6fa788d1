"""One training + test run of a config through tools/train.py and
tools/test.py, as the report tools (ablation_report.py,
compare_progressive.py) repeat them; finished runs are read, not redone."""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Optional, Sequence

from mmengine.config import Config, DictAction

from ..errors import UserInputError
from .cli import USER_ERROR_STATUS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METRICS = 'test_metrics.json'
RUN_INFO = 'run_info.json'


def load_config(config: str, options: Optional[Sequence[str]]) -> Config:
    """``config`` with ``KEY=VALUE`` options merged exactly as tools/train.py
    and tools/test.py merge their ``--cfg-options`` (mmengine's DictAction:
    ``[1,2]`` a list, ``(4,)`` a tuple, ``False`` a bool), so a report tool
    measures the model the runs trained."""
    cfg = Config.fromfile(config)
    if options:
        parsed = argparse.Namespace(cfg_options=None)
        DictAction(option_strings=[], dest='cfg_options')(
            None, parsed, list(options))
        cfg.merge_from_dict(parsed.cfg_options)
    return cfg


def finished_run(work_dir: str) -> Optional[dict]:
    """``dict(metrics, finished (POSIX time), train_seconds)`` of a finished
    run, else None."""
    done = osp.join(work_dir, METRICS)
    if not osp.exists(done):
        return None
    with open(done) as f:
        run = dict(metrics=json.load(f), finished=osp.getmtime(done))
    info = osp.join(work_dir, RUN_INFO)
    if osp.exists(info):
        with open(info) as f:
            run.update(json.load(f))
    return run


def _caller(log: str):
    """Run a tool script (``[script, *args]``) from the repository root,
    its output appended to ``log``; a user error (status 2) raises
    UserInputError with the tool's message."""

    def call(args):
        with open(log, 'a') as f:
            status = subprocess.run([sys.executable, *args], cwd=ROOT,
                                    stdout=f, stderr=subprocess.STDOUT
                                    ).returncode
        if status == USER_ERROR_STATUS:  # the tool's message, not a bug
            with open(log) as f:
                errors = [line for line in f if ': error: ' in line]
            raise UserInputError(
                f'{errors[-1].strip() if errors else args[0]} (log: {log})')
        if status:
            raise subprocess.CalledProcessError(status, args)

    return call


def train_and_test(config: str, work_dir: str,
                   train_options: Sequence[str] = (),
                   test_options: Sequence[str] = ()) -> dict:
    """Train ``config`` into ``work_dir``, test its last checkpoint; keep
    the test metrics and the training wall time (process start to end, as
    a user pays it) there. Output goes to ``work_dir/report_run.log``."""
    os.makedirs(work_dir, exist_ok=True)
    call = _caller(osp.join(work_dir, 'report_run.log'))

    start = time.time()
    call(['tools/train.py', config, '--work-dir', work_dir,
          *(['--cfg-options', *train_options] if train_options else [])])
    train_seconds = time.time() - start
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    return evaluate_checkpoint(config, ckpt, work_dir, test_options,
                               train_seconds=train_seconds, call=call)


def evaluate_checkpoint(config: str, ckpt: str, work_dir: str,
                        test_options: Sequence[str] = (), call=None,
                        **info) -> dict:
    """Test ``ckpt`` with ``config`` into ``work_dir`` (tools/test.py) and
    keep the metrics there as a finished run, with ``info`` (e.g. the
    training wall time, or the run whose weights were tested)."""
    os.makedirs(work_dir, exist_ok=True)
    if call is None:
        call = _caller(osp.join(work_dir, 'report_run.log'))
    call(['tools/test.py', config, ckpt, '--work-dir',
          osp.join(work_dir, 'test'),
          *(['--cfg-options', *test_options] if test_options else [])])
    results = sorted(glob.glob(osp.join(work_dir, 'test', '*', '*.json')))
    with open(results[-1]) as f:
        metrics = json.load(f)
    with open(osp.join(work_dir, RUN_INFO), 'w') as f:
        json.dump(dict(info, checkpoint=ckpt), f, indent=1)
    with open(osp.join(work_dir, METRICS), 'w') as f:
        json.dump(metrics, f, indent=1)
    return finished_run(work_dir)


# Keys that act at test time only: two configs differing in nothing else
# train the same model, so one's checkpoint can stand for the other's.
TEST_TIME_KEYS = ('model.test_cfg', 'model.roi_head.attr_on',
                  'test_dataloader', 'test_evaluator', 'test_cfg')


def _flat(value, prefix: str = '') -> dict:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(_flat(item, f'{prefix}{key}.'))
        return out or {prefix[:-1]: {}}
    return {prefix[:-1]: value}


def training_differences(config: str, other: str,
                         options: Optional[Sequence[str]] = None) -> list:
    """The keys (dotted) in which ``config`` and ``other``, each with
    ``options``, differ outside :data:`TEST_TIME_KEYS`; empty when they
    train the same model."""
    a, b = (_flat(load_config(c, options).to_dict()) for c in (config,
                                                               other))
    return sorted(
        key for key in set(a) | set(b)
        if a.get(key, KeyError) != b.get(key, KeyError) and not any(
            key == t or key.startswith(t + '.') for t in TEST_TIME_KEYS))
