"""The service's request parsing without a server: JSON nesting and
integer size bounded before ``json.loads`` can recurse or hit Python's
int-digit limit, base64 errors saying what is wrong where, media types
compared case-insensitively."""
import base64

import pytest

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')

from mmfashion_attr.serving.request_parsing import (  # noqa: E402
    JSON_MAX_DEPTH, RequestError, ServeLimits, json_too_deep, load_json,
    media_type, parse_json)


@pytest.mark.parametrize('text, too_deep', [
    (b'[' * JSON_MAX_DEPTH + b']' * JSON_MAX_DEPTH, False),
    (b'[' * (JSON_MAX_DEPTH + 1) + b']' * (JSON_MAX_DEPTH + 1), True),
    (b'{"a":' * JSON_MAX_DEPTH + b'1' + b'}' * JSON_MAX_DEPTH, False),
    (b'[{' * 16 + b'[]' + b'}]' * 16, True),  # 33 levels, mixed
    (b'[]' * 1000, False),  # many, shallow
    (b'["' + b'[' * 100 + b'"]', False),  # brackets inside a string
    (b'["\\"' + b'[' * 100 + b'"]', False),  # after an escaped quote
    (b'["\\\\"' + b'[' * 100 + b'"]', True),  # the string ended before
    (b'[' * 100_000, True),  # unbalanced
])
def test_json_depth_is_measured_without_recursion(text, too_deep):
    assert json_too_deep(text) is too_deep


@pytest.mark.parametrize('text, words', [
    (b'[' * 100_000, 'nested deeper than 32'),
    (b'{"images": [' + b'7' * 5000 + b']}', 'an integer of 5000 digits'),
    (b'[-' + b'7' * 33 + b']', 'an integer of 33 digits'),
    (b'{"images": [', 'not JSON'),
    (b'\xff\xfe\x00x', 'not JSON'),
])
def test_bad_json_is_a_400(text, words):
    with pytest.raises(RequestError) as e:
        load_json(text, 'body', 'bad_json')
    assert (e.value.status, e.value.code) == (400, 'bad_json')
    assert words in e.value.message
    assert load_json(b'{"known": {"a": -1, "b": 1.5e300}}', 'body',
                     'bad_json') == dict(known=dict(a=-1, b=1.5e300))


@pytest.mark.parametrize('item, words', [
    ('%%%', "images[0] is not valid base64: character '%' at 0"),
    (dict(name='a.jpg', data='data:image/jpeg;base64,AAAA'),
     'images[0].data (a.jpg) is not valid base64: a data URL'),
    (dict(name='b.jpg', data=base64.encodebytes(b'x' * 100).decode()),
     'a line break or space at character 76 (send it unwrapped'),
    ('QUJD' + 'RA', 'its length or "=" padding is wrong'),
    ('é' * 4, "character 'é' at 0 is not in the base64 alphabet"),
])
def test_base64_errors_name_the_field_and_the_problem(item, words):
    with pytest.raises(RequestError) as e:
        parse_json(dict(images=[item]), ServeLimits())
    assert (e.value.status, e.value.code) == (400, 'bad_base64')
    assert words in e.value.message


@pytest.mark.parametrize('header, kind', [
    ('Application/JSON', 'application/json'),
    ('application/json; charset=UTF-8', 'application/json'),
    ('MULTIPART/Form-Data; boundary=X', 'multipart/form-data'),
    ('', ''),
])
def test_media_types_are_case_insensitive(header, kind):
    assert media_type(header) == kind
