"""Serve a trained attribute model over HTTP (FastAPI + uvicorn).

    python tools/serve.py CONFIG CKPT [--backend B [--backend-threads N]]
        [--torch-threads N]
        [--host 127.0.0.1 --port 8000] [--max-batch 32 --max-wait-ms 10]
        [--max-fill-ms 50]
        [--max-images 16 --max-image-mb 20 --max-megapixels 50]
        [--max-decode-mb 300 --decode-workers 2 --max-queued-images 64]
        [--request-memory-mb 600 --body-timeout 120 --body-idle-timeout 15]
        [--header-timeout 10 --max-connections 1000]
        [--thresholds F] [--garment-detector NPZ [--garment-score S]]
        [--topk 5] [--device cpu] [--drain-seconds 10] [--malloc tuned]
        [--no-docs] [--cfg-options K=V ...]

Endpoints: POST /v1/attributes (multipart files, or JSON
{"images": [base64 | {"name", "data"}], "known": {...}}), GET /v1/schema,
GET /healthz (liveness), GET /readyz (readiness), GET /metrics
(Prometheus), GET /docs and /redoc (their assets served by the service
itself: they work offline), GET /openapi.json. SIGTERM or SIGINT: a
graceful shutdown (no new connections, requests in flight answered with
Connection: close, exit 0 within --drain-seconds + 2 s). Memory is
bounded: requests can make the service hold at most --request-memory-mb
+ --decode-workers x --max-decode-mb + --max-queued-images x one decoded
image + 64 MiB above its idle state (GET /v1/schema: memory_cap_bytes);
beyond, 503 overloaded with Retry-After. A connection must send its
request headers whole within --header-timeout of opening (on a kept-alive
one: of the request's first byte; idle between requests, uvicorn's 5 s
keep-alive timeout applies), else it is closed (408 header_timeout if part
of a request came); at most --max-connections are open (one more: 503
overloaded; the open-files limit is raised to fit). At startup the checkpoint must
fit the config (exit 2 naming the keys that do not) and the model must
answer a test image. One process is
one replica; run several behind a load balancer to use more cores. Needs
the serve extra: pip install -e .[serve]. --backend (pytorch,
onnxruntime, onnxruntime-int8, openvino, openvino-int8): with any but
pytorch, CKPT is a tools/deployment/export_backend.py file of that backend
(onnxruntime: also a pytorch2onnx.py file) and --backend-threads its
runtime's threads (default: the runtime's own).
"""
import argparse
import atexit
import os
import sys

import torch
from mmengine.config import Config, DictAction

