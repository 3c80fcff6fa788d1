"""A fuzz test of the HTTP service on a live server (127.0.0.1, uvicorn
with the protocol ``tools/serve.py`` uses): a bounded, seeded corpus of
malformed requests (wrong paths and methods, headers over 16 kB, JSON
nested 100,000 deep or with a 5,000-digit integer, bad base64, random
bytes, random JSON, random multipart bodies, hostile images) sent over
one kept-alive ``http.client`` connection. Each must get a 4xx with the
JSON error body, and a good request sent right after it on the same
connection the right answer. Images of extreme aspect ratio (300x1 at
64 px) and of every common mode are served."""
import base64
import http.client
import io
import json
import random
import socket
import struct
import threading
import time
import zlib
from contextlib import contextmanager
from typing import Dict, Iterator, List, Tuple

import pytest

from tests.helpers.raw_http import raw_exchange
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')

SEED = 30
BOUNDARY = 'fuzzboundary'
# (method, path, body, headers)
Request = Tuple[str, str, bytes, Dict[str, str]]


@pytest.fixture(scope='module')
def server(synth_root, tmp_path_factory):
    """The tiny model served on 127.0.0.1 with small limits: its port and
    a good JPEG."""
    import mmfashion_attr  # noqa: F401
    from mmfashion_attr.serving import (ServeLimits, build_predictor,
                                        create_app)
    tmp = tmp_path_factory.mktemp('fuzz')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    ckpt = save_tiny_checkpoint(config, tmp / 'weights.pth')
    limits = ServeLimits(max_images=3, max_image_bytes=200_000,
                         max_image_pixels=1_000_000)
    app = create_app(build_predictor(config, ckpt), limits, max_batch=4,
                     max_wait_ms=0)
    with open(f'{synth_root}/images/test/000000.jpg', 'rb') as f:
        good = f.read()
    with live(app) as port:
        yield port, good


