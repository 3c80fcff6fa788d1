"""Requests of the HTTP service -> uploaded images and known attributes,
each bad input a :class:`RequestError` (a 4xx status, a code, a message
naming the image) checked before any decoding or model work."""
import base64
import binascii
import io
import json
import re
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Tuple, Union

from PIL import Image, UnidentifiedImageError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from .decode_cost import decode_cost

# JSON bodies: deeper nesting recurses in json.loads (RecursionError at
# ~1000), longer integers raise Python's int-digit limit (4300); a request
# needs depth 3 and 1-digit integers
JSON_MAX_DEPTH = 32
JSON_MAX_INT_DIGITS = 32
_JSON_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_CURLY_AS_SQUARE = bytes.maketrans(b'{}', b'[]')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b'[]{}')
_NOT_BASE64 = re.compile(r'[^A-Za-z0-9+/=]')
# memory of parsing a JSON body, per byte, beyond the body itself: its text
# and the strings in it, each the body's size when ASCII, up to 4 times
# that (Python's 4-byte strings) when not
JSON_PARSE_FACTOR_ASCII = 2
JSON_PARSE_FACTOR_OTHER = 8


class RequestError(Exception):
    """A request the service refuses: HTTP ``status``, a short ``code``
    (stable, for clients), a ``message`` and the ``image`` concerned."""

    def __init__(self, status: int, code: str, message: str,
                 image: Optional[str] = None,
                 headers: Optional[Dict[str, str]] = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.image, self.headers = image, headers

    def to_json(self) -> dict:
        error = dict(code=self.code, message=self.message)
        if self.image is not None:
            error['image'] = self.image
        return dict(error=error)


@dataclass
class ServeLimits:
    """What one request may carry, and what all requests may hold at once.

    Args:
        max_images (int): Images per request.
        max_image_bytes (int): Bytes of one image file (20 MB).
        max_image_pixels (int): Width x height of one image (50 megapixels),
            read from its header before decoding.
        max_decode_bytes (int): Memory decoding one image may take (300 MB),
            estimated from its header before decoding
            (:func:`.decode_cost.decode_cost`: size, mode, JPEG scale).
        decode_workers (int): Images decoded at once (2).
        max_queued_images (int): Images admitted and not yet answered (64);
            more: 503 ``overloaded``. At least ``max_images``.
        request_memory_bytes (int): Memory the bodies of all requests and
            the images parsed from them may hold at once (600 MB): each body
            byte counts twice (:mod:`.resources`); more: 503 ``overloaded``
            (413 for a request needing more than all of it).
        body_timeout (float): Seconds from a request's start to the end of
            its body (120); else 408 ``body_timeout``.
        body_idle_timeout (float): Seconds a body may send nothing (15).
        header_timeout (float): Seconds from a connection (or on a
            kept-alive one from the first byte of the next request) to its
            request headers received whole (10); else it is closed (408
            ``header_timeout`` if part of a request came):
            :mod:`.http_protocol`.
        max_connections (int): Connections open at once (1000); one more:
            503 ``overloaded``, closed.
    """
    max_images: int = 16
    max_image_bytes: int = 20 * 1000 * 1000
    max_image_pixels: int = 50 * 1000 * 1000
    max_decode_bytes: int = 300 * 1000 * 1000
    decode_workers: int = 2
    max_queued_images: int = 64
    request_memory_bytes: int = 600 * 1000 * 1000
    body_timeout: float = 120.0
    body_idle_timeout: float = 15.0
    header_timeout: float = 10.0
    max_connections: int = 1000

    def __post_init__(self):
        if self.max_queued_images < self.max_images:
            raise ValueError(
                f'max_queued_images {self.max_queued_images} is below '
                f'max_images {self.max_images}: a full request could never '
                'be admitted (--max-queued-images, --max-images)')
        if not self.header_timeout > 0:
            raise ValueError(f'header_timeout {self.header_timeout}: above '
                             '0 seconds (--header-timeout)')
        if self.max_connections < 1:
            raise ValueError(f'max_connections {self.max_connections}: at '
                             'least 1 (--max-connections)')
        if self.decode_workers < 1:
            raise ValueError(f'decode_workers {self.decode_workers}: at '
                             'least 1 (--decode-workers)')

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Upload:
    """One uploaded image: a ``name`` for errors and results, its bytes."""
    name: str
    content: bytes


def check_count(count: int, limits: ServeLimits) -> None:
    if count == 0:
        raise RequestError(400, 'no_images', 'the request has no images: '
                           'send multipart files or JSON {"images": [...]}')
    if count > limits.max_images:
        raise RequestError(413, 'too_many_images',
                           f'{count} images in one request; at most '
                           f'{limits.max_images} (--max-images)')


def check_image(upload: Upload, limits: ServeLimits,
                draft_size: Optional[int] = None) -> None:
    """Empty, too large, not an image, too many pixels, too costly to
    decode: a RequestError. Only the header is read here; a truncated file
    fails when decoded.

    Args:
        draft_size (int, optional): The loader's (a JPEG is decoded at a
            reduced scale: it costs less).
    """
    name, size = upload.name, len(upload.content)
    if size == 0:
        raise RequestError(400, 'empty_image', f'{name}: 0 bytes', name)
    if size > limits.max_image_bytes:
        raise RequestError(413, 'image_too_large',
                           f'{name}: more than {limits.max_image_bytes} '
                           'bytes (--max-image-mb)', name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload.content)) as img:
                width, height = img.size
                cost, counted = decode_cost(img, draft_size)
    except Image.DecompressionBombError as e:
        raise RequestError(413, 'too_many_pixels', f'{name}: {e}', name)
    except UnidentifiedImageError:
        raise RequestError(400, 'not_an_image', f'{name}: not an image '
                           '(Pillow does not recognise its format)', name)
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 (a hostile header: its fault)
        raise RequestError(400, 'not_an_image', f'{name}: not an image '
                           f'Pillow can read ({type(e).__name__}: {e})',
                           name)
    if width * height > limits.max_image_pixels:
        raise RequestError(413, 'too_many_pixels',
                           f'{name}: {width}x{height} = {width * height} '
                           f'pixels; at most {limits.max_image_pixels} '
                           '(--max-megapixels)', name)
    if cost > limits.max_decode_bytes:
        raise RequestError(413, 'decode_too_large',
                           f'{name}: {counted}; at most '
                           f'{limits.max_decode_bytes} (--max-decode-mb)',
                           name)


