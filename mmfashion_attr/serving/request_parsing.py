"""Requests of the HTTP service -> uploaded images and known attributes,
each bad input a :class:`RequestError` (a 4xx status, a code, a message
naming the image) checked before any decoding or model work."""
import base64
import binascii
import io
import json
import warnings
from dataclasses import asdict, dataclass
from typing import Any, List, Optional, Tuple

from PIL import Image, UnidentifiedImageError
from starlette.exceptions import HTTPException


class RequestError(Exception):
    """A request the service refuses: HTTP ``status``, a short ``code``
    (stable, for clients), a ``message`` and the ``image`` concerned."""

    def __init__(self, status: int, code: str, message: str,
                 image: Optional[str] = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.image = image

    def to_json(self) -> dict:
        error = dict(code=self.code, message=self.message)
        if self.image is not None:
            error['image'] = self.image
        return dict(error=error)


@dataclass
class ServeLimits:
    """What one request may carry.

    Args:
        max_images (int): Images per request.
        max_image_bytes (int): Bytes of one image file (20 MB).
        max_image_pixels (int): Width x height of one image (50 megapixels),
            read from its header before decoding.
    """
    max_images: int = 16
    max_image_bytes: int = 20 * 1000 * 1000
    max_image_pixels: int = 50 * 1000 * 1000

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


def check_image(upload: Upload, limits: ServeLimits) -> None:
    """Empty, too large, not an image, too many pixels: a RequestError.
    Only the header is read here; a truncated file fails when decoded."""
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
    except Image.DecompressionBombError as e:
        raise RequestError(413, 'too_many_pixels', f'{name}: {e}', name)
    except UnidentifiedImageError:
        raise RequestError(400, 'not_an_image', f'{name}: not an image '
                           '(Pillow does not recognise its format)', name)
    except (OSError, ValueError) as e:
        raise RequestError(400, 'not_an_image', f'{name}: not an image '
                           f'Pillow can read ({e})', name)
    if width * height > limits.max_image_pixels:
        raise RequestError(413, 'too_many_pixels',
                           f'{name}: {width}x{height} = {width * height} '
                           f'pixels; at most {limits.max_image_pixels} '
                           '(--max-megapixels)', name)


def parse_known(value: Any, count: int) -> List[Optional[dict]]:
    """``known``: absent, one ``{attribute: state}`` for every image, or a
    list with one (or null) per image; a JSON string as multipart sends it."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as e:
            raise RequestError(400, 'bad_known', f'known: not JSON ({e})')
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
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as e:
            raise RequestError(400, 'bad_base64', f'{name}: {e}', name)
        uploads.append(Upload(name, content))
    return uploads, parse_known(payload.get('known'), len(uploads))


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
    cap = max_request_bytes(limits)
    length = request.headers.get('content-length')
    if length and length.isdigit() and int(length) > cap:
        raise RequestError(413, 'request_too_large',
                           f'{length} bytes; at most {cap} per request')
    if ctype.startswith('multipart/form-data'):
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
    if ctype.startswith('application/json'):
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise RequestError(413, 'request_too_large',
                                   f'more than {cap} bytes per request')
        try:
            payload = json.loads(bytes(body))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise RequestError(400, 'bad_json', f'not JSON: {e}')
        return parse_json(payload, limits)
    raise RequestError(415, 'unsupported_media_type',
                       f'content-type {ctype or "(none)"}: send '
                       'multipart/form-data files or application/json')
