"""``/metrics`` (Prometheus text format), ``/healthz`` (liveness) and
``/readyz`` (readiness) of the service on a live server: the counters move
by what a few requests did, readiness turns 503 when draining while
liveness stays 200 (issue 30, item 3)."""
import pytest

from tests.helpers.http_server import serving
from tests.helpers.raw_http import raw_exchange
from tests.helpers.tiny_config import save_tiny_checkpoint, write_tiny_config

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')
pytest.importorskip('prometheus_client', reason='the serve extra is not '
                    'installed (pip install -e .[serve])')
requests = pytest.importorskip('requests')


@pytest.fixture(scope='module')
def app(synth_root, tmp_path_factory):
    import mmfashion_attr  # noqa: F401
    from mmfashion_attr.serving import (ServeLimits, build_predictor,
                                        create_app)
    tmp = tmp_path_factory.mktemp('metrics')
    config = write_tiny_config(tmp / 'tiny.py', synth_root)
    ckpt = save_tiny_checkpoint(config, tmp / 'weights.pth')
    return create_app(build_predictor(config, ckpt),
                      ServeLimits(max_images=4), max_batch=4,
                      max_wait_ms=50)


def scrape(url: str) -> dict:
    """``/metrics`` parsed: {(name, sorted label items): value}."""
    from prometheus_client.parser import text_string_to_metric_families
    r = requests.get(url + '/metrics', timeout=10)
    assert r.status_code == 200
    assert r.headers['content-type'].startswith('text/plain; version=')
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text)
            for s in family.samples}


def delta(before: dict, after: dict, name: str, **labels) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_metrics_count_what_the_requests_did(app, synth_root):
    from mmfashion_attr.serving.http_protocol import ServiceH11Protocol
    with open(f'{synth_root}/images/test/000000.jpg', 'rb') as f:
        good = f.read()
    with serving(app, http=ServiceH11Protocol) as url:
        port = int(url.rsplit(':', 1)[1])
        before = scrape(url)
        post = url + '/v1/attributes'
        for _ in range(2):  # 2 requests of 3 images
            r = requests.post(post, files=[('images', (f'{i}.jpg', good))
                                           for i in range(3)], timeout=60)
            assert r.status_code == 200, r.text
        assert requests.post(post, files=[('images', ('e.jpg', b''))],
                             timeout=10).status_code == 400
        assert requests.post(post, files=[('images', ('x.png', b'not'))],
                             timeout=10).status_code == 400
        assert requests.get(url + '/nope', timeout=10).status_code == 404
        assert requests.get(post, timeout=10).status_code == 405
        assert raw_exchange(port, [b'GARBAGE\r\n\r\n'])[0] == 400
        after = scrape(url)

    def moved(name, **labels):
        return delta(before, after, name, **labels)

    route = dict(route='/v1/attributes')
    assert moved('mmfashion_attr_requests_total', method='POST',
                 status='200', **route) == 2
    assert moved('mmfashion_attr_requests_total', method='POST',
                 status='400', **route) == 2
    assert moved('mmfashion_attr_requests_total', method='GET',
                 status='405', **route) == 1
    # unknown paths share one series (no label per hostile path)
    assert moved('mmfashion_attr_requests_total', method='GET',
                 status='404', route='unmatched') == 1
    assert moved('mmfashion_attr_requests_total', method='GET',
                 status='200', route='/metrics') == 1  # the first scrape
    assert moved('mmfashion_attr_request_duration_seconds_count',
                 method='POST', **route) == 4
    assert moved('mmfashion_attr_request_duration_seconds_sum',
                 method='POST', **route) > 0
    assert moved('mmfashion_attr_request_duration_seconds_bucket',
                 method='POST', le='+Inf', **route) == 4
    for code, status, count in [('empty_image', '400', 1),
                                ('not_an_image', '400', 1),
                                ('not_found', '404', 1),
                                ('method_not_allowed', '405', 1),
                                ('bad_http_request', '400', 1)]:
        assert moved('mmfashion_attr_errors_total', code=code,
                     status=status) == count, code
    assert moved('mmfashion_attr_images_refused_total',
                 reason='empty_image') == 1
    assert moved('mmfashion_attr_images_refused_total',
                 reason='not_an_image') == 1
    assert moved('mmfashion_attr_images_total') == 6
    # 6 images in model calls of at most 4 (each request's 3 together)
    calls = moved('mmfashion_attr_batch_size_count')
    assert 2 <= calls <= 6
    assert moved('mmfashion_attr_batch_size_sum') == 6
    assert moved('mmfashion_attr_batch_size_bucket', le='4.0') == calls
    assert moved('mmfashion_attr_model_call_seconds_count') == calls
    assert after[('mmfashion_attr_requests_in_flight', ())] == 1  # itself
    assert after[('mmfashion_attr_queue_depth', ())] == 0
    assert after[('mmfashion_attr_draining', ())] == 0
    info = [labels for (name, labels), value in after.items()
            if name == 'mmfashion_attr_model_info']
    assert len(info) == 1
    info = dict(info[0])
    assert info['config'] == 'tiny.py'
    assert (info['kind'], info['backend']) == ('attributes', 'pytorch')
    assert len(info['checkpoint_sha256']) == 64
    assert after[('process_resident_memory_bytes', ())] > 1e7


def test_liveness_and_readiness(app):
    with serving(app) as url:
        health = requests.get(url + '/healthz', timeout=10)
        ready = requests.get(url + '/readyz', timeout=10)
        assert (health.status_code, health.json()['status']) == (200, 'ok')
        assert (ready.status_code, ready.json()['status']) == (200,
                                                               'ready')
        app.state.drain.begin(10)  # what SIGTERM does (ServiceServer)
        try:
            ready = requests.get(url + '/readyz', timeout=10)
            health = requests.get(url + '/healthz', timeout=10)
            metrics = scrape(url)
        finally:
            app.state.drain.started = app.state.drain.deadline = None
    assert ready.status_code == 503
    assert ready.json()['error']['code'] == 'draining'
    assert ready.headers['connection'] == 'close'  # draining: every answer
    assert health.status_code == 200  # alive while draining
    assert metrics[('mmfashion_attr_draining', ())] == 1