@contextmanager
def live(app) -> Iterator[int]:
    """``app`` served in a thread on a free port of 127.0.0.1 as
    ``tools/serve.py`` serves it (uvicorn, :class:`ServiceH11Protocol`).
    """
    import uvicorn

    from mmfashion_attr.serving.http_protocol import ServiceH11Protocol
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level='critical',
                                           http=ServiceH11Protocol))
    thread = threading.Thread(target=server.run,
                              kwargs=dict(sockets=[sock]), daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, \
            'the fuzz server did not start'
        time.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def multipart(parts: List[Tuple[bytes, bytes]],
              boundary: str = BOUNDARY) -> bytes:
    """``(part headers, content)`` pairs -> a multipart/form-data body."""
    b = boundary.encode()
    return b''.join(b'--' + b + b'\r\n' + head + b'\r\n\r\n' + content +
                    b'\r\n' for head, content in parts) + b'--' + b + b'--\r\n'


def file_part(name: str, content: bytes, field: str = 'images'
              ) -> Tuple[bytes, bytes]:
    return (f'Content-Disposition: form-data; name="{field}"; '
            f'filename="{name}"'.encode(), content)


def post_files(parts: List[Tuple[bytes, bytes]]) -> Request:
    return ('POST', '/v1/attributes', multipart(parts), {
        'Content-Type': f'multipart/form-data; boundary={BOUNDARY}'})


def post_json(body: bytes, ctype: str = 'application/json') -> Request:
    return ('POST', '/v1/attributes', body, {'Content-Type': ctype})


def image_bytes(width: int, height: int, mode: str = 'RGB',
                fmt: str = 'PNG') -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.new(mode, (width, height)).save(buf, fmt)
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack('>I', len(data)) + kind + data +
            struct.pack('>I', zlib.crc32(kind + data)))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG declaring ``width`` x ``height`` with 1 kB of pixel data."""
    return b'\x89PNG\r\n\x1a\n' + b''.join([
        png_chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0,
                                       0, 0)),
        png_chunk(b'IDAT', zlib.compress(bytes(1000))),
        png_chunk(b'IEND', b'')])


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def fixed_cases(good: bytes) -> List[Request]:
    """The malformed requests named in issue 30, and their relatives."""
    deep = b'[' * 100_000
    return [
        ('GET', '/nope', b'', {}),
        ('GET', '/v1/attributes', b'', {}),
        ('PUT', '/v1/attributes', b'{}', {'Content-Type': 'application/json'}),
        ('DELETE', '/healthz', b'', {}),
        ('POST', '/v1/schema', b'', {}),
        ('GET', '/v1/attributes/../../etc/passwd', b'', {}),
        ('GET', '/%ff%00', b'', {}),
        # whole header blocks of 20 kB arrive complete: h11 parses them
        ('POST', '/v1/attributes', b'', {'X-Huge': 'x' * 20_000}),
        ('POST', '/v1/attributes', b'', {f'X-{i}': 'y' * 200
                                         for i in range(100)}),
        post_json(deep),
        post_json(b'{"images": ' + deep + b']}'),
        post_json(b'[' * 40 + b']' * 40),
        post_json(b'{"images": [' + b'7' * 5_000 + b']}'),
        post_json(b'{"images": ["' + b64(good).encode() + b'"], "known": '
                  b'-' + b'9' * 5_000 + b'}'),
        post_json(json.dumps(dict(images=['%%%not base64'])).encode(),
                  'Application/JSON'),
        post_json(json.dumps(dict(images=[
            'data:image/jpeg;base64,' + b64(good)])).encode()),
        post_json(json.dumps(dict(images=[dict(
            name='wrapped.jpg', data=base64.encodebytes(good).decode())])
                             ).encode()),
        post_json(json.dumps(dict(images=[b64(good)[:-3]])).encode()),
        post_json(json.dumps(dict(images=['é' * 8])).encode()),
        post_json(b'{"images": [1e999, NaN, -Infinity]}'),
        post_json(b'\xff\xfe\x00garbage'),
        post_json(b''),
        post_json(json.dumps(dict(images=[b64(good)] * 4)).encode()),
        post_json(json.dumps(dict(images=[b64(good)], known=[{}, {}])
                             ).encode()),
        post_json(b64(good).encode(), 'text/plain'),
        ('POST', '/v1/attributes', good, {}),
        post_files([file_part('a.jpg', good), ('Content-Disposition: '
                   'form-data; name="known"'.encode(), deep)]),
        post_files([file_part('a.jpg', good), ('Content-Disposition: '
                   'form-data; name="known"'.encode(), b'1' * 5_000)]),
        post_files([file_part('tall.png', png_claiming(1, 100_000_000))]),
        post_files([file_part('huge.png', png_claiming(70_000, 70_000))]),
        post_files([file_part('zero.png', png_claiming(0, 0))]),
        post_files([file_part('short.png', png_claiming(500, 500))]),
        post_files([file_part('cut.jpg', good[:len(good) // 3])]),
        post_files([file_part('300x1.png', image_bytes(300, 1))]),  # served
        post_files([file_part('empty.jpg', b'')]),
        post_files([file_part(f'{i}.jpg', good) for i in range(4)]),
        ('POST', '/v1/attributes', b'--x\r\n\r\n', {
            'Content-Type': 'multipart/form-data'}),
        ('POST', '/v1/attributes', multipart([file_part('a.jpg', good)]), {
            'Content-Type': 'multipart/form-data; boundary=other'}),
        ('POST', '/v1/attributes', b'0' * 2_200_000, {
            'Content-Type': 'application/json'}),
    ]


def random_json(rng: random.Random, depth: int = 0):
    kind = rng.choice('dlsifbn' if depth < 4 else 'sifbn')
    if kind == 'd':
        return {rng.choice(['images', 'known', 'name', 'data', 'x']):
                random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    if kind == 'l':
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == 's':
        return ''.join(rng.choice('AZaz09+/=%é\n[{"\\') for _ in range(
            rng.randint(0, 12)))
    return dict(i=rng.randint(-10**6, 10**6), f=rng.random() * 1e6,
                b=rng.random() < 0.5, n=None)[kind]


def mutated(rng: random.Random, content: bytes) -> bytes:
    """``content`` with a few bytes overwritten after its first 20 (the
    format stays recognisable, the data broken), or cut short."""
    data = bytearray(content)
    if rng.random() < 0.3:
        return bytes(data[:rng.randint(1, len(data) - 1)])
    for _ in range(rng.randint(1, 8)):
        data[rng.randrange(20, len(data))] = rng.randrange(256)
    return bytes(data)


def random_cases(good: bytes, count: int) -> List[Request]:
    """Seeded random bytes, random JSON and random multipart bodies."""
    rng = random.Random(SEED)
    png = image_bytes(40, 30)
    cases = []
    for i in range(count):
        kind = i % 4
        if kind == 0:  # random bytes under each content type
            body = rng.randbytes(rng.randint(0, 3000))
            ctype = rng.choice([
                'application/json', f'multipart/form-data; boundary='
                f'{BOUNDARY}', 'application/octet-stream', 'image/jpeg'])
            cases.append(post_json(body, ctype))
        elif kind == 1:  # random JSON, loose or shaped like a request
            value = random_json(rng)
            shaped = rng.choice([value, dict(images=value), dict(
                images=[value]), dict(images=[dict(name=value, data=value)]),
                dict(images=[b64(good)], known=value)])
            cases.append(post_json(json.dumps(shaped).encode()))
        elif kind == 2:  # random multipart: parts, names, contents
            parts = []
            for _ in range(rng.randint(0, 4)):
                content = rng.choice([rng.randbytes(rng.randint(0, 500)),
                                      mutated(rng, good), mutated(rng, png),
                                      b'{"x": 1}'])
                name = rng.choice(['a.jpg', '', 'é"\\;.png', 'x' * 300])
                field = rng.choice(['images', 'known', 'file'])
                parts.append(rng.choice([
                    file_part(name, content, field),
                    (f'Content-Disposition: form-data; name="{field}"'
                     .encode(), content),
                    (rng.randbytes(rng.randint(0, 40)), content)]))
            body = multipart(parts)
            if rng.random() < 0.3:  # cut short
                body = body[:rng.randint(0, len(body))]
            cases.append(('POST', '/v1/attributes', body, {
                'Content-Type': f'multipart/form-data; boundary={BOUNDARY}'}))
        else:  # a hostile image file
            cases.append(post_files([file_part(
                'hostile.img', mutated(rng, rng.choice([good, png])))]))
    return cases


def send(conn: http.client.HTTPConnection, request: Request):
    """One request and its whole answer: status, headers, body."""
    method, path, body, headers = request
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()


def test_malformed_requests_get_4xx_json_and_the_next_a_right_answer(
        server):
    port, good = server
    good_request = post_files([file_part('good.jpg', good)])
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    status, _, body = send(conn, good_request)
    assert status == 200, body
    right = json.loads(body)
    cases = fixed_cases(good) + random_cases(good, 60)
    refused, closed = set(), []
    for request in cases:
        what = f'{request[0]} {request[1]} {request[2][:80]!r}'
        status, headers, body = send(conn, request)
        assert status < 500, (what, status, body)
        if status == 200:  # a mutated image that still decodes
            assert json.loads(body)['images'], what
        else:
            assert 400 <= status < 500, (what, status, body)
            assert headers['content-type'] == 'application/json', what
            error = json.loads(body)['error']
            assert isinstance(error['code'], str), what
            assert isinstance(error['message'], str), what
            refused.add((status, error['code']))
        if conn.sock is None:  # the server closed it and said so
            assert headers.get('connection') == 'close', what
            closed.append((what, status, json.loads(body)['error']['code']))
        status, _, body = send(conn, good_request)  # same connection
        assert status == 200, (what, body)
        assert json.loads(body) == right, what
    # the corpus reaches every kind of refusal
    codes = {code for _, code in refused}
    assert {'not_found', 'method_not_allowed', 'bad_json', 'bad_base64',
            'bad_known', 'bad_multipart', 'not_an_image',
            'undecodable_image', 'empty_image', 'too_many_pixels',
            'too_many_images', 'request_too_large',
            'unsupported_media_type', 'no_images'} <= codes, refused
    # a 4xx keeps the connection alive, but for a body over the size cap
    # (more than 1 MiB of it unread: resources.BodyGuard)
    assert {(status, code) for _, status, code in closed} <= {
        (413, 'request_too_large')}, closed


@pytest.mark.parametrize('data', [
    [b'GARBAGE\r\n\r\n'],
    [b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: ' + b'x' * 20_000],
    [b'POST /v1/attributes HTTP/1.1\r\nHost: x\r\nContent-Length: ab\r\n'
     b'\r\n'],
    [b'POST /v1/attributes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip'
     b'\r\n\r\n'],
    [b'POST /v1/attributes HTTP/1.1\r\nHost: x\r\nContent-Type: '
     b'application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
     b'zz\r\n{}\r\n0\r\n\r\n'],
    [b'GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n'],
    [b'GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n'],
], ids=['request-line', 'headers-over-16kB', 'content-length',
        'transfer-encoding', 'chunk-size', 'non-ascii-path', 'header-line'])
def test_unparsable_http_is_a_json_400_and_closes(server, data):
    """Requests uvicorn's parser refuses before the app sees them."""
    port, good = server
    status, headers, body = raw_exchange(port, data)
    assert (status, headers['connection']) == (400, 'close'), body
    assert headers['content-type'] == 'application/json'
    assert json.loads(body)['error']['code'] == 'bad_http_request'
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    status, _, body = send(conn, post_files([file_part('a.jpg', good)]))
    assert status == 200, body  # still serving


