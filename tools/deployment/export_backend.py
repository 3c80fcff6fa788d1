"""Export a trained model for a deployment backend: ONNX (fp32 or int8) or an
OpenVINO IR (fp32 or int8).

    python tools/deployment/export_backend.py CONFIG CKPT --backend B
        --out FILE [--calib-images 200] [--onnx FP32.onnx]
        [--dynamic-batch] [--batch-size 1] [--opset 18] [--num-images 8]

B and what FILE is:
  onnxruntime       FILE.onnx, fp32: the pytorch2onnx.py export
  onnxruntime-int8  FILE.onnx, int8 (QDQ): ONNX Runtime's static
                    quantisation (quantize_static, per-channel int8 weights,
                    uint8 activations, MinMax calibration)
  openvino          FILE.xml (+ FILE.bin), fp32: the ONNX export converted
                    by ov.convert_model (OpenVINO also runs the .onnx itself)
  openvino-int8     FILE.xml (+ FILE.bin), int8: NNCF's post-training
                    quantisation (nncf.quantize) of that model

The int8 backends calibrate on --calib-images images of the config's
training set (evenly spaced over it, all of them when it has fewer), run
through the test pipeline (no augmentation). --onnx starts from an fp32
ONNX file already exported from this checkpoint instead of exporting again.
Every file keeps the export's metadata (tasks, value names, input), marked
with its precision and, when quantised, how ('quantization'): ONNX files in
metadata_props, IRs in rt_info (key mmfashion_attr). Run a file with
--backend B in demo/image_demo.py, tools/infer_catalog.py and
tools/serve.py; measure its answers against PyTorch's with
tools/analysis_tools/backend_parity.py. The tool prints the largest score
difference from PyTorch on --num-images test images (no bound: that is the
parity tool's). Needs the deploy extra (pip install -e .[deploy]) and for
openvino* the openvino extra (pip install -e .[openvino]).
"""
import argparse
import os
import os.path as osp
import tempfile

from mmengine.config import Config, DictAction

import mmfashion_attr  # noqa: F401
from mmfashion_attr.apis import init_trained_model
from mmfashion_attr.apis.attribute_inferencer import model_tasks
from mmfashion_attr.apis.packed_images import packed_images
from mmfashion_attr.deployment import (RUNTIME_BACKENDS, ScoresModel,
                                       check_model_file, export_onnx,
                                       max_score_difference, onnx_to_openvino,
                                       open_runtime_model, quantize_onnx,
                                       quantize_openvino, read_metadata)
from mmfashion_attr.deployment.backends import require
from mmfashion_attr.utils.cli import UserValueError, run_main

SUFFIX = {'onnxruntime': '.onnx', 'onnxruntime-int8': '.onnx',
          'openvino': '.xml', 'openvino-int8': '.xml'}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--backend', required=True, choices=RUNTIME_BACKENDS)
    parser.add_argument('--out', required=True,
                        help='.onnx (onnxruntime*) or .xml (openvino*)')
    parser.add_argument('--calib-images', type=int, default=200,
                        help='training images calibrating the int8 '
                        'backends')
    parser.add_argument('--onnx', help='an fp32 ONNX export of CKPT to '
                        'start from (default: export it)')
    parser.add_argument('--dynamic-batch', action='store_true',
                        help='any batch size at run time')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='exported batch without --dynamic-batch')
    parser.add_argument('--opset', type=int, default=18)
    parser.add_argument('--num-images', type=int, default=8,
                        help='test images of the printed score difference '
                        '(0: none)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def check_args(args) -> None:
    if not args.out.lower().endswith(SUFFIX[args.backend]):
        raise UserValueError(f'--out {args.out}: the {args.backend} backend '
                             f'writes a {SUFFIX[args.backend]} file')
    if args.calib_images < 1:
        raise UserValueError('--calib-images must be at least 1')
    require('onnx', args.backend)  # every path starts from an ONNX export
    require(args.backend.replace('-int8', ''), args.backend)
    if args.backend == 'openvino-int8':
        require('nncf', args.backend)


def fp32_onnx(args, cfg, scores_model, tasks, out) -> None:
    """The fp32 ONNX file at ``out``: --onnx checked and copied, or a new
    export."""
    if args.onnx:
        import onnx
        check_model_file(args.onnx, 'onnxruntime')
        model = onnx.load(args.onnx)
        meta = read_metadata({p.key: p.value for p in model.metadata_props},
                             args.onnx)
        if meta['precision'] != 'fp32':
            raise UserValueError(f'--onnx {args.onnx} is {meta["precision"]}'
                                 ': pass the fp32 export')
        if [t['name'] for t in meta['tasks']] != [t['name'] for t in tasks]:
            raise UserValueError(f'--onnx {args.onnx} has other tasks than '
                                 'the checkpoint')
        onnx.save(model, out)
        return
    size = packed_images(cfg, 1).shape[2:]
    export_onnx(scores_model, out, size, tasks, batch_size=args.batch_size,
                dynamic_batch=args.dynamic_batch, opset=args.opset)


def main():
    args = parse_args()
    check_args(args)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    classifier = init_trained_model(cfg, args.checkpoint)
    scores_model = ScoresModel(classifier)
    tasks = model_tasks(classifier)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_file = args.out if args.backend == 'onnxruntime' else \
            osp.join(tmp, 'fp32.onnx')
        fp32_onnx(args, cfg, scores_model, tasks, onnx_file)
        if args.backend.endswith('-int8'):
            calib = packed_images(cfg, args.calib_images, split='train',
                                  spread=True).numpy()
            quantize = quantize_onnx if args.backend == 'onnxruntime-int8' \
                else quantize_openvino
            how = quantize(onnx_file, args.out, calib)
            print(f'calibrated on {len(calib)} training images: {how}')
        elif args.backend == 'openvino':
            onnx_to_openvino(onnx_file, args.out)
    written = [args.out] + ([osp.splitext(args.out)[0] + '.bin']
                            if args.out.endswith('.xml') else [])
    size_mib = sum(osp.getsize(f) for f in written) / 2**20
    print(f'wrote {" + ".join(written)} ({args.backend}, {size_mib:.1f} MiB)')
    if args.num_images > 0:
        runtime = open_runtime_model(args.backend, args.out)
        images = packed_images(cfg, args.num_images)
        diff = max_score_difference(scores_model, runtime, images)
        print(f'max |score difference| from PyTorch on {len(images)} test '
              f'images: {diff:.2e} (parity: tools/analysis_tools/'
              'backend_parity.py)')


if __name__ == '__main__':
    run_main(main)
