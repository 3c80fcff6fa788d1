"""Predict the attributes of a whole catalogue, resumably.

    python tools/infer_catalog.py CONFIG CKPT (--ann FILE.csv|.jsonl |
        --images DIR | --list FILE) --out OUT_DIR [--img-prefix DIR]
        [--thresholds F] [--batch-size 32] [--workers 4] [--max-batches N]
        [--launcher pytorch] [--backend auto|B [--backend-threads N]]
        [--retry-errors]
        [--merge FILE.jsonl|.csv] [--garment-detector NPZ]
        [--malloc tuned|default]
    bash tools/dist_infer.sh CONFIG CKPT GPUS --images DIR --out OUT_DIR

Writes OUT_DIR/part-<run>-<rank>.jsonl (one JSON object per image:
"image", "key", "attributes", "scores"), errors-<run>-<rank>.jsonl
(unreadable images, with the error) and report.json (counts, duplicates in
the input removed). A rerun predicts only the images not yet written: a
killed run is resumed by running the same command again (a line the kill
cut short is removed first); --retry-errors also tries again the images
that failed (a transient read error). Images are matched by absolute path,
whatever folder or --img-prefix named them. A file name that is not UTF-8
is written escaped in "image" / "key", exactly (base64) in "image_b64" /
"key_b64". --ann is read by the training reader (its errors name
file:line). --max-batches stops each rank after N batches (a catalogue in
chunks). --merge FILE: then one file with each image once (as
tools/merge_catalog_output.py). --backend onnxruntime, onnxruntime-int8,
openvino or openvino-int8: CKPT is a tools/deployment/export_backend.py
file of that backend (onnxruntime: also a pytorch2onnx.py file; openvino
runs on the CPU), --backend-threads its runtime's threads (default: the
runtime's own). --backend auto (the default): a checkpoint runs on
pytorch; an exported file on the fastest of the installed backends that
run it, timed on a few batches when it is opened (printed, and in
report.json "backend" / "backend_choice"). --thresholds from
calibrate_thresholds.py --target-precision: each predicted value in
"attributes" also has "decision": "auto" or "review"
(docs/inference_and_deployment.md, "Auto-accept at a chosen precision").
--garment-detector (garment_ood_report.py --save-detector for this model):
each line also has "garment" (true, "review" or false, by the detector's
validation thresholds) and "garment_score"; --merge CSV adds both columns.
"""
import argparse
import json
import os
import os.path as osp
import time

import torch
from mmengine.config import Config
from mmengine.dist import (all_reduce_dict, barrier, broadcast_object_list,
                           get_dist_info, init_dist)
from mmengine.utils import ProgressBar

import mmfashion_attr  # noqa: F401
from mmfashion_attr.apis import AttributeInferencer
from mmfashion_attr.apis.catalog_inference import (catalogue_images,
                                                   infer_catalog,
                                                   merge_outputs, next_run_id)
from mmfashion_attr.deployment.backends import BACKENDS
from mmfashion_attr.deployment.pick_backend import describe
from mmfashion_attr.utils import end_distributed, prepare_distributed
from mmfashion_attr.utils.cli import (add_garment_arguments,
                                      add_malloc_argument,
                                      apply_malloc_argument, run_main)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--ann', help='catalogue CSV / JSON Lines')
    source.add_argument('--images', help='a folder of images (recursive)')
    source.add_argument('--list', help='a text file, one image per line')
    parser.add_argument('--img-prefix', default='',
                        help='folder the --ann image names are relative to')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--thresholds', default=None,
                        help='a float or a calibrate_thresholds.py file '
                        '(with --target-precision: values marked auto / '
                        'review)')
    add_garment_arguments(parser)
    add_malloc_argument(parser)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--workers', type=int, default=4)
    parser.add_argument('--max-batches', type=int, default=None)
    parser.add_argument('--retry-errors', action='store_true',
                        help='try the images that failed before again')
    parser.add_argument('--merge', default=None, metavar='FILE',
                        help='then write FILE (.jsonl or .csv): each image '
                        'of OUT_DIR once')
    parser.add_argument('--backend', choices=('auto', ) + BACKENDS,
                        default='auto')
    parser.add_argument('--backend-threads', type=int, default=None,
                        help='threads of the onnxruntime / openvino '
                        "backends (default: the runtime's own)")
    parser.add_argument('--launcher', choices=['none', 'pytorch'],
                        default='none')
    return parser.parse_args()


def main():
    args = parse_args()
    # freed activations kept for the next batch (page faults: module doc)
    apply_malloc_argument(args)
    if args.launcher != 'none':
        if torch.cuda.is_available():
            init_dist(args.launcher)
        else:  # gloo, as tools/train.py on CPU-only machines
            prepare_distributed(Config(dict(launcher=args.launcher)))
    rank, world = get_dist_info()
    device = f'cuda:{torch.cuda.current_device()}' \
        if torch.cuda.is_available() and \
        not args.backend.startswith('openvino') else 'cpu'
    inferencer = AttributeInferencer(args.config, args.checkpoint,
                                     device=device,
                                     thresholds=args.thresholds,
                                     backend=args.backend,
                                     garment_detector=args.garment_detector,
                                     garment_score=args.garment_score,
                                     backend_threads=args.backend_threads)
    if rank == 0 and inferencer.backend_choice is not None:
        print(f'backend auto: {describe(inferencer.backend_choice)}',
              flush=True)
    paths = catalogue_images(args.ann, args.images, args.list,
                             args.img_prefix)
    os.makedirs(args.out, exist_ok=True)
    run_id = [next_run_id(args.out) if rank == 0 else None]
    broadcast_object_list(run_id)
    start = time.perf_counter()
    counts = infer_catalog(
        inferencer, paths, args.out, rank, world, run_id[0],
        args.batch_size, args.workers, args.max_batches,
        progress=(lambda total: ProgressBar(total).update)
        if rank == 0 else None, sync=barrier, retry_errors=args.retry_errors)
    if world > 1:
        tensors = {k: torch.tensor(v) for k, v in counts.items()}
        all_reduce_dict(tensors, op='sum')
        counts = {k: int(v) for k, v in tensors.items()}
        for key in ('skipped_done', 'duplicates_removed'):
            counts[key] //= world  # every rank counted them
    if rank == 0:
        counts.update(images=len(paths), run=run_id[0], processes=world,
                      seconds=round(time.perf_counter() - start, 1),
                      backend=inferencer.backend)
        if inferencer.backend_choice is not None:
            counts['backend_choice'] = inferencer.backend_choice
        with open(osp.join(args.out, 'report.json'), 'w') as f:
            json.dump(counts, f, indent=1)
        if args.merge:
            counts['merge'] = merge_outputs(args.out, args.merge)
        print(f'\n{json.dumps(counts)}')
    end_distributed()


if __name__ == '__main__':
    run_main(main)