@pytest.mark.parametrize('width, height', [(300, 1), (1, 300), (5000, 1),
                                           (1, 5000), (65, 1)])
def test_extreme_aspect_ratios_are_served(server, width, height):
    port, _ = server
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    status, _, body = send(conn, post_files([file_part(
        'thin.png', image_bytes(width, height))]))
    assert status == 200, body
    assert json.loads(body)['images'][0]['name'] == 'thin.png'


def test_every_common_image_mode_is_served(server):
    """16-bit, alpha, palette, CMYK, 1-bit and grey images, in PNG, JPEG,
    WebP, GIF, BMP and TIFF: one request, one answer each."""
    port, _ = server
    images = [('i16.png', image_bytes(20, 10, 'I;16')),
              ('rgba.png', image_bytes(20, 10, 'RGBA')),
              ('p.gif', image_bytes(20, 10, 'P', 'GIF')),
              ('cmyk.jpg', image_bytes(20, 10, 'CMYK', 'JPEG')),
              ('bit.bmp', image_bytes(20, 10, '1', 'BMP')),
              ('rgba.webp', image_bytes(20, 10, 'RGBA', 'WEBP')),
              ('l.tiff', image_bytes(20, 10, 'L', 'TIFF'))]
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    for i in range(0, len(images), 3):  # at most 3 images per request
        batch = images[i:i + 3]
        status, _, body = send(conn, post_files(
            [file_part(n, c) for n, c in batch]))
        assert status == 200, body
        assert [im['name'] for im in json.loads(body)['images']] == \
            [n for n, _ in batch]


def test_a_server_fault_is_json_and_closes_the_connection(server,
                                                          monkeypatch):
    """An unexpected exception in the service: a JSON 500 with
    ``Connection: close``; the client's next request (on a new connection,
    as http.client opens it) is answered."""
    from mmfashion_attr.serving import request_parsing
    port, good = server

    def broken(*args, **kwargs):
        raise KeyError('a bug')

    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    monkeypatch.setattr(request_parsing, 'load_json', broken)
    status, headers, body = send(conn, post_json(b'{}'))
    monkeypatch.undo()
    assert status == 500
    assert headers['connection'] == 'close'
    assert json.loads(body)['error']['code'] == 'internal_error'
    assert conn.sock is None  # closed cleanly, not reset
    status, _, body = send(conn, post_files([file_part('a.jpg', good)]))
    assert status == 200, body
