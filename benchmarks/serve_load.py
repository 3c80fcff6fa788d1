"""A bounded load test of the HTTP service (tools/serve.py) on 127.0.0.1,
beside the direct inferencer, in one run: images/s and p50 / p95 / p99
request latency with micro-batching (--max-batch) and without (1), each
over --repeats repetitions of --requests requests from --concurrency client
threads (median and min-max over the repetitions), after a warm-up.

    python benchmarks/serve_load.py [--config CFG] [--checkpoint CKPT]
        [--requests 200] [--concurrency 8] [--repeats 3]
        [--max-batch 32] [--max-wait-ms 10]

The server runs in its own process (started and stopped here), one image
(SynthFashion JPEG at the test pipeline's size) per request; the reference
is AttributeInferencer on the same JPEGs in this process (batch 1 and
batch --max-batch, decoding in-process, on a worker thread as the
service's model calls). Without --checkpoint the model has
random weights (speed does not depend on them). The load average is printed
before each measurement: on a shared machine the figures are indicative.
"""
import argparse
import os
import os.path as osp
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
import requests
import torch
from mmengine.config import Config
from mmpretrain.apis import get_model

import mmfashion_attr  # noqa: F401
from common import pipeline_size, spread, synthfashion_at
from mmfashion_attr.apis import AttributeInferencer

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO = osp.join(ROOT, 'configs', 'demo', 'synthfashion_effv2atto_fpn_cbam.py')


def load() -> str:
    return 'load average %.2f %.2f %.2f' % os.getloadavg()


def on_worker_thread(fn) -> float:
    """Seconds ``fn()`` takes on a new thread, as the service's model calls
    run: on this loaded 2-core machine, torch called from the main thread
    ran 10-100x slower (OpenMP spin-waiting; 0.3-3 vs 35-100 images/s)."""
    took = []

    def run():
        start = time.perf_counter()
        fn()
        took.append(time.perf_counter() - start)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return took[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start_server(config, checkpoint, max_batch, max_wait_ms):
    """tools/serve.py in a subprocess; its URL once /healthz answers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, osp.join(ROOT, 'tools', 'serve.py'), config,
         checkpoint, '--port', str(port), '--max-batch', str(max_batch),
         '--max-wait-ms', str(max_wait_ms), '--log-level', 'warning'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
        stdout=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f'tools/serve.py exited ({proc.returncode})')
        try:
            if requests.get(url + '/healthz', timeout=1).ok:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError('tools/serve.py did not come up in 180 s')


def run_load(url, images, num_requests, concurrency):
    """``num_requests`` one-image requests from ``concurrency`` threads ->
    (images/s, latencies in ms)."""
    local = threading.local()  # one keep-alive connection per thread

    def one(i):
        name, content = images[i % len(images)]
        if not hasattr(local, 'session'):
            local.session = requests.Session()
        session = local.session
        start = time.perf_counter()
        r = session.post(url + '/v1/attributes',
                         files=[('images', (name, content))], timeout=120)
        elapsed = time.perf_counter() - start
        if r.status_code != 200:
            raise RuntimeError(f'{name}: {r.status_code} {r.text[:200]}')
        return elapsed * 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = np.array(list(pool.map(one, range(num_requests))))
    return num_requests / (time.perf_counter() - start), latencies


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEMO)
    parser.add_argument('--checkpoint', default=None)
    parser.add_argument('--requests', type=int, default=200)
    parser.add_argument('--concurrency', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--max-batch', type=int, default=32)
    parser.add_argument('--max-wait-ms', type=float, default=10.0)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp()
    cfg = Config.fromfile(args.config)
    size = pipeline_size(cfg.test_dataloader.dataset.pipeline)
    data = synthfashion_at(size, 64)
    if not cfg.model.head.get('schema_file') or not osp.exists(
            cfg.model.head.schema_file):
        cfg.model.head.schema_file = osp.join(data, 'schema.json')
    cfg.model.backbone.init_cfg = None  # nothing to download
    config = osp.join(tmp, osp.basename(args.config))
    cfg.dump(config)
    checkpoint = args.checkpoint
    if checkpoint is None:
        torch.manual_seed(0)
        model = get_model(cfg)
        checkpoint = osp.join(tmp, 'random.pth')
        torch.save(dict(state_dict=model.state_dict()), checkpoint)
    folder = osp.join(data, 'images', 'train')
    paths = sorted(osp.join(folder, f) for f in os.listdir(folder))
    images = [(osp.basename(p), open(p, 'rb').read()) for p in paths]

    print(f'{datetime.now().isoformat(timespec="seconds")}, '
          f'{platform.node()}, {os.cpu_count()} CPUs, torch '
          f'{torch.__version__} ({torch.get_num_threads()} threads), '
          f'{osp.basename(args.config)} at {size} px, '
          + (f'checkpoint {args.checkpoint}' if args.checkpoint
             else 'random weights'))
    print(f'{args.requests} requests of 1 image from {args.concurrency} '
          f'client threads, {args.repeats} repetitions after a warm-up; '
          'median (min-max) over the repetitions')
    rows = []

    inferencer = AttributeInferencer(config, checkpoint)
    todo = [paths[i % len(paths)] for i in range(args.requests)]
    for bs in (1, args.max_batch):
        print(f'inferencer batch {bs}: {load()}', flush=True)
        on_worker_thread(lambda: inferencer(paths[:bs], batch_size=bs,
                                            num_workers=0))  # warm-up
        rates = [args.requests / on_worker_thread(lambda: inferencer(
            todo, batch_size=bs, num_workers=0)) for _ in range(args.repeats)]
        rows.append((f'AttributeInferencer, batch {bs}, in-process', rates,
                     None, ''))

    for max_batch in (args.max_batch, 1):
        proc, url = start_server(config, checkpoint, max_batch,
                                 args.max_wait_ms)
        try:
            run_load(url, images, 2 * args.concurrency, args.concurrency)
            before = requests.get(url + '/healthz').json()['batch_sizes']
            print(f'service --max-batch {max_batch}: {load()}', flush=True)
            rates, lat = [], []
            for _ in range(args.repeats):
                rate, latencies = run_load(url, images, args.requests,
                                           args.concurrency)
                rates.append(rate)
                lat.append(np.percentile(latencies, [50, 95, 99]))
            after = requests.get(url + '/healthz').json()['batch_sizes']
        finally:
            proc.terminate()
            proc.wait(30)
        calls = {int(k): v - before.get(k, 0) for k, v in after.items()}
        mean_batch = sum(k * v for k, v in calls.items()) / max(
            sum(calls.values()), 1)
        rows.append((f'service, --max-batch {max_batch} --max-wait-ms '
                     f'{args.max_wait_ms:g}', rates, np.array(lat),
                     f'{mean_batch:.1f}'))
    print(f'after: {load()}')

    print(f'\n{"path":<48}{"images/s":>22}{"p50 ms":>22}{"p95 ms":>22}'
          f'{"p99 ms":>22}{"mean batch":>12}')
    for name, rates, lat, batch in rows:
        cells = ['', '', ''] if lat is None else [
            spread(lat[:, k]) for k in range(3)]
        print(f'{name:<48}{spread(rates):>22}' +
              ''.join(f'{c:>22}' for c in cells) + f'{batch:>12}')


if __name__ == '__main__':
    main()
