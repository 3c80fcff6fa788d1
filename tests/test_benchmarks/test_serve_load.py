"""benchmarks/serve_load.py's light client: answers read whole by their
Content-Length, whatever the pieces they arrive in, on one kept-alive
connection; an answer it cannot delimit is an error, not a short read."""
import os.path as osp
import socket
import threading

import pytest

from tests.helpers.tiny_config import ROOT


@pytest.fixture
def serve_load(monkeypatch):
    monkeypatch.syspath_prepend(osp.join(ROOT, 'benchmarks'))
    import serve_load
    return serve_load


def scripted_server(answers):
    """A listener answering each request it reads with the next item of
    ``answers`` (a list of byte pieces, sent one by one) -> (port, the
    requests it read)."""
    listener = socket.create_server(('127.0.0.1', 0))
    port, seen = listener.getsockname()[1], []

    def serve():
        conn, _ = listener.accept()
        with conn, listener:
            for pieces in answers:
                data = b''
                while b'\r\n\r\n' not in data:
                    data += conn.recv(1 << 16)
                head, _, body = data.partition(b'\r\n\r\n')
                length = int([line.split(b':')[1] for line in
                              head.split(b'\r\n')
                              if line.lower().startswith(
                                  b'content-length')][0])
                while len(body) < length:
                    body += conn.recv(1 << 16)
                seen.append(head + b'\r\n\r\n' + body)
                for piece in pieces:
                    conn.sendall(piece)

    threading.Thread(target=serve, daemon=True).start()
    return port, seen


def test_answers_read_by_content_length_on_one_connection(serve_load):
    body = b'{"images": [' + b'0' * 70000 + b']}'  # more than one recv
    port, seen = scripted_server([
        [b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'
         b'content-length: ' + str(len(body)).encode() + b'\r\n\r\n',
         body[:10], body[10:]],
        [b'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n',
         b'{}']])
    request = serve_load.post_request(
        '127.0.0.1', port, '/v1/attributes',
        *serve_load.multipart_body([('a.jpg', b'\xff\xd8')]))
    client = serve_load.KeepAliveClient('127.0.0.1', port, timeout=10)
    assert client.exchange(request) == (200, body)
    assert client.exchange(request) == (503, b'{}')
    assert seen == [request, request]
    assert b'Content-Length: ' in request and b'filename="a.jpg"' in request


def test_an_answer_without_content_length_is_an_error(serve_load):
    port, _ = scripted_server([[
        b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
        b'2\r\n{}\r\n0\r\n\r\n']])
    client = serve_load.KeepAliveClient('127.0.0.1', port, timeout=10)
    with pytest.raises(RuntimeError, match='without Content-Length'):
        client.exchange(serve_load.post_request('127.0.0.1', port, '/',
                                                b'x', 'text/plain'))
