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


def train_and_test(config: str, work_dir: str,
                   train_options: Sequence[str] = (),
                   test_options: Sequence[str] = ()) -> dict:
    """Train ``config`` into ``work_dir``, test its last checkpoint; keep
    the test metrics and the training wall time (process start to end, as
    a user pays it) there. Output goes to ``work_dir/report_run.log``."""
    os.makedirs(work_dir, exist_ok=True)
    log = osp.join(work_dir, 'report_run.log')

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

    start = time.time()
    call(['tools/train.py', config, '--work-dir', work_dir,
          *(['--cfg-options', *train_options] if train_options else [])])
    train_seconds = time.time() - start
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    call(['tools/test.py', config, ckpt, '--work-dir',
          osp.join(work_dir, 'test'),
          *(['--cfg-options', *test_options] if test_options else [])])
    results = sorted(glob.glob(osp.join(work_dir, 'test', '*', '*.json')))
    with open(results[-1]) as f:
        metrics = json.load(f)
    with open(osp.join(work_dir, RUN_INFO), 'w') as f:
        json.dump(dict(train_seconds=train_seconds, checkpoint=ckpt), f,
                  indent=1)
    with open(osp.join(work_dir, METRICS), 'w') as f:
        json.dump(metrics, f, indent=1)
    return finished_run(work_dir)
