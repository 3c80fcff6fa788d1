"""Slow clients over a real socket (issue 30, item 2): the service on
127.0.0.1 (uvicorn, :class:`ServiceH11Protocol` as ``tools/serve.py``)
with a 0.5 s header timeout. 50 connections at once that send nothing or
trickle their headers a byte every 0.1 s (slowloris) are each closed
within the timeout and a slack (silently, or with a 408
``header_timeout``); ``/healthz`` answers fast meanwhile and a normal
request after them is served. A client sending its headers in time and its
body slowly (gaps under ``--body-idle-timeout``) is not cut, nor is a
kept-alive connection idle longer than the header timeout (uvicorn's
keep-alive timeout closes it); ``--max-connections`` refuses one more with
a 503."""
import base64
import http.client
import json
import os.path as osp
import re
import select
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Tuple

import pytest

from tests.helpers.http_server import serving
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')

HEADER_TIMEOUT = 0.5
BODY_IDLE_TIMEOUT = 1.0
KEEP_ALIVE = 1.5  # uvicorn's timeout_keep_alive here
SLACK = 0.4  # a busy 2-core machine: the timer's lateness, the poll step
TRICKLE = 0.1  # seconds between the bytes of a trickled request
# 35 bytes: at a byte every 0.1 s it would take 3.5 s
REQUEST = b'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'


@pytest.fixture(scope='module')
def service(synth_root, tmp_path_factory):
    """The tiny model's predictor and a good JPEG."""
    import mmfashion_attr  # noqa: F401
    from mmfashion_attr.serving import build_predictor
    tmp = tmp_path_factory.mktemp('slow')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    ckpt = save_tiny_checkpoint(config, tmp / 'weights.pth')
    with open(osp.join(synth_root, 'images', 'test', '000000.jpg'),
              'rb') as f:
        good = f.read()
    return build_predictor(config, ckpt), good


def live(predictor, **limits):
    from mmfashion_attr.serving import ServeLimits, create_app
    from mmfashion_attr.serving.http_protocol import ServiceH11Protocol
    app = create_app(predictor, ServeLimits(**limits), max_batch=4,
                     max_wait_ms=0)
    return serving(app, http=ServiceH11Protocol,
                   timeout_keep_alive=KEEP_ALIVE)


def parse(answer: bytes) -> Tuple[int, Dict[str, str], bytes]:
    head, _, body = answer.partition(b'\r\n\r\n')
    status_line, *lines = head.decode('latin-1').split('\r\n')
    return (int(status_line.split()[1]),
            dict(line.lower().split(': ', 1) for line in lines), body)


def attack(port: int, silent: int, trickling: int) -> List[dict]:
    """``silent`` connections that send nothing and ``trickling`` ones that
    send :data:`REQUEST` a byte every :data:`TRICKLE` s, all at once:
    for each, what it received and when the server closed it (seconds
    after its connect), or how it failed."""
    conns = []
    for i in range(silent + trickling):
        sock = socket.create_connection(('127.0.0.1', port))
        sock.setblocking(False)
        conns.append(dict(sock=sock, trickle=i >= silent, sent=0,
                          start=time.monotonic(), data=b'', closed=None))
    deadline = time.monotonic() + HEADER_TIMEOUT + SLACK + 2.0
    next_byte = time.monotonic()
    while time.monotonic() < deadline:
        open_ = [c for c in conns if c['closed'] is None]
        if not open_:
            break
        if time.monotonic() >= next_byte:
            next_byte += TRICKLE
            for c in open_:
                if c['trickle'] and c['sent'] < len(REQUEST) - 1:
                    try:  # never the request's last byte
                        c['sock'].send(REQUEST[c['sent']:c['sent'] + 1])
                        c['sent'] += 1
                    except OSError as e:
                        c['closed'], c['error'] = (
                            time.monotonic() - c['start'], repr(e))
        readable, _, _ = select.select([c['sock'] for c in open_], [], [],
                                       0.02)
        for c in open_:
            if c['sock'] not in readable:
                continue
            try:
                chunk = c['sock'].recv(65536)
            except OSError as e:  # a reset: not a graceful close
                chunk, c['error'] = b'', repr(e)
            if chunk:
                c['data'] += chunk
            else:
                c['closed'] = time.monotonic() - c['start']
    for c in conns:
        c['sock'].close()
    return conns


