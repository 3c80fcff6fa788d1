"""Graceful shutdown of ``tools/serve.py`` (issue 30, item 4): SIGTERM in
the middle of load from clients on kept-alive connections, clients opening
a new connection per request, an idle kept-alive connection and a stalled
upload. Every request sent must get a complete answer; a client may
otherwise only find its connection refused or closed (a clean end of
stream) before it sends; never a reset, never a close after it sent its
request. The server exits with 0 within the drain time (+2 s)."""
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.helpers.http_server import free_port, wait_until_up
from tests.helpers.tiny_config import (ROOT, save_tiny_checkpoint,
                                       write_tiny_config)

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')
pytest.importorskip('requests')

DRAIN = 2.0  # --drain-seconds
FINAL = 2.0  # server.FINAL_SECONDS: the 503s and closes after the deadline
BOUNDARY = 'shutdownboundary'


def post_image(image: bytes, close: bool = False) -> bytes:
    """A whole multipart POST /v1/attributes of one image."""
    body = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="images";'
            f' filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode(
            ) + image + f'\r\n--{BOUNDARY}--\r\n'.encode()
    head = (f'POST /v1/attributes HTTP/1.1\r\nHost: 127.0.0.1\r\n'
            f'Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n'
            f'Content-Length: {len(body)}\r\n' +
            ('Connection: close\r\n' if close else '') + '\r\n')
    return head.encode() + body


def closed_by_server(sock: socket.socket) -> str:
    """Before reusing a kept-alive connection (as urllib3 checks a pooled
    one): '' while open, 'closed' after the server's clean close, 'reset'
    after a reset, 'unexpected' for bytes nobody asked for."""
    if not select.select([sock], [], [], 0)[0]:
        return ''
    try:
        data = sock.recv(1, socket.MSG_PEEK)
    except ConnectionResetError:
        return 'reset'
    return 'closed' if data == b'' else 'unexpected'


def exchange(sock: socket.socket, request: bytes):
    """Send ``request``, read its answer: (outcome, status, headers, body);
    outcome 'answer' or how it failed after the request was sent."""
    try:
        sock.sendall(request)
    except (BrokenPipeError, ConnectionResetError):
        return 'reset_on_send', None, {}, b''
    response = http.client.HTTPResponse(sock)
    try:
        response.begin()
        body = response.read()
    except http.client.RemoteDisconnected:  # a ConnectionResetError too
        return 'closed_after_send', None, {}, b''
    except ConnectionResetError:
        return 'reset_after_send', None, {}, b''
    except http.client.IncompleteRead:
        return 'cut_after_send', None, {}, b''
    headers = {k.lower(): v for k, v in response.getheaders()}
    return 'answer', response.status, headers, body


def client(port: int, request: bytes, keep_alive: bool, think: float,
           log: list, stop_at: float) -> None:
    """Requests one after another, ``think`` seconds apart, until the
    connection is refused: on one kept-alive connection (a new one after
    ``Connection: close``), or on a new connection each
    (``keep_alive=False``)."""
    sock = None
    while time.monotonic() < stop_at:
        time.sleep(think)
        if sock is not None:
            state = closed_by_server(sock)
            if state:
                log.append((time.monotonic(), state + '_before_send', None,
                            {}))
                sock.close()
                sock = None
        if sock is None:
            try:
                sock = socket.create_connection(('127.0.0.1', port),
                                                timeout=30)
            except ConnectionRefusedError:
                log.append((time.monotonic(), 'refused', None, {}))
                return
        outcome, status, headers, body = exchange(sock, request)
        if outcome == 'answer' and status == 200 and \
                json.loads(body)['images'][0]['name'] != 'a.jpg':
            outcome = 'wrong_answer'
        log.append((time.monotonic(), outcome, status, headers))
        if outcome != 'answer' or not keep_alive or \
                headers.get('connection') == 'close':
            sock.close()
            sock = None
    log.append((time.monotonic(), 'gave_up', None, {}))


def idle_client(port: int, request: bytes, log: list) -> None:
    """One request, then the kept-alive connection idle until the server
    closes it: cleanly (end of stream) or with a reset."""
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        outcome, status, headers, _ = exchange(sock, request)
        log.append((time.monotonic(), outcome, status, headers))
        try:
            end = sock.recv(1)
            log.append((time.monotonic(), 'closed' if end == b''
                        else 'unexpected', None, {}))
        except ConnectionResetError:
            log.append((time.monotonic(), 'reset', None, {}))


