"""Training images/s through mmengine's Runner (as tools/train.py runs it)
beside a plain PyTorch loop over the same model, optimizer and batch.

    python benchmarks/train_throughput.py --config CFG [--amp]
        [--amp-dtype float16|bfloat16] [--channels-last] [--compile]
        [--compile-backend inductor] [--batch-size N] [--iters N]
        [--warmup N] [--reps 3] [--device cpu|cuda] [--workers N]
        [--in-memory-data]

Runner: the config through tools/train.py's argument merging and
``Runner.from_cfg``, data loading included, on SynthFashion generated at
the config's input size (no validation, no checkpoints). Plain loop: the
same model module and optimizer settings, one batch already in memory,
``loss.backward(); optimizer.step()``, measured alternately --reps times.
Prints both (median, min-max and each), their ratio, and the
share of the Runner's iteration time spent waiting for data: where that
share is large (e.g. 2 CPU cores shared by the loader and the model), the
gap is the data pipeline's, not the Runner's. --in-memory-data serves the
Runner one batch decoded in advance, in the main process: what is left of
the gap is then the Runner's own overhead.
"""
import argparse
import copy
import importlib.util
import os.path as osp
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmpretrain.apis import get_model
from mmpretrain.registry import DATASETS, HOOKS
from torch.utils.data import Dataset

import mmfashion_attr  # noqa: F401
from common import pipeline_size, spread, synthfashion_at

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@HOOKS.register_module()
class _IterClock(Hook):
    """Wall time per iteration and the part spent waiting for data."""
    priority = 'LOWEST'

    def __init__(self, warmup):
        self.warmup, self.stamps, self.waits = warmup, [], []
        self._end = None

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self._end is not None:
            self.waits.append(time.perf_counter() - self._end)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self._end = time.perf_counter()
        self.stamps.append(self._end)


@DATASETS.register_module()
class _CachedItems(Dataset):
    """``dataset``'s first ``num_items`` samples, decoded once and served
    round-robin: the Runner without the cost of data loading."""

    def __init__(self, dataset: dict, num_items: int):
        self.dataset = DATASETS.build(dataset)
        self.metainfo = self.dataset.metainfo
        self.items = [self.dataset[i] for i in range(num_items)]

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        return copy.deepcopy(self.items[index % len(self.items)])


