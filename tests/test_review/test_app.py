"""The review app over a real socket (uvicorn in a thread): decisions
through the API, and hostile input answered with a 4xx that writes
nothing: unknown ids, bodies that are not the expected JSON, corrections
the schema does not allow for the row's category, stale revisions, path
traversal in the image route; concurrent writers all logged."""
import http.client
import threading
import urllib.parse

import pytest

from mmfashion_attr.review import DecisionStore
from tests.helpers.http_server import serving
from tests.helpers.review_fixture import load_review

pytest.importorskip('fastapi', reason='pip install -e .[serve]')
requests = pytest.importorskip('requests')


@pytest.fixture
def served(review_files, tmp_path):
    from mmfashion_attr.review.app import create_review_app
    review = load_review(review_files)
    store = DecisionStore(str(tmp_path / 'r.sqlite'), review_files['ann'])
    app = create_review_app(review, store, str(tmp_path / 'export'))
    with serving(app) as url:
        yield url, review, store


def raw_get(url: str, path: str):
    """GET ``path`` exactly as written (no client normalising ``..``)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request('GET', path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def test_decisions_and_views(served):
    url, review, store = served
    page = requests.get(url + '/', timeout=10)
    assert page.status_code == 200 and 'Label review' in page.text
    listed = requests.get(url + '/api/items', timeout=10).json()
    assert [i['id'] for i in listed['items']] == list(range(1, 8))
    assert listed['category_task'] == 'category'
    one = requests.get(url + '/api/items/3', timeout=10).json()
    assert (one['attribute'], one['category'], one['choices'],
            one['decision'], one['revision']) == (
        'length', 'jeans', ['mini', 'knee', 'ankle'], None, 0)
    r = requests.put(url + '/api/items/3/decision', timeout=10,
                     json=dict(decision='correct', values=['ankle', ' '],
                               revision=0))
    assert r.status_code == 200, r.text
    assert (r.json()['decision'], r.json()['value'],
            r.json()['revision']) == ('correct', ['ankle'], 1)
    by_image = requests.get(url + '/api/items', timeout=10, params=dict(
        image=one['image'])).json()['items']
    assert [(i['attribute'], i['decision']) for i in by_image] == [
        ('length', 'correct'), ('color', None)]
    by_attr = requests.get(url + '/api/items?attribute=pattern',
                           timeout=10).json()['items']
    assert {i['attribute'] for i in by_attr} == {'pattern'}
    # the category corrected: the image's other labels take its values
    r = requests.put(url + '/api/items/7/decision', timeout=10,
                     json=dict(decision='correct', values=['dress']))
    assert r.json()['effective_category'] == 'dress'
    undone = requests.delete(url + '/api/items/3/decision?revision=1',
                             timeout=10).json()
    assert (undone['decision'], undone['revision']) == (None, 2)
    image = requests.get(url + one['image_url'], timeout=10)
    assert image.status_code == 200
    assert image.headers['content-type'] == 'image/jpeg'
    assert image.content[:2] == b'\xff\xd8'
    exported = requests.post(url + '/api/export', timeout=30).json()
    assert exported['cells_changed'] == 1
    download = requests.get(url + '/export/catalogue', timeout=30)
    assert download.content == open(exported['corrected'], 'rb').read()
    assert 'catalogue.corrected.csv' in download.headers[
        'content-disposition']
    log = requests.get(url + '/export/decisions.csv', timeout=30).text
    assert log.splitlines()[0].startswith('seq,time,image,attribute')
    assert len(log.splitlines()) == 4


@pytest.mark.parametrize('method, path, body, status, code', [
    ('PUT', '/api/items/99/decision', dict(decision='accept'), 404,
     'unknown_item'),
    ('PUT', '/api/items/0/decision', dict(decision='accept'), 404,
     'unknown_item'),
    ('PUT', '/api/items/-1/decision', dict(decision='accept'), 404,
     'unknown_item'),
    ('PUT', '/api/items/1e3/decision', dict(decision='accept'), 404,
     'unknown_item'),
    ('PUT', '/api/items/' + '9' * 40 + '/decision', dict(decision='accept'),
     404, 'unknown_item'),
    ('GET', '/api/items/abc', None, 404, 'unknown_item'),
    ('DELETE', '/api/items/99/decision', None, 404, 'unknown_item'),
    ('PUT', '/api/items/2/decision', b'{not json', 400, 'bad_json'),
    ('PUT', '/api/items/2/decision', b'[1, 2]', 400, 'bad_json'),
    ('PUT', '/api/items/2/decision', b'[' * 100000, 413,
     'request_too_large'),
    ('PUT', '/api/items/2/decision', dict(decision='approve'), 400,
     'bad_decision'),
    ('PUT', '/api/items/2/decision', dict(decision='correct',
                                          values='striped'), 400,
     'bad_values'),
    ('PUT', '/api/items/2/decision', dict(decision='correct',
                                          values=[1]), 400, 'bad_values'),
    ('PUT', '/api/items/2/decision', dict(decision='accept',
                                          revision='0'), 400, 'bad_json'),
    # length 'long' is for tops: not allowed for jeans
    ('PUT', '/api/items/3/decision', dict(decision='correct',
                                          values=['long']), 422,
     'not_allowed'),
    ('PUT', '/api/items/3/decision', dict(decision='correct',
                                          values=['mini', 'knee']), 422,
     'not_allowed'),
    ('PUT', '/api/items/3/decision', dict(decision='correct',
                                          values=['<script>']), 422,
     'not_allowed'),
    ('PUT', '/api/items/1/decision', dict(decision='correct',
                                          values=['rips']), 422,
     'not_allowed'),
    ('PUT', '/api/items/7/decision', dict(decision='correct', values=[]),
     422, 'not_allowed'),
    ('PUT', '/api/items/1/decision', dict(decision='accept'), 422,
     'no_suggestion'),
    ('PUT', '/api/items/2/decision', dict(decision='accept', revision=5),
     409, 'stale_decision'),
    ('DELETE', '/api/items/2/decision?revision=3', None, 409,
     'stale_decision'),
    ('POST', '/api/items/2/decision', None, 405, 'method_not_allowed'),
])
def test_hostile_requests_write_nothing(served, method, path, body, status,
                                        code):
    url, review, store = served
    kwargs = dict(data=body) if isinstance(body, bytes) else dict(json=body)
    r = requests.request(method, url + path, timeout=10, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()['error']['code'] == code
    assert store.log() == []
    if code == 'not_allowed':
        assert 'category' in r.json()['error']['message']


def test_images_of_the_catalogue_only(served, review_files):
    url, review, store = served
    item = review.items[0]
    assert raw_get(url, '/images/' + item.image)[0] == 200
    secret = review_files['schema']  # a file next to the images
    for path in ['/images/../schema.json', '/images/%2e%2e/schema.json',
                 '/images/..%2fschema.json', '/images/' + secret,
                 '/images/' + urllib.parse.quote(secret, safe=''),
                 '/images//etc/passwd', '/images/%2Fetc%2Fpasswd',
                 '/images/../../../../etc/passwd',
                 '/images/train/../train/000000.jpg',
                 '/images/./' + item.image,
                 # a catalogue image nobody flagged: not served either
                 '/images/train/000004.jpg',
                 '/images/train/000000.jpg%00.png']:
        status, body = raw_get(url, path)
        assert status == 404, path
        assert b'"version"' not in body and b'root:' not in body


def test_concurrent_decisions(served):
    """24 writers at once on 3 items: every request answered 200, every
    decision logged, each item's decision its last log entry."""
    url, review, store = served
    answers, lock = [], threading.Lock()

    def work(k):
        item = 2 + k % 3
        choices = requests.get(f'{url}/api/items/{item}',
                               timeout=30).json()['choices']
        r = requests.put(f'{url}/api/items/{item}/decision', timeout=30,
                         json=dict(decision='correct',
                                   values=[choices[k % len(choices)]]))
        with lock:
            answers.append(r.status_code)

    threads = [threading.Thread(target=work, args=(k, )) for k in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200] * 24
    log = store.log()
    assert len(log) == 24
    for item in review.items[1:4]:
        last = [e for e in log if (e['image'], e['attribute']) == item.key]
        assert len(last) == 8
        got = requests.get(f'{url}/api/items/{item.id}', timeout=10).json()
        assert (got['value'], got['revision']) == (last[-1]['value'], 8)
