"""Measure a deployment backend's answers against PyTorch fp32 on a split of
the config's data; exit 1 when they differ beyond the bounds.

    python tools/analysis_tools/backend_parity.py CONFIG CKPT --backend B
        --model FILE [--split test] [--out parity.json]
        [--f1-tolerance X] [--score-tolerance X] [--min-agreement X]
        [--thresholds F] [--batch-size 16] [--backend-threads N]
        [--max-images N]

B: onnxruntime, onnxruntime-int8, openvino or openvino-int8; FILE: that
backend's file from tools/deployment/export_backend.py (or pytorch2onnx.py
for onnxruntime) exported from CKPT. Every image of the split (its own
pipeline) goes through CKPT in PyTorch (fp32, the exported scores function)
and through FILE. Printed, and written to --out as JSON: per attribute the
micro F1 of each (AttributeF1 with the test_evaluator's thresholds, or
--thresholds), |F1 difference|, top-1 agreement (single-label attributes:
the share of images whose chosen value is the same) and the largest
|score difference|; then the largest of each. Bounds: |F1 difference| per
attribute at most --f1-tolerance (default 0.005 for the fp32 backends,
0.01 for int8); optionally the largest |score difference| (--score-
tolerance) and each top-1 agreement (--min-agreement). Exit status 1 when a
bound is broken (a result, not a user error: 2).
"""
import argparse
import json
import sys

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import default_collate
from torch.utils.data import DataLoader

import mmfashion_attr  # noqa: F401
from mmfashion_attr.analysis.backend_parity import (F1_TOLERANCE,
                                                    format_report,
                                                    parity_report)
from mmfashion_attr.apis import init_trained_model
from mmfashion_attr.apis.attribute_inferencer import model_tasks
from mmfashion_attr.apis.packed_images import split_dataset
from mmfashion_attr.deployment import (RUNTIME_BACKENDS, ScoresModel,
                                       open_runtime_model)
from mmfashion_attr.evaluation.thresholds import (evaluator_thresholds,
                                                  load_thresholds)
from mmfashion_attr.utils.cli import UserValueError, run_main


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help='the PyTorch checkpoint')
    parser.add_argument('--backend', required=True, choices=RUNTIME_BACKENDS)
    parser.add_argument('--model', required=True,
                        help="the backend's file, exported from CKPT")
    parser.add_argument('--split', default='test',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--out', help='write the report as JSON')
    parser.add_argument('--f1-tolerance', type=float, default=None,
                        help='largest |F1 difference| per attribute '
                        f'(default {F1_TOLERANCE["fp32"]} fp32, '
                        f'{F1_TOLERANCE["int8"]} int8)')
    parser.add_argument('--score-tolerance', type=float, default=None,
                        help='largest |score difference| (default: none)')
    parser.add_argument('--min-agreement', type=float, default=None,
                        help='least top-1 agreement of each single-label '
                        'attribute (default: none)')
    parser.add_argument('--thresholds', default=None,
                        help="a float or a calibrate_thresholds.py file "
                        "(default: the config's test_evaluator)")
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--workers', type=int, default=0,
                        help='DataLoader workers decoding the images')
    parser.add_argument('--backend-threads', type=int, default=None,
                        help="the backend runtime's threads (default: its "
                        'own)')
    parser.add_argument('--max-images', type=int, default=None,
                        help='only the first N images of the split')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def collect_scores(dataset, scores_model, runtime, batch_size, workers,
                   max_images=None):
    """PyTorch's and the backend's scores, labels and labelled-task masks
    of the dataset's images, in order."""
    if max_images is not None:
        dataset = torch.utils.data.Subset(
            dataset, range(min(max_images, len(dataset))))
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers,
                        collate_fn=default_collate)
    ref, new, gts, masks = [], [], [], []
    for batch in loader:
        images = batch['inputs']
        if isinstance(images, (list, tuple)):
            images = torch.stack(list(images))
        with torch.no_grad():
            ref.append(scores_model(images).numpy())
        new.append(runtime.scores(images.numpy()))
        for sample in batch['data_samples']:
            gts.append(np.asarray(sample.gt_attr, bool))
            masks.append(np.asarray(sample.gt_attr_mask, bool))
    if not ref:
        raise UserValueError('no image in the split')
    return (np.concatenate(ref), np.concatenate(new), np.stack(gts),
            np.stack(masks))


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    runtime = open_runtime_model(args.backend, args.model,
                                 threads=args.backend_threads)
    classifier = init_trained_model(cfg, args.checkpoint)
    tasks = model_tasks(classifier)
    if json.loads(json.dumps(tasks)) != runtime.tasks:
        raise UserValueError(f'{args.model} was exported with other tasks '
                             f'(or value names) than {args.checkpoint}')
    dataset = split_dataset(cfg, args.split)
    ref, new, gts, masks = collect_scores(
        dataset, ScoresModel(classifier), runtime, args.batch_size,
        args.workers, args.max_images)
    thresholds = load_thresholds(
        args.thresholds if args.thresholds is not None else
        evaluator_thresholds(cfg.get('test_evaluator')))
    tolerance = args.f1_tolerance if args.f1_tolerance is not None \
        else F1_TOLERANCE[runtime.precision]
    report = parity_report(runtime.tasks, ref, new, gts, masks, thresholds,
                           tolerance, args.score_tolerance,
                           args.min_agreement)
    report.update(backend=args.backend, model=args.model,
                  checkpoint=args.checkpoint, split=args.split,
                  precision=runtime.precision)
    print(f'{args.backend} ({args.model}) vs PyTorch fp32 ({args.checkpoint})'
          f', {args.split} split:')
    print(format_report(report))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)
        print(f'wrote {args.out}')
    if not report['passed']:
        sys.exit(1)  # a result, not a user error


if __name__ == '__main__':
    run_main(main)