def train_tool():
    spec = importlib.util.spec_from_file_location(
        'mmfa_train_tool', osp.join(ROOT, 'tools', 'train.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def prepare(args):
    cfg = Config.fromfile(args.config)
    size = args.size or pipeline_size(cfg.train_dataloader.dataset.pipeline)
    data = synthfashion_at(size, args.batch_size * (args.iters + args.warmup))
    options = {
        'data_root': data,
        'train_dataloader.dataset.data_root': data,
        'train_dataloader.dataset.ann_file': 'train.csv',
        'train_dataloader.dataset.data_prefix': 'images',
        'train_dataloader.batch_size': args.batch_size,
        'train_dataloader.num_workers': args.workers,
        'train_dataloader.persistent_workers': args.workers > 0,
        'train_dataloader.drop_last': True,
        'model.head.schema_file': osp.join(data, 'schema.json'),
        'model.backbone.init_cfg': None,  # nothing to download
        'train_cfg.max_epochs': 1,
        'default_hooks.checkpoint.interval': 10**6,
        'default_hooks.checkpoint.save_last': False,
        'default_hooks.checkpoint.save_best': None,
        'default_hooks.logger.interval': 10**6,
        'log_level': 'WARNING',  # no environment and config dump
        'custom_hooks': [dict(type='ChannelsLastHook',
                              enabled=args.channels_last),
                         dict(type='_IterClock', warmup=args.warmup)],
    }
    if args.amp and args.amp_dtype != 'float16':
        options['optim_wrapper.dtype'] = args.amp_dtype
    if args.device == 'cpu':
        options['env_cfg.dist_cfg.backend'] = 'gloo'
    targs = argparse.Namespace(
        config=args.config, work_dir=osp.join(tempfile.gettempdir(),
                                              'mmfa_bench_work'),
        resume=None, amp=args.amp, no_validate=True, auto_scale_lr=False,
        no_pin_memory=args.device == 'cpu', no_persistent_workers=False,
        cfg_options=options, launcher='none', allow_partial=False)
    cfg = train_tool().merge_args(cfg, targs)
    if args.compile:  # replaces the base's compile=False
        cfg.compile = dict(backend=args.compile_backend)
    if args.in_memory_data:
        cfg.train_dataloader.dataset = dict(
            type='_CachedItems', dataset=cfg.train_dataloader.dataset,
            num_items=args.batch_size)
        cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    return cfg


def runner_throughput(cfg, args):
    runner = Runner.from_cfg(cfg)
    runner.train()
    clock = [h for h in runner.hooks if isinstance(h, _IterClock)][0]
    stamps = clock.stamps[args.warmup - 1:]
    total = stamps[-1] - stamps[0]
    waits = sum(clock.waits[args.warmup - 1:])
    return (len(stamps) - 1) * args.batch_size / total, waits / total, runner


def plain_throughput(cfg, args, loader):
    model = get_model(cfg).to(args.device)  # as the Runner: top-level
    # data_preprocessor (mean, std, to_rgb) merged into the model
    model.init_weights()
    model.train()
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    optimizer = getattr(torch.optim, opt_cfg.pop('type'))(
        model.parameters(), **opt_cfg)
    batch = next(iter(loader))
    data = model.data_preprocessor(batch, True)
    if args.channels_last:
        data['inputs'] = data['inputs'].contiguous(
            memory_format=torch.channels_last)
    step = model
    if args.compile:
        step = torch.compile(model, backend=args.compile_backend)
    amp_dtype = getattr(torch, args.amp_dtype)
    scaler = torch.amp.GradScaler(enabled=args.amp and args.device == 'cuda'
                                  and amp_dtype == torch.float16)

    def iteration():
        with torch.autocast(args.device, dtype=amp_dtype, enabled=args.amp):
            losses = step(**data, mode='loss')
        loss = sum(losses.values())
        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    for _ in range(args.warmup):
        iteration()
    if args.device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.iters):
        iteration()
    if args.device == 'cuda':
        torch.cuda.synchronize()
    return args.iters * args.batch_size / (time.perf_counter() - start)


def add_arguments(parser):
    """This benchmark's options (benchmarks/gpu_suite.py reuses them)."""
    parser.add_argument('--config', required=True)
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--amp-dtype', choices=['float16', 'bfloat16'],
                        default='float16')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--compile', action='store_true')
    parser.add_argument('--compile-backend', default='inductor',
                        help="torch.compile backend ('eager': the code path "
                        'without compiling)')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--reps', type=int, default=3,
                        help='Runner and plain loop measured this many '
                        'times each, alternately')
    parser.add_argument('--workers', type=int, default=2)
    parser.add_argument('--in-memory-data', action='store_true',
                        help="the Runner's loader serves one batch decoded "
                        'in advance (no workers): its own overhead only')
    parser.add_argument('--size', type=int, default=None,
                        help='image side (default: the config\'s Pad size)')
    parser.add_argument('--device', choices=['cpu', 'cuda'],
                        default='cuda' if torch.cuda.is_available() else 'cpu')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args()
    if args.amp and args.device == 'cpu':
        parser.error("--amp needs --device cuda: mmengine's AmpOptimWrapper "
                     'trains on GPUs only')
    if args.reps < 1:
        parser.error('--reps must be at least 1')
    cfg = prepare(args)
    reps = []  # (Runner img/s, plain img/s, data share), alternating
    for rep in range(args.reps):
        cfg.experiment_name = f'train_throughput_rep{rep}'  # a new Runner
        ours, data_share, runner = runner_throughput(cfg, args)
        reps.append((ours, plain_throughput(cfg, args,
                                           runner.train_dataloader),
                     data_share))
    flags = ' '.join(f for f, on in (('amp', args.amp), ('channels_last',
                     args.channels_last), ('compile', args.compile)) if on)
    loading = 'one batch decoded in advance' if args.in_memory_data \
        else f'{args.workers} loader workers'
    print(f'\n{osp.basename(args.config)}, batch {args.batch_size}, '
          f'{args.iters} timed iters after {args.warmup}, device '
          f'{args.device}, {loading}, '
          f'{torch.get_num_threads()} torch threads {flags}; '
          f'{args.reps} repetitions, median (min-max)')
    what = 'data in memory' if args.in_memory_data else \
        'data loading included'
    columns = (
        (f'Runner (tools/train.py, {what}) img/s', [r[0] for r in reps], 1),
        ('plain PyTorch loop (batch in memory) img/s', [r[1] for r in reps],
         1),
        ('ratio Runner / plain', [r[0] / r[1] for r in reps], 3),
        ('Runner time waiting for data %', [100 * r[2] for r in reps], 1))
    for label, values, digits in columns:
        fmt = f'{{:.{digits}f}}'
        print(f'{label:<50} {spread(values, fmt)}  each: '
              + ', '.join(map(fmt.format, values)))


if __name__ == '__main__':
    main()
