"""Bounded memory of ``tools/serve.py`` under concurrent hostile requests
(issue 30, items 2 and 8): the live server on 127.0.0.1 with a tiny model
and small limits gets, from 12 clients at once, small files that decode to
huge images (7000x7000 16-bit grey and RGBA PNGs of a few hundred kB),
images just under the decode budget (each really decoded), a chunked
upload without Content-Length past the size cap and a stalled body. Every
request must be refused with its documented 4xx / 503 and JSON body (or,
an image within the budget, answered), ``/healthz`` must answer within
:data:`HEALTH_BOUND` s throughout, and the server's peak RSS above its
idle RSS (``/proc/PID/status``, the peak reset before the attack) must stay
under the cap computed from its limits. Bounded: about 20 requests, about
a minute on a loaded 2-core machine."""
import http.client
import json
import os
import select
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib

import pytest

from tests.helpers.http_server import free_port, wait_until_up
from tests.helpers.tiny_config import (ROOT, save_tiny_checkpoint,
                                       write_tiny_config)

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')
requests = pytest.importorskip('requests')

MB = 1000 * 1000
MIB = 1 << 20
SIZE = 64  # the tiny config's input size: a decoded image is 3 x 64 x 64
# tools/serve.py's limits in this test, and the cap they make
LIMITS = dict(max_images=2, max_image_mb=2, max_megapixels=60,
              max_decode_mb=40, decode_workers=2, max_queued_images=4,
              request_memory_mb=8, body_timeout=5, body_idle_timeout=1)
CAP = (LIMITS['request_memory_mb'] * MB +
       LIMITS['decode_workers'] * LIMITS['max_decode_mb'] * MB +
       LIMITS['max_queued_images'] * 3 * SIZE * SIZE + 64 * MIB)
HEALTH_BOUND = 1.5  # seconds: /healthz during the attack
CLIENTS = 12
BOUNDARY = 'memoryboundary'


def flat_png(width: int, height: int, bit_depth: int,
             color_type: int) -> bytes:
    """A black PNG (0: grey, 6: RGBA), written row by row: a few hundred
    kB for 7000x7000, without holding the image."""
    channels = {0: 1, 2: 3, 6: 4}[color_type]
    row = b'\0' * (1 + width * channels * bit_depth // 8)
    deflate = zlib.compressobj(9)
    data = b''.join(deflate.compress(row) for _ in range(height))
    data += deflate.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack('>I', len(body)) + kind + body + struct.pack(
            '>I', zlib.crc32(kind + body))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack(
        '>IIBBBBB', width, height, bit_depth, color_type, 0, 0, 0)) +
        chunk(b'IDAT', data) + chunk(b'IEND', b''))


def multipart(files) -> bytes:
    body = b''
    for name, content in files:
        body += (f'--{BOUNDARY}\r\nContent-Disposition: form-data; '
                 f'name="images"; filename="{name}"\r\nContent-Type: '
                 'image/png\r\n\r\n').encode() + content + b'\r\n'
    return body + f'--{BOUNDARY}--\r\n'.encode()