def poll_healthz(port: int, stop: threading.Event) -> List[float]:
    """``GET /healthz`` on a new connection every 50 ms until ``stop``:
    each one's seconds (it must answer 200)."""
    took = []
    while not stop.is_set():
        start = time.monotonic()
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        conn.request('GET', '/healthz')
        response = conn.getresponse()
        assert response.status == 200, response.read()
        response.read()
        conn.close()
        took.append(time.monotonic() - start)
        time.sleep(0.05)
    return took


def slow_legal_client(port: int, good: bytes) -> Tuple[int, bytes]:
    """Headers in three pieces within 0.4 s (under the header timeout),
    then the body in three pieces 0.6 s apart (under the body idle
    timeout; 1.2 s in all, over the header timeout): the answer."""
    body = json.dumps(dict(images=[dict(
        name='slow.jpg', data=base64.b64encode(good).decode())])).encode()
    head = (b'POST /v1/attributes HTTP/1.1\r\nHost: 127.0.0.1\r\n'
            b'Content-Type: application/json\r\nConnection: close\r\n'
            b'Content-Length: ' + str(len(body)).encode() + b'\r\n\r\n')
    third = len(body) // 3
    with socket.create_connection(('127.0.0.1', port), timeout=10) as sock:
        for piece in (head[:10], head[10:40], head[40:]):
            sock.sendall(piece)
            time.sleep(0.2)
        for piece in (body[:third], body[third:2 * third],
                      body[2 * third:]):
            time.sleep(0.6)
            sock.sendall(piece)
        answer = b''
        while chunk := sock.recv(65536):
            answer += chunk
    status, _, answer_body = parse(answer)
    return status, answer_body


def kept_alive_client(port: int) -> dict:
    """On one kept-alive connection: a request; idle 0.8 s (over the header
    timeout, under keep-alive) and a second request; then the next one
    trickled. On another: idle after a request until the server closes it.
    """
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    conn.request('GET', '/healthz')
    first = conn.getresponse()
    first.read()
    sock = conn.sock
    time.sleep(HEADER_TIMEOUT + 0.3)
    conn.request('GET', '/healthz')
    second = conn.getresponse()
    second.read()
    same_socket = conn.sock is sock
    # the third request trickled on the same socket
    start, answer = time.monotonic(), b''
    sock.setblocking(False)
    for byte in REQUEST[:-1]:
        try:
            sock.send(bytes([byte]))
        except OSError:
            break
        time.sleep(TRICKLE)
        try:
            chunk = sock.recv(65536)
        except BlockingIOError:
            continue
        answer += chunk
        if not chunk:
            break
    sock.setblocking(True)
    sock.settimeout(5)
    while chunk := sock.recv(65536):
        answer += chunk
    trickled_closed = time.monotonic() - start
    conn.close()
    # idle after a response: uvicorn's keep-alive timeout, not ours
    idle = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    idle.request('GET', '/healthz')
    idle.getresponse().read()
    start = time.monotonic()
    idle.sock.settimeout(KEEP_ALIVE + 5)
    leftover = idle.sock.recv(65536)
    idle_closed = time.monotonic() - start
    idle.close()
    return dict(statuses=(first.status, second.status),
                same_socket=same_socket, trickled=answer,
                trickled_closed=trickled_closed, idle_leftover=leftover,
                idle_closed=idle_closed)