def stalled_upload(port: int, log: list) -> None:
    """A JSON upload whose body stops after 12 of 1000 bytes: in flight
    until the drain deadline."""
    with socket.create_connection(('127.0.0.1', port), timeout=30) as sock:
        sock.sendall(b'POST /v1/attributes HTTP/1.1\r\nHost: x\r\n'
                     b'Content-Type: application/json\r\n'
                     b'Content-Length: 1000\r\n\r\n{"images": [')
        log.append((time.monotonic(), 'sent', None, {}))
        response = http.client.HTTPResponse(sock)
        try:
            response.begin()
            body = response.read()
        except (ConnectionResetError, http.client.HTTPException) as e:
            log.append((time.monotonic(), type(e).__name__, None, {}))
            return
        log.append((time.monotonic(), 'answer', response.status,
                    dict(response.getheaders(), body=body)))


def test_sigterm_under_load_answers_or_refuses_cleanly_and_exits_0(
        synth_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root)
    ckpt = save_tiny_checkpoint(config, tmp_path / 'weights.pth')
    with open(f'{synth_root}/images/test/000000.jpg', 'rb') as f:
        image = f.read()
    port = free_port()
    url = f'http://127.0.0.1:{port}'
    output = open(tmp_path / 'serve.log', 'w+')
    proc = subprocess.Popen(
        [sys.executable, 'tools/serve.py', config, ckpt, '--port',
         str(port), '--max-batch', '4', '--max-wait-ms', '2',
         '--drain-seconds', str(DRAIN), '--log-level', 'info'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), stdout=output,
        stderr=subprocess.STDOUT)
    logs = {}
    try:
        wait_until_up(url, proc)
        stop_at = time.monotonic() + 60
        threads = []
        for name, target, args in (
                [(f'kept-alive-{i}', client, (post_image(image), True, 0))
                 for i in range(6)] +
                [(f'thinking-{i}', client, (post_image(image), True, 0.3))
                 for i in range(3)] +
                [(f'new-connection-{i}', client,
                  (post_image(image, close=True), False, 0))
                 for i in range(2)]
                + [('idle', idle_client, (post_image(image), )),
                   ('stalled', stalled_upload, ())]):
            logs[name] = []
            extra = (stop_at, ) if target is client else ()
            threads.append(threading.Thread(
                target=target, args=(port, ) + args + (logs[name], ) + extra,
                daemon=True))
        for thread in threads:
            thread.start()
        # SIGTERM once every kept-alive client has had 2 answers and every
        # thinking one 1 (it then spends most of its time idle)
        while min(len(logs[f'kept-alive-{i}']) for i in range(6)) < 2 or \
                min(len(logs[f'thinking-{i}']) for i in range(3)) < 1:
            assert time.monotonic() < stop_at - 30, logs
            assert proc.poll() is None
            time.sleep(0.02)
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=DRAIN + FINAL + 20)
        exited = time.monotonic() - signalled
        for thread in threads:
            thread.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        output.seek(0)
        server_log = output.read()
        output.close()
    assert code == 0, server_log
    assert exited < DRAIN + FINAL + 1.5, (exited, server_log)

    # issue 30 asks for 'answer', 'refused' or 'closed_before_send'; this
    # service does better: a kept-alive connection idle at SIGTERM (the
    # thinking clients') stays open, its next request answered
    allowed = {'answer', 'refused'}
    answered_after_signal = 0
    for name, log in logs.items():
        if name in ('idle', 'stalled'):
            continue
        outcomes = [o for _, o, _, _ in log]
        # a string, not a tuple: pytest would cut a tuple's repr short
        assert set(outcomes) <= allowed, \
            timeline(name, log, signalled) + '\n' + server_log[-3000:]
        assert outcomes[-1] == 'refused', (name, log)  # it ended refused
        for when, outcome, status, headers in log:
            if outcome == 'answer':
                assert status == 200, (name, log)
                if when > signalled:
                    answered_after_signal += 1
        # the last answer before the refusal closed the connection
        last = [e for e in log if e[1] == 'answer'][-1]
        assert last[3].get('connection') == 'close', (name, log)
    assert answered_after_signal >= 1, logs  # in flight at SIGTERM

    # the idle kept-alive connection: closed cleanly, no reset
    (_, outcome, status, _), (closed_at, end, _, _) = logs['idle']
    assert (outcome, status, end) == ('answer', 200, 'closed'), logs['idle']
    assert closed_at > signalled
    # the stalled upload: a 503 shutting_down at the deadline
    (_, sent, _, _), (answered_at, outcome, status, headers) = \
        logs['stalled']
    assert (outcome, status) == ('answer', 503), logs['stalled']
    assert json.loads(headers['body'])['error']['code'] == 'shutting_down'
    assert headers['connection'] == 'close'
    assert answered_at - signalled > DRAIN - 0.5
    assert 'draining' in server_log and 'drain deadline' in server_log


