"""The GPU measurements of the paper's model in one run, written to one
JSON file (run by benchmarks/gpu_suite.sh on a lent GPU machine):

    python benchmarks/gpu_suite.py [--config configs/effv2m_fpn_cbam.py]
        [--out gpu_suite.json] [--dry-run]

1. training images/s through the Runner (tools/train.py's set-up) and a
   plain PyTorch loop (benchmarks/train_throughput.py), bf16 autocast,
   channels_last, eager and torch.compile'd;
2. batch-1 latency (median and min-max of --iters calls after warm-up):
   eager fp16 autocast, torch.compile'd, replayed CUDA graph, and ONNX
   Runtime's CUDA provider when this onnxruntime has it (fp32 export);
3. inference images/s at batch 256 (eager fp16 autocast, channels_last);
4. the catalogue end to end on the device (benchmarks/catalog_throughput.py's
   paths, as tools/infer_catalog.py runs them): 256 SynthFashion JPEGs of
   1000 px (photo-scale details) -> JSON lines with the Lite0 catalogue
   model (random weights), images/s median and min-max over 3 repetitions
   after a warm-up batch: PyTorch fp32, PyTorch fp16 autocast, ONNX
   Runtime's CUDA provider (fp32 export) when this onnxruntime has it,
   TensorRT (ONNX Runtime's TensorRT provider) when it has that, and the
   decode-only ceiling (the same DataLoader, no model).
A step that cannot run here records why instead of numbers. --dry-run runs
the same code on the CPU with a tiny model (the demo config at 64 px), 2
iterations, compile backend 'eager', batch 2: what CI checks.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
import time
import traceback

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmpretrain.apis import get_model

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import train_throughput  # noqa: E402
from common import pipeline_size, synthfashion_at, timed  # noqa: E402

import mmfashion_attr  # noqa: E402,F401
from mmfashion_attr.apis.attribute_inferencer import model_tasks  # noqa
from mmfashion_attr.deployment import ScoresModel  # noqa: E402
from mmfashion_attr.utils.run_records import git_commit, machine  # noqa

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = osp.join(ROOT, 'configs', 'demo', 'synthfashion_effv2atto_fpn_cbam.py')


def train_step(args, compile_model: bool) -> dict:
    targs = argparse.Namespace(
        config=args.config, amp=not args.dry_run, amp_dtype='bfloat16',
        channels_last=True, compile=compile_model,
        compile_backend=args.compile_backend, batch_size=args.train_batch,
        iters=args.iters, warmup=args.warmup, workers=args.workers,
        in_memory_data=False, size=args.size, device=args.device)
    cfg = train_throughput.prepare(targs)
    out = dict(batch=targs.batch_size, amp=targs.amp and 'bfloat16',
               channels_last=True,
               compile=compile_model and args.compile_backend)
    try:
        runner_ips, data_share, runner = train_throughput.runner_throughput(
            cfg, targs)
        out.update(runner_img_s=runner_ips, data_wait_share=data_share)
        loader = runner.train_dataloader
    except Exception as e:  # the plain loop is still measured
        out['runner_error'] = f'{type(e).__name__}: {e}'[:1500]
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            loader = Runner.build_dataloader(cfg.train_dataloader)
    out['plain_img_s'] = train_throughput.plain_throughput(cfg, targs, loader)
    if 'runner_img_s' in out:
        out['ratio'] = out['runner_img_s'] / out['plain_img_s']
    return out


def timed_ms(fn, iters, warmup, sync) -> dict:
    """Median and range of milliseconds per call (common.timed)."""
    ms = 1000 * timed(fn, iters, warmup, sync)
    return dict(ms_median=float(np.median(ms)), ms_min=float(ms.min()),
                ms_max=float(ms.max()), calls=iters)


def scores_model(args):
    cfg = Config.fromfile(args.config)
    data = synthfashion_at(args.size or 64, 1)
    cfg.model.head.schema_file = osp.join(data, 'schema.json')
    cfg.model.backbone.init_cfg = None  # random weights: speed only
    model = get_model(cfg, device=args.device).eval()
    return ScoresModel(model).to(memory_format=torch.channels_last), model


def latency_steps(args) -> dict:
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: 0)
    model, classifier = scores_model(args)
    size = args.size or train_throughput.pipeline_size(
        Config.fromfile(args.config).test_dataloader.dataset.pipeline)
    one = torch.randint(0, 256, (1, 3, size, size), dtype=torch.uint8,
                        device=device)
    half = dict(device_type=device.type, enabled=not args.dry_run,
                dtype=torch.float16)
    out = {}

    def eager():
        with torch.inference_mode(), torch.autocast(**half):
            return model(one)

    out['b1_eager_fp16'] = timed_ms(eager, args.iters, args.warmup, sync)
    compiled = torch.compile(model, backend=args.compile_backend)

    def run_compiled():
        with torch.no_grad(), torch.autocast(**half):
            return compiled(one)

    out['b1_compiled'] = dict(
        timed_ms(run_compiled, args.iters, args.warmup, sync),
        backend=args.compile_backend)
    if device.type == 'cuda':
        static = one.clone()
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream), torch.no_grad(), \
                torch.autocast(**half):
            for _ in range(3):
                model(static)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph), torch.no_grad(), \
                torch.autocast(**half):
            model(static)
        out['b1_cuda_graph'] = timed_ms(graph.replay, args.iters,
                                        args.warmup, sync)
    else:
        out['b1_cuda_graph'] = dict(skipped='needs CUDA')
    out['b1_onnxruntime'] = onnxruntime_step(args, classifier, size)
    batch = torch.randint(0, 256, (args.batch, 3, size, size),
                          dtype=torch.uint8, device=device)

    def throughput():
        with torch.inference_mode(), torch.autocast(**half):
            return model(batch)

    result = timed_ms(throughput, max(args.iters // 4, 2), 1, sync)
    result['img_s'] = args.batch * 1000 / result['ms_median']
    out[f'b{args.batch}_eager_fp16'] = result
    return out


def onnxruntime_step(args, classifier, size) -> dict:
    try:
        from mmfashion_attr.deployment import OnnxRuntimeModel, export_onnx
        path = osp.join(tempfile.mkdtemp(), 'model.onnx')
        export_onnx(ScoresModel(classifier).float().cpu(), path,
                    (size, size), model_tasks(classifier))
        runtime = OnnxRuntimeModel(path, args.device)
    except (ImportError, RuntimeError) as e:
        return dict(skipped=f'{type(e).__name__}: {e}')
    finally:
        classifier.to(args.device)
    image = torch.randint(0, 256, (1, 3, size, size),
                          dtype=torch.uint8).numpy()
    providers = runtime.session.get_providers()
    return dict(timed_ms(lambda: runtime.scores(image), args.iters,
                         args.warmup, lambda: 0), fp='fp32 export',
                providers=providers)


def catalog_step(args) -> dict:
    """Step 4: images/s end to end per path on ``args.device``."""
    import contextlib

    import catalog_throughput as ct

    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.apis.attribute_inferencer import test_pipeline
    data = synthfashion_at(args.jpeg_size, args.catalog_images,
                           detail_scale='photo')
    folder = osp.join(data, 'images', 'train')
    paths = sorted(osp.join(folder, f) for f in os.listdir(folder))
    work = tempfile.mkdtemp(prefix='mmfa_gpu_catalog_')
    model, cfg_file, ckpt = ct.random_model(ct.LITE0, data, work, 'lite0')
    cfg = Config.fromfile(cfg_file)
    loader = argparse.Namespace(batch_size=args.catalog_batch,
                                workers=args.workers)
    cuda = torch.device(args.device).type == 'cuda'

    def speeds(run, context=contextlib.nullcontext):
        with context():
            run(paths[:loader.batch_size])  # warm-up
            seconds = [run(paths) for _ in range(args.catalog_repeats)]
        ips = [len(paths) / s for s in seconds]
        return dict(img_s_median=float(np.median(ips)), img_s_min=min(ips),
                    img_s_max=max(ips), repeats=len(ips))

    def end_to_end(inferencer):
        return lambda p: ct.end_to_end(inferencer, p, loader, work)

    out = dict(images=len(paths), jpeg_px=args.jpeg_size,
               batch=loader.batch_size, workers=loader.workers)
    pytorch = AttributeInferencer(cfg_file, ckpt, device=args.device)
    out['pytorch_fp32'] = speeds(end_to_end(pytorch))
    out['pytorch_fp16_autocast'] = speeds(
        end_to_end(pytorch), lambda: torch.autocast('cuda', torch.float16)
    ) if cuda else dict(skipped='fp16 autocast: CUDA only')
    try:
        import onnxruntime as ort
        providers = ort.get_available_providers()
        size = pipeline_size(cfg.test_dataloader.dataset.pipeline)
        onnx = ct.export('onnxruntime', model.float().cpu(), size, None,
                         work, {})
        runtime = AttributeInferencer(cfg_file, onnx, device=args.device,
                                      backend='onnxruntime')
        out['onnxruntime'] = dict(speeds(end_to_end(runtime)),
                                  providers=runtime.model.session
                                  .get_providers())
    except (ImportError, RuntimeError) as e:
        providers = []
        out['onnxruntime'] = dict(skipped=f'{type(e).__name__}: {e}')
    out['tensorrt'] = dict(
        skipped='TensorRT through ONNX Runtime is not wired into '
        f'OnnxRuntimeModel yet; providers here: {providers}')
    out['decode_only'] = speeds(
        lambda p: ct.decode_only(test_pipeline(cfg), p, loader))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config',
                        default=osp.join(ROOT, 'configs',
                                         'effv2m_fpn_cbam.py'))
    parser.add_argument('--out', default='gpu_suite.json')
    parser.add_argument('--dry-run', action='store_true',
                        help='CPU, tiny model, 2 iterations (CI)')
    args = parser.parse_args()
    if args.dry_run:
        args.config, args.device, args.size = DEMO, 'cpu', 64
        args.iters, args.warmup, args.train_batch, args.batch = 2, 1, 2, 2
        args.workers, args.compile_backend = 0, 'eager'
        args.jpeg_size, args.catalog_images = 64, 4
        args.catalog_batch, args.catalog_repeats = 2, 1
    else:
        if not torch.cuda.is_available():
            parser.error('no CUDA device: run with --dry-run')
        args.device, args.size = 'cuda', None
        args.iters, args.warmup, args.train_batch, args.batch = 30, 10, 32, \
            256
        args.workers = min(8, os.cpu_count() or 1)
        args.compile_backend = 'inductor'
        args.jpeg_size, args.catalog_images = 1000, 256
        args.catalog_batch, args.catalog_repeats = 32, 3
    result = dict(suite='gpu_suite', dry_run=args.dry_run,
                  config=osp.relpath(args.config, ROOT), machine=machine(),
                  commit=os.environ.get('MMFA_COMMIT') or git_commit(),
                  date=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                  steps={})
    # cheapest first; the file is rewritten after every step, so a run cut
    # off at its time limit still returns the steps it finished
    steps = [('inference', lambda: latency_steps(args)),
             ('catalog_end_to_end', lambda: catalog_step(args)),
             ('train_eager', lambda: train_step(args, False)),
             ('train_compiled', lambda: train_step(args, True))]
    for name, step in steps:
        start = time.perf_counter()
        try:
            result['steps'][name] = step()
        except Exception as e:  # one failing step must not lose the others
            result['steps'][name] = dict(
                error=f'{type(e).__name__}: {e}',
                traceback=traceback.format_exc()[-2000:])
        result['steps'][name + '_seconds'] = time.perf_counter() - start
        print(f'[gpu_suite] {name}: '
              f'{json.dumps(result["steps"][name])[:300]}', flush=True)
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=1)
    print(f'[gpu_suite] wrote {args.out}')
    failed = [k for k, v in result['steps'].items()
              if isinstance(v, dict) and 'error' in v]
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