import mmfashion_attr  # noqa: F401
from mmfashion_attr.deployment.backends import BACKENDS
from mmfashion_attr.serving import ServeLimits, build_predictor, create_app
from mmfashion_attr.serving.server import allow_open_files, run_service
from mmfashion_attr.serving.startup import startup_check
from mmfashion_attr.utils.cli import (add_garment_arguments,
                                      add_malloc_argument,
                                      apply_malloc_argument, run_main)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--backend', default='pytorch', choices=BACKENDS)
    parser.add_argument('--backend-threads', type=int, default=None,
                        help='threads of the onnxruntime / openvino '
                        "backends (default: the runtime's own)")
    parser.add_argument('--torch-threads', type=int, default=None,
                        help="PyTorch's intra-op threads in the service "
                        "(torch.set_num_threads; default: torch's own, "
                        'one per core); see docs/inference_and_deployment'
                        '.md for when fewer are faster')
    parser.add_argument('--device', default=None, help='default: cpu')
    parser.add_argument('--thresholds', default=None,
                        help='a float or a calibrate_thresholds.py file '
                        "(default: the config's test_evaluator)")
    add_garment_arguments(parser)
    add_malloc_argument(parser)
    parser.add_argument('--topk', type=int, default=5,
                        help='M2Fashion: categories / attributes per image')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8000)
    parser.add_argument('--max-batch', type=int, default=32,
                        help='most images per model call (1: no batching)')
    parser.add_argument('--max-wait-ms', type=float, default=10.0,
                        help='how long a batch waits to fill up')
    parser.add_argument('--max-fill-ms', type=float, default=50.0,
                        help='how long a batch that is not full waits for '
                        'images already received and being decoded')
    parser.add_argument('--max-images', type=int, default=16,
                        help='images per request')
    parser.add_argument('--max-image-mb', type=float, default=20.0,
                        help='size of one image file (MB, 10^6 bytes)')
    parser.add_argument('--max-megapixels', type=float, default=50.0,
                        help='width x height of one image (10^6 pixels)')
    parser.add_argument('--max-decode-mb', type=float, default=300.0,
                        help='memory decoding one image may take (MB), '
                        'estimated from its header before decoding')
    parser.add_argument('--decode-workers', type=int, default=2,
                        help='images decoded at once')
    parser.add_argument('--max-queued-images', type=int, default=64,
                        help='images admitted and not yet answered; more: '
                        '503 overloaded')
    parser.add_argument('--request-memory-mb', type=float, default=600.0,
                        help='memory the bodies of all requests and their '
                        'images may hold at once (MB); more: 503 overloaded')
    parser.add_argument('--body-timeout', type=float, default=120.0,
                        help='seconds for a request body to arrive whole')
    parser.add_argument('--body-idle-timeout', type=float, default=15.0,
                        help='seconds a request body may send nothing')
    parser.add_argument('--header-timeout', type=float, default=10.0,
                        help='seconds from a connection (kept-alive: from '
                        "the request's first byte) to its request headers "
                        'received whole; else closed (slow clients)')
    parser.add_argument('--max-connections', type=int, default=1000,
                        help='connections open at once; one more: 503 '
                        'overloaded')
    parser.add_argument('--drain-seconds', type=float, default=10.0,
                        help='on SIGTERM / SIGINT: how long requests in '
                        'flight may still be answered before exiting')
    parser.add_argument('--docs', action=argparse.BooleanOptionalAction,
                        default=True, help='serve /docs and /redoc '
                        '(their assets from the service: offline)')
    parser.add_argument('--loop', default='auto',
                        choices=['auto', 'asyncio', 'uvloop'],
                        help="the event loop (uvicorn's --loop): auto takes "
                        'uvloop when it is installed')
    parser.add_argument('--log-level', default='info')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries, e.g. '
                        'model.head.schema_file=data/x/schema.json')
    return parser.parse_args()


def main():
    args = parse_args()
    # freed activations kept for the next batch (page faults: module doc)
    malloc = apply_malloc_argument(args)
    if args.torch_threads is not None:
        if args.torch_threads < 1:
            sys.exit(f'--torch-threads {args.torch_threads}: at least 1')
        torch.set_num_threads(args.torch_threads)  # the model's thread too
    try:
        limits = ServeLimits(
            max_images=args.max_images,
            max_image_bytes=int(args.max_image_mb * 1e6),
            max_image_pixels=int(args.max_megapixels * 1e6),
            max_decode_bytes=int(args.max_decode_mb * 1e6),
            decode_workers=args.decode_workers,
            max_queued_images=args.max_queued_images,
            request_memory_bytes=int(args.request_memory_mb * 1e6),
            body_timeout=args.body_timeout,
            body_idle_timeout=args.body_idle_timeout,
            header_timeout=args.header_timeout,
            max_connections=args.max_connections)
        allow_open_files(limits.max_connections)
    except ValueError as e:
        sys.exit(str(e))
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    predictor = build_predictor(cfg, args.checkpoint, args.backend,
                                args.device, args.thresholds, args.topk,
                                args.garment_detector, args.garment_score,
                                args.backend_threads)
    # the checkpoint fits the config (strict loading: build_predictor
    # raises naming the keys); the model answers a test image
    startup_check(predictor, args.config)
    app = create_app(predictor, limits, args.max_batch, args.max_wait_ms,
                     docs=args.docs, max_fill_ms=args.max_fill_ms)
    print(f'serving {args.config} ({args.backend}) on '
          f'http://{args.host}:{args.port} (malloc thresholds: {malloc})',
          flush=True)
    # h11 (unparsable requests answered by the JSON error too, graceful
    # closes) and the graceful shutdown: mmfashion_attr/serving/server.py
    run_service(app, args.host, args.port, args.drain_seconds,
                args.log_level, loop=args.loop)
    exit_now()


def exit_now() -> None:
    """Exit 0 after the exit handlers, without the interpreter's teardown
    of every module, which takes seconds with torch and the mm* packages
    loaded (3.5-7 s measured on a busy 2-core machine): the shutdown then
    ends with the drain."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == '__main__':
    run_main(main)