def timeline(name: str, log: list, signalled: float) -> str:
    """A client's last events, short enough for pytest's message: seconds
    from SIGTERM, outcome, status, Connection header."""
    return f'{name}: ' + '; '.join(
        f'{when - signalled:+.3f} s {outcome} {status or ""} '
        f'{headers.get("connection", "")}'.strip()
        for when, outcome, status, headers in log[-6:])


def test_a_connection_the_server_closes_ends_cleanly_not_reset():
    """The keep-alive timeout closes an idle connection; a client that
    sends its next request before noticing gets a clean end of stream
    (the server reads and drops it), not a reset: with uvicorn's own
    close, the first request draws a reset and the second a broken
    pipe."""
    import uvicorn
    from fastapi import FastAPI

    from mmfashion_attr.serving.http_protocol import ServiceH11Protocol
    app = FastAPI()

    @app.get('/healthz')
    def healthz():
        return {}

    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    server = uvicorn.Server(uvicorn.Config(
        app, log_level='critical', http=ServiceH11Protocol,
        timeout_keep_alive=0.3))
    thread = threading.Thread(target=server.run,
                              kwargs=dict(sockets=[listener]), daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive()
        time.sleep(0.01)
    request = b'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'
    try:
        for _ in range(3):
            with socket.create_connection(listener.getsockname(),
                                          timeout=10) as sock:
                outcome, status, _, _ = exchange(sock, request)
                assert (outcome, status) == ('answer', 200)
                # the keep-alive timeout: the server's FIN arrives
                assert select.select([sock], [], [], 5)[0]
                time.sleep(0.05)
                sock.sendall(request)  # the client did not notice
                time.sleep(0.1)
                sock.sendall(request)  # a reset would break this pipe
                assert sock.recv(65536) == b''
    finally:
        server.should_exit = True
        thread.join(10)
        listener.close()


def test_connections_waiting_in_the_backlog_are_taken():
    """What the shutdown does before it closes the listening socket (which
    would reset these connections)."""
    from mmfashion_attr.serving.server import accept_waiting
    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen(8)
        listener.setblocking(False)
        clients = [socket.create_connection(listener.getsockname())
                   for _ in range(3)]
        time.sleep(0.05)
        taken = accept_waiting(listener)
        try:
            assert len(taken) == 3
            assert sorted(s.getpeername() for s in taken) == sorted(
                c.getsockname() for c in clients)
            assert accept_waiting(listener) == []
        finally:
            for sock in taken + clients:
                sock.close()


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='socket filters are Linux')
def test_after_stop_handshakes_new_connections_wait_queued_ones_are_taken():
    """The shutdown's race: a connection completed between the last accept
    and the close would be reset after its client sent a request (seen
    in the SIGTERM test under load). With the listener dropping new
    handshakes first, a new client's connect waits (then, the port
    closed, is refused) while the queued ones are still taken."""
    from mmfashion_attr.serving.server import accept_waiting, stop_handshakes
    with socket.socket() as listener:
        listener.bind(('127.0.0.1', 0))
        listener.listen(8)
        queued = socket.create_connection(listener.getsockname())
        assert stop_handshakes(listener)
        with pytest.raises(TimeoutError):
            socket.create_connection(listener.getsockname(), timeout=0.3)
        taken = accept_waiting(listener)
        try:
            assert [s.getpeername() for s in taken] == [queued.getsockname()]
        finally:
            for sock in taken + [queued]:
                sock.close()