def exchange(port: int, method: str, path: str,
             body: bytes = None) -> Tuple[int, bytes]:
    """One request on a new connection, closed after its answer (a
    connection left open would hold the server's stop for the keep-alive
    time)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    try:
        conn.request(method, path, body,
                     {'content-type': 'application/json'} if body else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def check_closed_by_header_timeout(c: dict) -> None:
    assert 'error' not in c, c  # closed gracefully, never reset
    assert c['closed'] is not None, f'still open: {c}'
    assert HEADER_TIMEOUT - 0.05 <= c['closed'] <= HEADER_TIMEOUT + SLACK, c
    if not c['trickle']:  # nothing sent: closed silently
        assert c['data'] == b'', c
        return
    status, headers, body = parse(c['data'])
    assert status == 408, c
    assert headers['connection'] == 'close'
    assert json.loads(body)['error']['code'] == 'header_timeout'


def test_slow_headers_are_cut_and_slow_bodies_are_not(service):
    predictor, good = service
    with live(predictor, header_timeout=HEADER_TIMEOUT,
              body_idle_timeout=BODY_IDLE_TIMEOUT) as url:
        port = int(url.rsplit(':', 1)[1])
        stop = threading.Event()
        with ThreadPoolExecutor(3) as pool:
            healthz = pool.submit(poll_healthz, port, stop)
            try:
                legal = pool.submit(slow_legal_client, port, good)
                kept = pool.submit(kept_alive_client, port)
                conns = attack(port, silent=25, trickling=25)
                legal_status, legal_body = legal.result()
                kept = kept.result()
            finally:
                stop.set()
            took = healthz.result()
        for c in conns:
            check_closed_by_header_timeout(c)
        # /healthz answered fast throughout
        assert len(took) >= 10 and max(took) < 0.5, took
        # the slow but legal client was answered
        assert legal_status == 200, legal_body
        assert json.loads(legal_body)['images'][0]['name'] == 'slow.jpg'
        # kept-alive: idle longer than the header timeout and still served
        assert kept['statuses'] == (200, 200) and kept['same_socket'], kept
        status, headers, body = parse(kept['trickled'])
        assert status == 408, kept
        assert json.loads(body)['error']['code'] == 'header_timeout'
        assert kept['trickled_closed'] <= HEADER_TIMEOUT + SLACK, kept
        # idle after a response: closed silently by uvicorn's keep-alive
        assert kept['idle_leftover'] == b''
        assert KEEP_ALIVE - 0.05 <= kept['idle_closed'] <= \
            KEEP_ALIVE + SLACK, kept
        # a normal request after them
        status, answer = exchange(port, 'POST', '/v1/attributes', json.dumps(
            dict(images=[base64.b64encode(good).decode()])).encode())
        assert status == 200, answer
        assert len(json.loads(answer)['images']) == 1
        metrics = exchange(port, 'GET', '/metrics')[1].decode()
        counted = re.search(r'errors_total\{code="header_timeout",'
                            r'status="408"\} (\S+)', metrics)
        assert counted and float(counted.group(1)) == 25 + 1, metrics


def test_connection_cap(service):
    predictor, _ = service
    with live(predictor, header_timeout=HEADER_TIMEOUT,
              max_connections=4) as url:
        port = int(url.rsplit(':', 1)[1])
        held = [socket.create_connection(('127.0.0.1', port))
                for _ in range(4)]
        time.sleep(0.1)
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        conn.request('GET', '/healthz')
        refused = conn.getresponse()
        body = json.loads(refused.read())
        conn.close()
        assert refused.status == 503, body
        assert body['error']['code'] == 'overloaded'
        assert '--max-connections' in body['error']['message']
        assert refused.getheader('retry-after') == '1'
        assert refused.getheader('connection') == 'close'
        # the held ones are closed by the header timeout: room again
        for sock in held:
            sock.settimeout(HEADER_TIMEOUT + SLACK)
            assert sock.recv(1) == b''
            sock.close()
        time.sleep(0.1)
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        conn.request('GET', '/healthz')
        assert conn.getresponse().status == 200
        conn.close()
