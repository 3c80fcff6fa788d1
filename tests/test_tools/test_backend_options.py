"""--backend and --backend-threads of infer_catalog.py, image_demo.py and
serve.py: the new backends run, the same answers as the inferencer's."""
import json
import os.path as osp
import sys

import pytest

from tests.helpers.in_process_tool import run_in_process


def test_infer_catalog_and_image_demo_on_openvino(tiny_backends, tmp_path,
                                                  monkeypatch):
    from mmfashion_attr.apis import AttributeInferencer
    from mmfashion_attr.apis.catalog_inference import read_done
    xml = tiny_backends.file('openvino')
    images = osp.dirname(tiny_backends.paths[0])
    out = str(tmp_path / 'catalog')
    assert run_in_process('tools/infer_catalog.py', [
        tiny_backends.config, xml, '--images', images, '--out', out,
        '--backend', 'openvino', '--backend-threads', '1', '--workers', '0',
        '--batch-size', '4'], monkeypatch) == 0
    done = read_done(out)
    ref = AttributeInferencer(tiny_backends.config, xml, backend='openvino')(
        tiny_backends.paths, num_workers=0)
    assert [done[r['img_path']]['attributes'] for r in ref] == \
        [r['attributes'] for r in ref]
    jsonl = str(tmp_path / 'demo.jsonl')
    assert run_in_process('demo/image_demo.py', [
        images, tiny_backends.config, xml, '--backend', 'openvino',
        '--out', jsonl, '--quiet', '--workers', '0'], monkeypatch) == 0
    with open(jsonl) as f:
        assert [json.loads(line)['attributes'] for line in f] == \
            [r['attributes'] for r in ref]


def test_threads_on_the_pytorch_backend_are_refused(tiny_backends, tmp_path,
                                                    monkeypatch, capsys):
    assert run_in_process('tools/infer_catalog.py', [
        tiny_backends.config, tiny_backends.ckpt, '--images',
        osp.dirname(tiny_backends.paths[0]), '--out', str(tmp_path / 'o'),
        '--backend-threads', '2'], monkeypatch) == 2
    assert 'backend threads are for the onnxruntime and openvino ' \
        'backends' in capsys.readouterr().err


def test_serve_takes_the_backends(tiny_backends, monkeypatch):
    """serve.py hands --backend and --backend-threads to build_predictor
    (the predictor itself: tests/test_deployment/test_openvino_model.py)."""
    pytest.importorskip('fastapi', reason='pip install -e .[serve]')
    import importlib.util

    from tests.helpers.run_tool import ROOT
    spec = importlib.util.spec_from_file_location(
        'serve_tool', osp.join(ROOT, 'tools', 'serve.py'))
    serve = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(serve)
    calls = []

    class Stop(Exception):
        pass

    def build_predictor(*args):
        calls.append(args)
        raise Stop

    monkeypatch.setattr(serve, 'build_predictor', build_predictor)
    for backend in ('onnxruntime-int8', 'openvino', 'openvino-int8'):
        monkeypatch.setattr(sys, 'argv', [
            'serve.py', tiny_backends.config, 'model', '--backend', backend,
            '--backend-threads', '3'])
        with pytest.raises(Stop):
            serve.main()
        assert calls[-1][1:3] == ('model', backend)
        assert calls[-1][-1] == 3
