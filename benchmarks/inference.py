"""Inference speed of three paths, side by side in one run: batch-1 latency
(median, p90 over --iters calls) and images/s at larger batches (median and
min-max over --batches timed batches after a warm-up one), with the ratio
of medians to the raw model; read a ratio only as far as the ranges allow.

    python benchmarks/inference.py --config CFG [--checkpoint CKPT]
        [--onnx FILE] [--batch-sizes 32 64] [--batches 3] [--iters 20]
        [--workers 2] [--device cpu|cuda] [--fp16] [--channels-last]
        [--cfg-options ...]

(a) raw model: ``ScoresModel`` (data preprocessor, backbone, neck, head,
    final scores) on packed uint8 batches already in memory;
(b) ``AttributeInferencer`` end to end from JPEG files: decoding and the test
    pipeline in ``--workers`` DataLoader workers, the model, and results as
    dictionaries;
(c) ONNX Runtime on the exported model (exported here with a dynamic batch
    unless --onnx is given; skipped without the deploy extra). It runs the
    fp32 export: --fp16 does not apply to it (said in the output); with
    --device cuda it uses the CUDA provider, or says why it cannot.
Images: SynthFashion JPEGs at the test pipeline's size. Without --checkpoint
the model has random weights (speed does not depend on them).
"""
import argparse
import os
import os.path as osp
import tempfile

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import default_collate

import mmfashion_attr  # noqa: F401
from common import pipeline_size, spread, synthfashion_at, timed
from mmfashion_attr.apis import AttributeInferencer, init_trained_model
from mmfashion_attr.apis.attribute_inferencer import model_tasks, test_pipeline
from mmfashion_attr.deployment import ScoresModel


def latency_and_throughput(run, batches, args, sync):
    """``run(batch)`` -> (batch-1 p50 ms, p90 ms, {batch: images/s of each
    timed batch})."""
    b1 = timed(lambda: run(batches[1]), args.iters, 3, sync) * 1000
    rates = {}
    for bs in args.batch_sizes:
        seconds = timed(lambda: run(batches[bs]), args.batches, 1, sync)
        rates[bs] = bs / seconds
    return np.median(b1), np.percentile(b1, 90), rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', required=True)
    parser.add_argument('--checkpoint', default=None)
    parser.add_argument('--onnx', default=None,
                        help='an exported model (default: export one)')
    parser.add_argument('--batch-sizes', type=int, nargs='+',
                        default=[32, 64])
    parser.add_argument('--batches', type=int, default=5,
                        help='timed batches per batch size (after one '
                        'warm-up batch)')
    parser.add_argument('--iters', type=int, default=20,
                        help='timed batch-1 calls')
    parser.add_argument('--workers', type=int, default=2,
                        help="the inferencer's decoding workers")
    parser.add_argument('--device', choices=['cpu', 'cuda'],
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--fp16', action='store_true',
                        help='(a) and (b) under fp16 autocast (GPU)')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    size = pipeline_size(cfg.test_dataloader.dataset.pipeline)
    data = synthfashion_at(size, max(args.batch_sizes))
    if not cfg.model.head.get('schema_file') or not osp.exists(
            cfg.model.head.schema_file):
        cfg.model.head.schema_file = osp.join(data, 'schema.json')
    cfg.model.backbone.init_cfg = None  # nothing to download
    checkpoint = args.checkpoint
    model = init_trained_model(cfg, checkpoint, device=args.device)
    if checkpoint is None:  # the inferencer loads the same random weights
        checkpoint = osp.join(tempfile.mkdtemp(), 'random.pth')
        torch.save(dict(state_dict=model.state_dict()), checkpoint)
    folder = osp.join(data, 'images', 'train')
    paths = sorted(osp.join(folder, f) for f in os.listdir(folder))
    pipeline = test_pipeline(cfg)
    packed = default_collate([pipeline(dict(img_path=p))
                              for p in paths])['inputs']
    tensors = {bs: packed[:bs].to(args.device)
               for bs in [1] + args.batch_sizes}
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: 0)
    memory_format = torch.channels_last if args.channels_last \
        else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    scores_model = ScoresModel(model)
    autocast = dict(device_type=device.type, dtype=torch.float16,
                    enabled=args.fp16)

    def raw(batch):
        with torch.inference_mode(), torch.autocast(**autocast):
            return scores_model(batch)

    rows = [('(a) raw model, batch in memory',
             latency_and_throughput(raw, tensors, args, sync))]

    inferencer = AttributeInferencer(cfg, checkpoint, device=args.device)
    inferencer.model.to(memory_format=memory_format)
    files = {bs: paths[:bs] for bs in [1] + args.batch_sizes}

    def end_to_end(batch):
        with torch.autocast(**autocast):
            return inferencer(batch, batch_size=len(batch),
                              num_workers=args.workers if len(batch) > 1
                              else 0)

    rows.append((f'(b) AttributeInferencer from JPEGs, {args.workers} '
                 'workers', latency_and_throughput(end_to_end, files, args,
                                                   sync)))
    try:
        from mmfashion_attr.deployment import (OnnxRuntimeModel,
                                               export_onnx)
        onnx_file = args.onnx
        if onnx_file is None:
            onnx_file = osp.join(tempfile.mkdtemp(), 'model.onnx')
            export_onnx(ScoresModel(model.float().cpu()), onnx_file,
                        (size, size), model_tasks(model),
                        dynamic_batch=True)
        runtime = OnnxRuntimeModel(onnx_file, args.device)
        arrays = {bs: t.cpu().numpy() for bs, t in tensors.items()}
        rows.append((f'(c) ONNX Runtime fp32, {args.device}, in memory',
                     latency_and_throughput(runtime.scores, arrays, args,
                                            lambda: 0)))
        if args.fp16:
            print('(c) runs the fp32 export: --fp16 does not apply to it')
    except ImportError as e:
        print(f'(c) skipped: {e} (pip install -e .[deploy])')
    except RuntimeError as e:  # e.g. --device cuda without the provider
        print(f'(c) skipped: {e}')

    print(f'\n{osp.basename(args.config)}, {size} px, device {args.device}, '
          f'{torch.get_num_threads()} torch threads, fp16 {args.fp16}, '
          f'channels_last {args.channels_last}; batch-1: {args.iters} calls, '
          f'larger batches: median (min-max) of {args.batches} after one '
          'warm-up batch')
    head = ''.join(f'{f"b{bs} img/s median (min-max)":>32}{"ratio":>7}'
                   for bs in args.batch_sizes)
    print(f'{"path":<46}{"b1 p50 ms":>10}{"b1 p90 ms":>10}{head}')
    ref = rows[0][1][2]
    for name, (p50, p90, rates) in rows:
        cells = ''.join(
            f'{spread(rates[bs]):>30}  '
            f'{np.median(rates[bs]) / np.median(ref[bs]):7.2f}'
            for bs in args.batch_sizes)
        print(f'{name:<46}{p50:10.1f}{p90:10.1f}{cells}')


if __name__ == '__main__':
    main()