def post(port: int, files) -> tuple:
    """A multipart POST on a new connection: (status, error code or None,
    the error's image, headers)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
    try:
        conn.request('POST', '/v1/attributes', multipart(files), {
            'Content-Type': f'multipart/form-data; boundary={BOUNDARY}'})
        response = conn.getresponse()
        body = json.loads(response.read())
        headers = {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()
    error = body.get('error') or {}
    return response.status, error.get('code'), error.get('image'), headers


def chunked_past_cap(port: int, total: int) -> tuple:
    """A chunked multipart upload without Content-Length of ``total``
    bytes, stopped when the answer arrives: (status, code, bytes sent)."""
    sent = 0
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        sock.sendall(b'POST /v1/attributes HTTP/1.1\r\nHost: x\r\n'
                     b'Content-Type: multipart/form-data; boundary=' +
                     BOUNDARY.encode() + b'\r\n'
                     b'Transfer-Encoding: chunked\r\n\r\n')
        part = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; '
                'name="images"; filename="big.png"\r\n\r\n').encode()
        sock.sendall(b'%x\r\n' % len(part) + part + b'\r\n')
        piece = b'\xab' * 65536
        chunk = b'%x\r\n' % len(piece) + piece + b'\r\n'
        try:
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = json.loads(response.read())
    return response.status, body['error']['code'], sent


def stalled_body(port: int) -> tuple:
    """10 of 1000 announced bytes, then silence: (status, code, seconds
    to the answer)."""
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        sock.sendall(b'POST /v1/attributes HTTP/1.1\r\nHost: x\r\n'
                     b'Content-Type: application/json\r\n'
                     b'Content-Length: 1000\r\n\r\n{"images":')
        start = time.monotonic()
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = json.loads(response.read())
    return response.status, body['error']['code'], time.monotonic() - start


def memory(pid: int) -> dict:
    """VmRSS and VmHWM (peak) of a process, in bytes."""
    with open(f'/proc/{pid}/status') as f:
        return {k: int(v.split()[0]) * 1024 for k, v in
                (line.split(':', 1) for line in f)
                if k in ('VmRSS', 'VmHWM')}


@pytest.fixture(scope='module')
def images(synth_root):
    per_pixel_16bit = 30  # serving/decode_cost.py, for grey 16-bit
    side = int(((LIMITS['max_decode_mb'] * MB - 8 * MIB) /
                per_pixel_16bit) ** 0.5) - 10
    with open(f'{synth_root}/images/test/000000.jpg', 'rb') as f:
        good = f.read()
    return dict(
        good=good,
        # 7000x7000: 49 megapixels (under --max-megapixels 60) that would
        # decode into 1.5 GB (16-bit grey) and 0.8 GB (RGBA)
        grey16=flat_png(7000, 7000, 16, 0), rgba=flat_png(7000, 7000, 8, 6),
        # just under the 40 MB decode budget: really decoded
        near=flat_png(side, side, 16, 0))


@pytest.fixture(scope='module')
def server(synth_root, tmp_path_factory):
    tmp = tmp_path_factory.mktemp('memory')
    config = write_tiny_config(tmp / 'tiny.py', synth_root, size=SIZE)
    ckpt = save_tiny_checkpoint(config, tmp / 'weights.pth')
    port = free_port()
    options = [f'--{k.replace("_", "-")}={v}' for k, v in LIMITS.items()]
    log = open(tmp / 'serve.log', 'w+')
    proc = subprocess.Popen(
        [sys.executable, 'tools/serve.py', config, ckpt, '--port',
         str(port), '--max-batch', '4', '--max-wait-ms', '5', '--no-docs',
         '--log-level', 'warning'] + options,
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), stdout=log,
        stderr=subprocess.STDOUT)
    try:
        wait_until_up(f'http://127.0.0.1:{port}', proc)
        yield proc, port, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def server_log(log) -> str:
    log.seek(0)
    return log.read()[-3000:]


def test_hostile_images_are_refused_and_memory_stays_under_the_cap(
        server, images):
    proc, port, log = server
    url = f'http://127.0.0.1:{port}'
    schema = requests.get(url + '/v1/schema', timeout=10).json()
    assert schema['limits']['memory_cap_bytes'] == CAP, schema['limits']
    assert schema['limits']['packed_image_bytes'] == 3 * SIZE * SIZE
    # a first full batch (the model's working memory), then the idle state
    warm = [threading.Thread(target=post, args=(port, [
        ('a.jpg', images['good']), ('b.jpg', images['good'])]))
        for _ in range(2)]
    for thread in warm:
        thread.start()
    for thread in warm:
        thread.join()
    time.sleep(0.5)
    try:  # reset the peak (VmHWM) to the current RSS: Linux >= 4.0
        with open(f'/proc/{proc.pid}/clear_refs', 'w') as f:
            f.write('5')
        hwm_reset = True
    except OSError:
        hwm_reset = False
    idle = memory(proc.pid)['VmRSS']

    stop = threading.Event()
    health, rss_seen = [], [idle]

    def watch():
        with requests.Session() as session:
            while not stop.is_set():
                start = time.monotonic()
                ok = session.get(url + '/healthz', timeout=30).ok
                health.append((time.monotonic() - start, ok))
                rss_seen.append(memory(proc.pid)['VmRSS'])
                time.sleep(0.05)

    # (kind, how) per client; each kind's answers are checked below
    near = images['near']
    attacks = [('grey16', lambda: post(port, [('grey16.png',
                                               images['grey16'])])),
               ('rgba', lambda: post(port, [('rgba.png', images['rgba'])])),
               ('chunked', lambda: chunked_past_cap(port, 12 * MB)),
               ('stalled', lambda: stalled_body(port))]
    attacks += [('near', lambda: post(port, [('near-a.png', near),
                                             ('near-b.png', near)]))
                for _ in range(CLIENTS - len(attacks))]
    answers = {i: [] for i in range(len(attacks))}
    start = threading.Barrier(len(attacks))

    def client(i, attack):
        start.wait()
        for _ in range(2):
            answers[i].append(attack())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    threads = [threading.Thread(target=client, args=(i, a), daemon=True)
               for i, (_, a) in enumerate(attacks)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    attack_seconds = time.monotonic() - began
    time.sleep(0.2)
    stop.set()
    watcher.join(timeout=35)
    peak = memory(proc.pid)['VmHWM'] if hwm_reset else max(rss_seen)
    context = (answers, server_log(log))
    assert all(not t.is_alive() for t in threads), context
    assert attack_seconds < 90

    codes = {}
    for i, (kind, _) in enumerate(attacks):
        assert len(answers[i]) == 2, (kind, context)
        for answer in answers[i]:
            codes.setdefault(kind, []).append(answer[:2])
            status, code = answer[:2]
            if kind in ('grey16', 'rgba'):  # refused from the header
                assert (status, code) in ((413, 'decode_too_large'),
                                          (503, 'overloaded')), context
                if status == 413:
                    assert answer[2] == f'{kind}.png', context  # named
            elif kind == 'chunked':  # refused once past the cap
                assert (status, code) in ((413, 'request_too_large'),
                                          (503, 'overloaded')), context
                assert answer[2] < 12 * MB, context  # not read whole
            elif kind == 'stalled':
                assert (status, code) == (408, 'body_timeout'), context
                assert answer[2] < LIMITS['body_idle_timeout'] + 1.5
            else:  # decoded, or refused while the service is full
                assert (status, code) in ((200, None), (503, 'overloaded')), \
                    context
                if status == 503:
                    assert answer[3]['retry-after'] == '1', context
    seen = {c for answers_ in codes.values() for c in answers_}
    assert {(413, 'decode_too_large'), (413, 'request_too_large'),
            (408, 'body_timeout'), (200, None), (503, 'overloaded')} <= \
        seen, codes

    print(f'\nmemory test: idle RSS {idle} B, peak {peak} B '
          f'({"VmHWM" if hwm_reset else "sampled"}), above idle '
          f'{peak - idle} B, cap {CAP} B; /healthz {len(health)} answers, '
          f'slowest {max(s for s, _ in health):.3f} s; attack '
          f'{attack_seconds:.1f} s; answers {sorted(codes.items())}')
    # /healthz answered, fast, all along
    assert len(health) >= 5 and all(ok for _, ok in health), health
    assert max(seconds for seconds, _ in health) < HEALTH_BOUND, health
    # the memory cap of the limits held
    assert peak - idle <= CAP, (
        f'peak {peak} - idle {idle} = {peak - idle} > cap {CAP}', codes)
    # and the service still answers a good request
    assert post(port, [('good.jpg', images['good'])])[0] == 200