def json_too_deep(text: bytes, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether ``text``'s arrays and objects nest deeper than ``limit`` or
    its brackets do not balance, found without recursion: strings cut
    out, only brackets kept (``{}`` as ``[]``), then the innermost pairs
    removed ``limit`` times, one level each (C-speed passes)."""
    if text.count(b'[') + text.count(b'{') <= limit:
        return False
    brackets = _JSON_STRING.sub(b'', text).translate(_CURLY_AS_SQUARE,
                                                     _NOT_BRACKETS)
    for _ in range(limit):
        if not brackets:
            return False
        inner = brackets.replace(b'[]', b'')
        if len(inner) == len(brackets):  # unbalanced: '[' * 100_000
            return True
        brackets = inner
    return bool(brackets)


def bounded_int(digits: str) -> int:
    """``json.loads``'s ``parse_int``: integers of at most
    ``JSON_MAX_INT_DIGITS`` digits."""
    if len(digits.lstrip('-')) > JSON_MAX_INT_DIGITS:
        raise ValueError(f'an integer of {len(digits.lstrip("-"))} digits '
                         f'(at most {JSON_MAX_INT_DIGITS})')
    return int(digits)


def load_json(text: Union[bytes, bytearray, str], what: str,
              code: str) -> Any:
    """``json.loads`` with nesting and integer size bounded, every failure
    a 400 ``code`` naming ``what`` (the body, a form field)."""
    raw = text.encode('utf-8', 'surrogatepass') if isinstance(text, str) \
        else text
    if json_too_deep(raw):
        raise RequestError(400, code, f'{what}: not JSON this service '
                           f'takes (nested deeper than {JSON_MAX_DEPTH} '
                           'levels, or brackets unbalanced)')
    try:
        return json.loads(text, parse_int=bounded_int)
    except RecursionError:  # not reached after json_too_deep; kept safe
        raise RequestError(400, code, f'{what}: nested too deeply')
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, ints
        raise RequestError(400, code, f'{what}: not JSON ({e})')


def parse_known(value: Any, count: int) -> List[Optional[dict]]:
    """``known``: absent, one ``{attribute: state}`` for every image, or a
    list with one (or null) per image; a JSON string as multipart sends it."""
    if isinstance(value, str):
        value = load_json(value, 'known', 'bad_known')
    if value is None or isinstance(value, dict):
        return [value] * count
    if not isinstance(value, list) or len(value) != count or not all(
            v is None or isinstance(v, dict) for v in value):
        raise RequestError(400, 'bad_known',
                           'known: one {attribute: state} object for all '
                           f'images or a list of {count} (one per image)')
    return value


def parse_json(payload: Any, limits: ServeLimits
               ) -> Tuple[List[Upload], List[Optional[dict]]]:
    """``{"images": [{"name": ..., "data": BASE64} | BASE64, ...],
    "known": ...}`` -> uploads and per-image known attributes."""
    if not isinstance(payload, dict) or not isinstance(
            payload.get('images'), list):
        raise RequestError(400, 'bad_json', 'expected a JSON object with '
                           '"images": a list of base64 strings or of '
                           '{"name", "data"} objects')
    items = payload['images']
    check_count(len(items), limits)
    uploads = []
    for i, item in enumerate(items):
        name, data = f'images[{i}]', item
        if isinstance(item, dict):
            name, data = str(item.get('name', name)), item.get('data')
        if not isinstance(data, str):
            raise RequestError(400, 'bad_json', f'{name}: "data" must be a '
                               'base64 string', name)
        if len(data) > limits.max_image_bytes * 4 // 3 + 4:
            raise RequestError(413, 'image_too_large',
                               f'{name}: more than {limits.max_image_bytes}'
                               ' bytes (--max-image-mb)', name)
        field = f'images[{i}].data' if isinstance(item, dict) \
            else f'images[{i}]'
        uploads.append(Upload(name, decode_base64(data, field, name)))
    return uploads, parse_known(payload.get('known'), len(uploads))


def base64_problem(data: str, error: Exception) -> str:
    """Why ``data`` is not base64, in words a client can act on."""
    if data.startswith('data:'):
        return ('a data URL; send only the base64 text after its '
                '";base64,"')
    bad = _NOT_BASE64.search(data)
    if bad is None:
        return f'its length or "=" padding is wrong ({error})'
    char, at = bad.group(), bad.start()
    if char.isspace():
        return (f'a line break or space at character {at} (send it '
                'unwrapped: base64 -w0)')
    return f'character {char!r} at {at} is not in the base64 alphabet'


def decode_base64(data: str, field: str, name: str) -> bytes:
    """Strict base64 (no whitespace) -> bytes; otherwise a 400 naming the
    JSON ``field`` and the image."""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as e:
        label = field if name == field else f'{field} ({name})'
        raise RequestError(400, 'bad_base64', f'{label} is not valid '
                           f'base64: {base64_problem(data, e)}', name)


def media_type(header: str) -> str:
    """``Content-Type`` -> its media type in lower case (media types are
    case-insensitive): ``Application/JSON; charset=utf-8`` ->
    ``application/json``."""
    return header.split(';', 1)[0].strip().lower()


async def read_upload(file, limits: ServeLimits) -> Upload:
    """A multipart file (starlette ``UploadFile``), read up to the byte
    limit only."""
    name = file.filename or 'upload'
    content = await file.read(limits.max_image_bytes + 1)
    return Upload(name, content)


def max_request_bytes(limits: ServeLimits) -> int:
    """A whole request's body: every image base64-encoded, and some room."""
    return limits.max_images * (limits.max_image_bytes * 4 // 3 + 1024) \
        + (1 << 20)


async def parse_request(request, limits: ServeLimits
                        ) -> Tuple[List[Upload], List[Optional[dict]]]:
    """A starlette request: multipart files (any field name; ``known`` a
    form field holding JSON) or a JSON body (:func:`parse_json`)."""
    ctype = request.headers.get('content-type', '')
    kind = media_type(ctype)
    cap = max_request_bytes(limits)
    length = request.headers.get('content-length')
    if length and length.isdigit() and int(length) > cap:
        raise RequestError(413, 'request_too_large',
                           f'{length} bytes; at most {cap} per request')
    if kind == 'multipart/form-data':
        try:
            form = await request.form(max_files=limits.max_images,
                                      max_fields=limits.max_images + 10)
        except HTTPException as e:  # starlette's multipart limits
            too_many = 'Too many files' in str(e.detail)
            raise RequestError(
                413 if too_many else 400,
                'too_many_images' if too_many else 'bad_multipart',
                f'more than {limits.max_images} images in one request '
                '(--max-images)' if too_many else f'multipart: {e.detail}')
        try:
            files = [v for _, v in form.multi_items()
                     if not isinstance(v, str)]
            check_count(len(files), limits)
            uploads = [await read_upload(f, limits) for f in files]
            known = parse_known(form.get('known'), len(uploads))
        finally:
            await form.close()
        return uploads, known
    if kind == 'application/json':
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise RequestError(413, 'request_too_large',
                                   f'more than {cap} bytes per request')
        # parsing's text and strings (resources.BodyGuard holds the body's)
        charge = request.scope.get('mmfashion_attr.charge')
        extra = len(body) * (JSON_PARSE_FACTOR_ASCII if body.isascii()
                             else JSON_PARSE_FACTOR_OTHER)
        if charge is not None:
            charge.take(extra, 'parsing the JSON body')
        try:  # off the event loop: a large body takes a while to parse
            payload = await run_in_threadpool(load_json, body, 'body',
                                              'bad_json')
            del body
            return parse_json(payload, limits)
        finally:
            if charge is not None:
                charge.give_back(extra)
    raise RequestError(415, 'unsupported_media_type',
                       f'content-type {ctype or "(none)"}: send '
                       'multipart/form-data files or application/json')
