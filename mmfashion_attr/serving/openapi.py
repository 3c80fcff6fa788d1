"""What ``/openapi.json`` and ``/docs`` say about the service: both request
forms of ``POST /v1/attributes`` (multipart files, JSON with base64) and
every error code with its ``{"error": ...}`` body (:data:`ERROR_CODES`, the
one list of them; ``docs/inference_and_deployment.md`` has the same table,
tested)."""
from typing import Dict, Optional

from pydantic import BaseModel, Field

# status -> code -> when
ERROR_CODES: Dict[int, Dict[str, str]] = {
    400: {
        'empty_image': 'a 0-byte file',
        'not_an_image': 'Pillow does not recognise the format, or fails on '
        'the header',
        'undecodable_image': 'the header reads but the data does not (e.g. '
        'a truncated JPEG)',
        'no_images': 'the request has no images',
        'bad_multipart': 'a multipart body that cannot be parsed',
        'bad_json': 'not JSON, not the expected shape, nested deeper than '
        '32 levels or holding an integer of more than 32 digits',
        'bad_base64': 'an image not in strict base64 (the message names the '
        'field and the problem)',
        'known_not_supported': '`known` sent to a model that takes none',
        'unknown_known_attribute': 'a `known` name the model does not have',
        'bad_known': 'a `known` state other than 1 / -1, or `known` not JSON',
        'bad_http_request': 'refused by the HTTP parser (malformed request '
        'line, header, Content-Length or chunked body; headers over 16 kB);'
        ' `Connection: close`',
    },
    404: {'not_found': 'no such endpoint'},
    405: {'method_not_allowed': 'a method the endpoint does not take (the '
          '`Allow` header lists the one it does)'},
    408: {'body_timeout': 'the body not received within `--body-timeout`'
          ' of the request, or silent for `--body-idle-timeout`; '
          '`Connection: close`',
          'header_timeout': 'part of a request came but not its headers '
          'whole within `--header-timeout` (of the connection, or of the '
          "request's first byte on a kept-alive one); the connection is "
          'closed (silently when nothing came)'},
    413: {
        'too_many_images': 'more than `--max-images` in one request',
        'image_too_large': 'a file over `--max-image-mb`',
        'too_many_pixels': 'width x height over `--max-megapixels`, read '
        'from the header before decoding',
        'decode_too_large': 'decoding the image would take more memory than '
        '`--max-decode-mb` (estimated from its header: size, mode, bit '
        'depth, JPEG scale)',
        'request_too_large': 'a body larger than the images allowed could '
        'need (counted as it arrives, chunked bodies too), or one request '
        'needing more memory than `--request-memory-mb`; '
        '`Connection: close` when the body was not read whole',
    },
    415: {'unsupported_media_type': 'neither multipart/form-data nor '
          'application/json (compared case-insensitively)'},
    500: {
        'model_error': "the model failed on this request's images; "
        '`Connection: close`',
        'internal_error': 'a fault of the service (logged); '
        '`Connection: close`',
    },
    503: {
        'overloaded': 'the service holds as many images '
        '(`--max-queued-images`) or as much request data '
        '(`--request-memory-mb`) as it may, or `--max-connections` '
        'connections (answered as the connection opens); '
        '`Retry-After: 1`, `Connection: close`: send it again shortly',
        'shutting_down': 'not answered within the drain time of a shutdown;'
        ' `Connection: close`, send it again',
        'draining': '`GET /readyz` while shutting down',
        'not_ready': '`GET /readyz` while the model worker is not running',
    },
}
# the statuses POST /v1/attributes can answer with besides 404 / 405
ATTRIBUTE_STATUSES = (400, 408, 413, 415, 500, 503)


class ErrorDetail(BaseModel):
    code: str = Field(description='stable, for programs: see the table in '
                      'the API description')
    message: str = Field(description='for people')
    image: Optional[str] = Field(None, description='the image concerned '
                                 '(its file name or images[i])')


class ErrorBody(BaseModel):
    """Every error answer of the service."""
    error: ErrorDetail


def codes_text(status: int) -> str:
    return '; '.join(f'`{code}`: {when}'
                     for code, when in ERROR_CODES[status].items())


def error_responses(*statuses: int) -> dict:
    """FastAPI ``responses=``: the statuses with :class:`ErrorBody` and
    their codes."""
    return {status: dict(model=ErrorBody, description=codes_text(status))
            for status in statuses}


def description() -> str:
    """The API description: the request forms and the error table."""
    rows = '\n'.join(f'| {status} | `{code}` | {when} |'
                     for status, codes in ERROR_CODES.items()
                     for code, when in codes.items())
    return f"""Attributes of garment images (mmfashion_attr).

`POST /v1/attributes` takes one or several images either as
**multipart/form-data** files (any field name; `known` a form field
holding JSON) or as **application/json**
`{{"images": [BASE64 | {{"name", "data": BASE64}}, ...], "known": ...}}`.

Every error is JSON `{{"error": {{"code", "message", "image"}}}}` (`image`
where one image is concerned); a 4xx leaves a kept-alive connection open
unless it was sent before the body was read whole (408, a 413 on size), a
500 or 503 closes it (`Connection: close`).

| status | code | when |
| --- | --- | --- |
{rows}
"""


_KNOWN = {
    'description': 'optional, models with `takes_known` (/v1/schema): '
    '{attribute: 1 | -1} for every image, or a list with one object (or '
    'null) per image',
    'oneOf': [{'type': 'object', 'additionalProperties': {
        'type': 'integer', 'enum': [1, -1]}},
        {'type': 'array', 'items': {'type': ['object', 'null']}}],
}
_BASE64 = {'type': 'string', 'contentEncoding': 'base64',
           'description': 'the image file, strict base64 (no line breaks, '
           'no data: prefix)'}

ATTRIBUTES_REQUEST = {
    'required': True,
    'description': 'One or several images, in either form',
    'content': {
        'multipart/form-data': {
            'schema': {
                'type': 'object', 'required': ['images'],
                'properties': {
                    'images': {
                        'type': 'array', 'description': 'image files (any '
                        'field name is taken as an image)',
                        'items': {'type': 'string', 'format': 'binary',
                                  'contentMediaType':
                                  'application/octet-stream'}},
                    'known': {'type': 'string', 'description': 'JSON: '
                              + _KNOWN['description']},
                },
            },
        },
        'application/json': {
            'schema': {
                'type': 'object', 'required': ['images'],
                'properties': {
                    'images': {'type': 'array', 'items': {'oneOf': [
                        _BASE64,
                        {'type': 'object', 'required': ['data'],
                         'properties': {'name': {'type': 'string'},
                                        'data': _BASE64}}]}},
                    'known': _KNOWN,
                },
            },
            'example': {'images': [{'name': 'shirt.jpg',
                                    'data': '/9j/4AAQSkZJRgABAQ...'}]},
        },
    },
}

ATTRIBUTES_ANSWER = {
    'description': 'Per image, in the order sent: its `name` and the '
    "model's answer: attribute models give `attributes` (per attribute "
    '`values` chosen, best first, `scores` of every value, `multi_label`, '
    '`threshold`); M2Fashion models give `category`, `attributes` (top-k '
    '`[name, score]`) and `given`',
    'content': {'application/json': {'schema': {
        'type': 'object', 'required': ['model', 'images'],
        'properties': {
            'model': {'type': 'string', 'description': 'the config served'},
            'images': {'type': 'array', 'items': {
                'type': 'object', 'required': ['name'],
                'properties': {'name': {'type': 'string'}},
                'additionalProperties': True}},
        }}}},
}
