"""A bounded load test of the HTTP service (tools/serve.py) on 127.0.0.1,
beside the direct inferencer at the same batch size, in one run: for each
number N of client threads and each --max-batch B up to the images in
flight (N x --images-per-request), the service's images/s and p50 / p95 /
p99 request latency over --repeats repetitions of --requests requests
(median and min-max over the repetitions, after a warm-up), its mean
micro-batch, the ratio of its median to the inferencer's at batch B, and
the CPU time per image of the service's process (beside the
inferencer's) and of the clients. With B = the images in flight the
clients wait for the batch their own requests are in (decoding cannot
overlap the model); with fewer the next batch decodes while one runs.

    python benchmarks/serve_load.py [--config CFG] [--checkpoint CKPT]
        [--requests 200] [--images-per-request 1]
        [--concurrency 8 16 32] [--repeats 3]
        [--max-batch 8 16 32] [--max-wait-ms 10] [--max-fill-ms 50]
        [--loop auto|asyncio|uvloop] [--torch-threads N]
        [--out FILE]

The server runs in its own process (started and stopped here); each
request carries --images-per-request SynthFashion JPEGs at the test
pipeline's size, sent by light clients (kept-alive sockets, requests
built beforehand: :func:`run_load`); the reference is AttributeInferencer
on as many of the same JPEGs in this process (batch 1 and batch B,
decoding in line, on a worker thread as the service's model calls).
Without --checkpoint the model has random weights (speed does not depend
on them). The load average is printed before each measurement: on a
shared machine the figures are indicative.
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
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
import requests
import torch
from mmengine.config import Config
from mmpretrain.apis import get_model

import mmfashion_attr  # noqa: F401
from common import output_to, pipeline_size, spread, synthfashion_at
from mmfashion_attr.utils.run_records import git_commit, machine
from mmfashion_attr.apis import AttributeInferencer
from mmfashion_attr.utils.cli import (add_malloc_argument,
                                      apply_malloc_argument)

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


def start_server(config, checkpoint, max_batch, max_wait_ms,
                 max_fill_ms=50.0, malloc='tuned', loop='auto',
                 torch_threads=None):
    """tools/serve.py in a subprocess; its URL once /healthz answers."""
    port = free_port()
    threads = [] if torch_threads is None else [
        '--torch-threads', str(torch_threads)]
    proc = subprocess.Popen(
        [sys.executable, osp.join(ROOT, 'tools', 'serve.py'), config,
         checkpoint, '--port', str(port), '--max-batch', str(max_batch),
         '--max-wait-ms', str(max_wait_ms), '--max-fill-ms',
         str(max_fill_ms), '--malloc', malloc, '--loop', loop,
         '--log-level', 'warning', *threads],
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


def multipart_body(images) -> tuple:
    """Images ``[(name, content), ...]`` as one multipart/form-data body
    -> (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = [(f'--{boundary}\r\nContent-Disposition: form-data; '
              f'name="images"; filename="{name}"\r\n'
              'Content-Type: application/octet-stream\r\n\r\n').encode() +
             content + b'\r\n' for name, content in images]
    body = b''.join(parts) + f'--{boundary}--\r\n'.encode()
    return body, f'multipart/form-data; boundary={boundary}'


class KeepAliveClient:
    """One kept-alive HTTP/1.1 connection sending prebuilt requests and
    reading each answer by its Content-Length: a few lines of Python per
    request, where ``http.client`` parses every header into a message
    object (the clients share the cores with the service; in the clients'
    process their Python runs one thread at a time)."""

    def __init__(self, host: str, port: int, timeout: float = 120.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def exchange(self, request: bytes) -> tuple:
        """Send ``request`` whole -> (status, body)."""
        self.sock.sendall(request)
        data = b''
        while b'\r\n\r\n' not in data:
            data += self._recv()
        head, _, body = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        headers = dict(line.split(':', 1) for line in lines[1:])
        headers = {k.strip().lower(): v.strip() for k, v in headers.items()}
        if 'content-length' not in headers:
            raise RuntimeError(f'an answer without Content-Length: {head!r}')
        length = int(headers['content-length'])
        while len(body) < length:
            body += self._recv()
        if headers.get('connection', '').lower() == 'close':
            self.sock.close()
        return int(lines[0].split()[1]), body

    def _recv(self) -> bytes:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError('the service closed the connection')
        return chunk


def post_request(host: str, port: int, path: str, body: bytes,
                 content_type: str) -> bytes:
    """A POST as bytes, ready to send again and again."""
    return (f'POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n'
            f'Content-Type: {content_type}\r\n'
            f'Content-Length: {len(body)}\r\n\r\n').encode() + body


def run_load(url, images, num_requests, concurrency, per_request=1):
    """``num_requests`` requests of ``per_request`` images each (the
    next ones of ``images``, round the list) from ``concurrency`` threads
    -> (images/s, latencies in ms). The clients share the machine's cores
    with the service, so they are kept light: one kept-alive connection
    per thread (:class:`KeepAliveClient`), requests built beforehand, the
    answer read whole and its status checked."""
    host, port = url.rsplit('//', 1)[1].split(':')
    groups = [[images[(i * per_request + j) % len(images)]
               for j in range(per_request)] for i in range(len(images))]
    posts = [post_request(host, int(port), '/v1/attributes',
                          *multipart_body(group)) for group in groups]
    local, clients = threading.local(), []

    def one(i):
        if not hasattr(local, 'client'):
            local.client = KeepAliveClient(host, int(port))
            clients.append(local.client)
        start = time.perf_counter()
        status, answer = local.client.exchange(posts[i % len(posts)])
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f'{groups[i % len(groups)][0][0]}: '
                               f'{status} {answer[:200]!r}')
        return elapsed * 1000

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = np.array(list(pool.map(one, range(num_requests))))
    rate = num_requests * per_request / (time.perf_counter() - start)
    for client in clients:
        client.sock.close()
    return rate, latencies


def service_run(config, checkpoint, images, args, concurrency, max_batch,
                say):
    """The service at one concurrency and --max-batch: images/s per
    repetition, the p50/p95/p99 latencies (repetitions x 3), the mean
    batch size and what it cost inside: the model call's mean time, CPU
    time per image of the service's process and of the clients (this
    process), page faults."""
    proc, url = start_server(config, checkpoint, max_batch,
                             args.max_wait_ms, args.max_fill_ms, args.malloc,
                             args.loop, args.torch_threads)
    try:
        per_request = args.images_per_request
        run_load(url, images, 2 * concurrency, concurrency,
                 per_request)  # warm-up
        before = requests.get(url + '/healthz').json()['batch_sizes']
        calls_before = model_call_seconds(url)
        faults_before = minor_faults(proc.pid)
        service = requests.get(url + '/v1/schema').json()['service']
        say(f'service, {concurrency} clients, --max-batch {max_batch}, '
            f'event loop {service["event_loop"]}, '
            f'{service["torch_threads"]} torch threads: {load()}')
        # the clients' CPU: this process's, all threads
        cpu_before, clients_before = process_cpu(proc.pid), \
            time.process_time()
        rates, lat = [], []
        for _ in range(args.repeats):
            rate, latencies = run_load(url, images, args.requests,
                                       concurrency, per_request)
            rates.append(rate)
            lat.append(np.percentile(latencies, [50, 95, 99]))
        after = requests.get(url + '/healthz').json()['batch_sizes']
        faults = minor_faults(proc.pid) - faults_before
        cpu = process_cpu(proc.pid) - cpu_before
        clients = time.process_time() - clients_before
        calls_after = model_call_seconds(url)
    finally:
        proc.terminate()
        proc.wait(30)
    calls = {int(k): v - before.get(k, 0) for k, v in after.items()}
    mean_batch = sum(k * v for k, v in calls.items()) / max(
        sum(calls.values()), 1)
    seconds, count = (a - b for a, b in zip(calls_after, calls_before))
    images = args.repeats * args.requests * per_request
    return rates, np.array(lat), mean_batch, dict(
        faults_per_image=faults / images,
        call_ms=1000 * seconds / max(count, 1),
        cpu_ms=1000 * cpu / images, clients_cpu_ms=1000 * clients / images)


def proc_stat(pid: int) -> list:
    """The fields of ``/proc/PID/stat`` after the command name (Linux),
    from the state on: minflt is [7], utime [11], stime [12]."""
    with open(f'/proc/{pid}/stat') as f:
        return f.read().rsplit(')', 1)[1].split()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) of a process so far."""
    fields = proc_stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def minor_faults(pid: int) -> int:
    """The process's minor page faults so far."""
    return int(proc_stat(pid)[7])


