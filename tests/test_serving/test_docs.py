"""``/docs`` works offline and ``/openapi.json`` describes the service
(issue 30, item 6): the pages reference no other host and every asset they
load is served by the service; the schema describes both request forms and
every error code with the ``{"error": ...}`` body; the one list of error
codes (``serving/openapi.py``) holds every code the service raises and is
the table of ``docs/inference_and_deployment.md``."""
import glob
import os.path as osp
import re

import pytest

from tests.helpers.http_server import serving
from tests.helpers.tiny_config import (ROOT, save_tiny_checkpoint,
                                       write_tiny_config)

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')
pytest.importorskip('fastapi_offline', reason='the serve extra is not '
                    'installed (pip install -e .[serve])')
requests = pytest.importorskip('requests')

URL_IN_PAGE = re.compile(r'''(?:src|href|url)\s*[=:(]\s*["']?([^"' )>]+)''')


@pytest.fixture(scope='module')
def predictor(synth_root, tmp_path_factory):
    import mmfashion_attr  # noqa: F401
    from mmfashion_attr.serving import build_predictor
    tmp = tmp_path_factory.mktemp('docs')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    return build_predictor(config, save_tiny_checkpoint(
        config, tmp / 'weights.pth'))


@pytest.mark.parametrize('page', ['/docs', '/redoc'])
def test_docs_pages_load_everything_from_the_service(predictor, page):
    from mmfashion_attr.serving import create_app
    with serving(create_app(predictor)) as url:
        html = requests.get(url + page, timeout=10)
        assert html.status_code == 200
        # no http:// or https:// at all: nothing from another host
        assert not re.search(r'https?://', html.text), html.text
        refs = URL_IN_PAGE.findall(html.text)
        assert '/openapi.json' in refs
        scripts = [r for r in refs if r.endswith('.js')]
        assert scripts, html.text
        for ref in refs:
            assert ref.startswith('/'), ref  # this service, this host
            asset = requests.get(url + ref, timeout=30)
            assert asset.status_code == 200, ref
            assert len(asset.content) > 1000, ref
        for script in scripts:  # the real bundle, not an error page
            asset = requests.get(url + script, timeout=30)
            assert 'javascript' in asset.headers['content-type']
            assert len(asset.content) > 500_000, script


def test_openapi_describes_both_request_forms_and_every_error(predictor):
    from mmfashion_attr.serving import create_app
    from mmfashion_attr.serving.openapi import ERROR_CODES
    with serving(create_app(predictor)) as url:
        spec = requests.get(url + '/openapi.json', timeout=10).json()
    post = spec['paths']['/v1/attributes']['post']
    forms = post['requestBody']['content']
    multipart = forms['multipart/form-data']['schema']['properties']
    assert multipart['images']['items']['format'] == 'binary'
    as_json = forms['application/json']['schema']['properties']
    base64, named = as_json['images']['items']['oneOf']
    assert base64['contentEncoding'] == 'base64'
    assert named['properties']['data']['contentEncoding'] == 'base64'
    assert 'known' in multipart and 'known' in as_json

    body = spec['components']['schemas']['ErrorBody']
    assert body['required'] == ['error']
    detail = spec['components']['schemas']['ErrorDetail']['properties']
    assert {'code', 'message', 'image'} <= set(detail)
    responses = post['responses']
    assert set(responses) == {'200', '400', '408', '413', '415', '500',
                              '503'}
    for status, answer in responses.items():
        if status == '200':
            continue
        assert answer['content']['application/json']['schema'] == {
            '$ref': '#/components/schemas/ErrorBody'}, status
        for code in ERROR_CODES[int(status)]:
            assert f'`{code}`' in answer['description'], (status, code)
    readyz = spec['paths']['/readyz']['get']['responses']['503']
    assert '`draining`' in readyz['description']
    # every code with its status in the API description's table
    for status, codes in ERROR_CODES.items():
        for code in codes:
            assert f'| {status} | `{code}` |' in \
                spec['info']['description'], code


def test_no_docs_option(predictor):
    from mmfashion_attr.serving import create_app
    with serving(create_app(predictor, docs=False)) as url:
        assert requests.get(url + '/docs', timeout=10).status_code == 404
        assert requests.get(url + '/redoc', timeout=10).status_code == 404
        assert requests.get(url + '/openapi.json',
                            timeout=10).status_code == 200


def test_error_codes_are_the_ones_raised_and_documented():
    from mmfashion_attr.serving.openapi import ERROR_CODES
    listed = {(status, code) for status, codes in ERROR_CODES.items()
              for code in codes}
    source = ''.join(open(f).read() for f in glob.glob(osp.join(
        ROOT, 'mmfashion_attr', 'serving', '*.py')))
    # the codes given to RequestError: quoted snake_case words in its call
    raised = {code for at in re.finditer(r'RequestError\(', source)
              for code in re.findall(r"'([a-z]+(?:_[a-z0-9]+)+)'",
                                     source[at.end():at.end() + 160])}
    assert {'bad_multipart', 'too_many_images', 'bad_base64'} <= raised
    assert raised <= {code for _, code in listed}, raised - {
        code for _, code in listed}
    with open(osp.join(ROOT, 'docs', 'inference_and_deployment.md')) as f:
        table = set(re.findall(r'^\| (\d{3}) \| (.+?) \|', f.read(),
                               re.MULTILINE))
    documented = {(int(status), code) for status, cell in table
                  for code in re.findall(r'`(\w+)`', cell)}
    assert documented == listed