def model_call_seconds(url: str) -> tuple:
    """(seconds, calls) of the service's model calls so far (/metrics)."""
    values = {}
    for line in requests.get(url + '/metrics').text.splitlines():
        name, _, value = line.partition(' ')
        if name.startswith('mmfashion_attr_model_call_seconds_'):
            values[name.rsplit('_', 1)[1]] = float(value)
    return values['sum'], values['count']


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default=DEMO)
    parser.add_argument('--checkpoint', default=None)
    parser.add_argument('--requests', type=int, default=200)
    parser.add_argument('--images-per-request', type=int, default=1,
                        help='images in each request (1-16: the '
                        "service's --max-images)")
    parser.add_argument('--concurrency', type=int, nargs='+',
                        default=[8, 16, 32])
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--max-batch', type=int, nargs='+',
                        default=[8, 16, 32],
                        help='each value up to the images in flight '
                        '(clients x --images-per-request)')
    parser.add_argument('--max-wait-ms', type=float, default=10.0)
    parser.add_argument('--max-fill-ms', type=float, default=50.0)
    parser.add_argument('--loop', default='auto',
                        choices=['auto', 'asyncio', 'uvloop'],
                        help="the service's event loop (tools/serve.py)")
    parser.add_argument('--torch-threads', type=int, default=None,
                        help="PyTorch's intra-op threads, in the service "
                        "(tools/serve.py --torch-threads) and here (default: "
                        "torch's own)")
    add_malloc_argument(parser)  # the service's, and the same here
    parser.add_argument('--out', default=None,
                        help='also write the output to this file')
    args = parser.parse_args()
    if not 1 <= args.images_per_request <= 16:
        parser.error(f'--images-per-request {args.images_per_request}: '
                     "1-16 (the service's --max-images)")
    say = output_to(args.out)
    malloc = apply_malloc_argument(args)
    if args.torch_threads is not None:
        torch.set_num_threads(args.torch_threads)

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

    say(f'{datetime.now().isoformat(timespec="seconds")}, '
        f'{platform.node()}, {machine()} ({torch.get_num_threads()} '
        f'torch threads), commit {git_commit()}, '
        f'{osp.relpath(args.config, ROOT)} at {size} px, ' +
        (f'checkpoint {args.checkpoint}' if args.checkpoint
         else 'random weights'))
    per_request = args.images_per_request
    say(f'{args.requests} requests of {per_request} image'
        f'{"s" if per_request > 1 else ""} from N client threads to '
        f'the service at --max-batch B --max-wait-ms {args.max_wait_ms:g} '
        f'--max-fill-ms {args.max_fill_ms:g}; '
        'the inferencer in-process on the same JPEGs at batch B; '
        f'{args.repeats} repetitions after a warm-up, median (min-max) over '
        'them')
    say(f'--malloc {args.malloc} in the service and here ({malloc}: '
        'mmfashion_attr/utils/malloc_tuning.py); the service\'s event loop: '
        f'--loop {args.loop} (the one in use: each service line)')
    inferencer = AttributeInferencer(config, checkpoint)
    num_images = args.requests * per_request  # the inferencer's, per run
    todo = [paths[i % len(paths)] for i in range(num_images)]
    reference, cpu_ms, said = {}, {}, []
    for bs in sorted({1, *args.max_batch}):
        say(f'inferencer batch {bs}: {load()}')
        on_worker_thread(lambda: inferencer(paths[:bs], batch_size=bs,
                                            num_workers=0))  # warm-up
        faults, cpu = minor_faults(os.getpid()), time.process_time()
        reference[bs] = [num_images / on_worker_thread(
            lambda: inferencer(todo, batch_size=bs, num_workers=0))
            for _ in range(args.repeats)]
        faults = minor_faults(os.getpid()) - faults
        cpu_ms[bs] = 1000 * (time.process_time() - cpu) / (
            args.repeats * num_images)
        said.append(f'inferencer, batch {bs}: CPU {cpu_ms[bs]:.2f} ms per '
                    f'image, {faults / (args.repeats * num_images):.0f} '
                    'minor page faults per image')
    rows = [(f'AttributeInferencer, batch {bs}', rates, None, '', '')
            for bs, rates in reference.items()]
    for c in args.concurrency:
        for b in (b for b in args.max_batch if b <= c * per_request):
            rates, lat, mean_batch, inside = service_run(
                config, checkpoint, images, args, c, b, say)
            ratio = np.median(rates) / np.median(reference[b])
            rows.append((f'service, {c} clients, B={b}', rates, lat,
                         f'{mean_batch:.1f}', f'{ratio:.2f}x'))
            said.append(f'service, {c} clients, B={b}: model call '
                        f'{inside["call_ms"]:.1f} ms on average; CPU per '
                        f'image {inside["cpu_ms"]:.2f} ms in the service '
                        f'({inside["cpu_ms"] - cpu_ms[b]:+.2f} over the '
                        f'inferencer at batch {b}) and '
                        f'{inside["clients_cpu_ms"]:.2f} ms in the clients; '
                        f'{inside["faults_per_image"]:.0f} minor page '
                        'faults per image in the service process')
    say(f'after: {load()}')
    say()
    say(f'{"path":<34}{"images/s":>22}{"p50 ms":>22}{"p95 ms":>22}'
        f'{"p99 ms":>22}{"mean batch":>12}{"vs batch B":>12}')
    for name, rates, lat, batch, ratio in rows:
        cells = ['', '', ''] if lat is None else [
            spread(lat[:, k]) for k in range(3)]
        say(f'{name:<34}{spread(rates):>22}' +
            ''.join(f'{c:>22}' for c in cells) + f'{batch:>12}{ratio:>12}')
    say()
    for line in said:
        say(line)


if __name__ == '__main__':
    main()
