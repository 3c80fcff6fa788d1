"""tools/analysis_tools/backend_parity.py on the tiny model: every backend's
file of the checkpoint passes (exit 0, the JSON report), a file exported
from another checkpoint fails (exit 1), the bounds are options."""
import json

import pytest

from tests.helpers.in_process_tool import run_in_process

TOOL = 'tools/analysis_tools/backend_parity.py'


def parity(tiny_backends, backend, model, out, monkeypatch, *extra):
    return run_in_process(TOOL, [
        tiny_backends.config, tiny_backends.ckpt, '--backend', backend,
        '--model', model, '--out', out, '--batch-size', '3',
        '--backend-threads', '1', *extra], monkeypatch)


@pytest.mark.parametrize('backend', ['onnxruntime', 'onnxruntime-int8',
                                     'openvino', 'openvino-int8'])
def test_a_good_file_passes(tiny_backends, backend, tmp_path, monkeypatch,
                            capsys):
    out = str(tmp_path / 'parity.json')
    status = parity(tiny_backends, backend, tiny_backends.file(backend), out,
                    monkeypatch)
    printed = capsys.readouterr().out
    assert status == 0, printed
    assert printed.rstrip().endswith(f'PASSED\nwrote {out}')
    with open(out) as f:
        report = json.load(f)
    int8 = backend.endswith('int8')
    assert (report['backend'], report['precision'], report['split']) == \
        (backend, 'int8' if int8 else 'fp32', 'test')
    assert report['passed'] and report['images'] == 7
    assert report['bounds']['f1_tolerance'] == (0.01 if int8 else 0.005)
    rows = report['attributes']
    assert set(rows) >= {'category', 'color', 'pattern'}
    assert all(r['abs_f1_diff'] == 0 for r in rows.values()
               if 'abs_f1_diff' in r)
    assert rows['category']['top1_agreement'] == 1.0
    assert 'top1_agreement' not in rows['color']  # multi-label
    # fp32 runtimes: float rounding; int8: quantised, still close
    assert (0 < report['max_abs_score_diff'] <= 0.02) if int8 else \
        (report['max_abs_score_diff'] <= 1e-4)


def test_another_checkpoints_file_fails(tiny_backends, tmp_path, monkeypatch,
                                        capsys):
    other = tiny_backends.file('onnxruntime', other=True)
    out = str(tmp_path / 'parity.json')
    assert parity(tiny_backends, 'onnxruntime', other, out,
                  monkeypatch) == 1
    printed = capsys.readouterr().out
    assert 'BROKEN: ' in printed and '\nFAILED\n' in printed
    with open(out) as f:
        report = json.load(f)
    assert not report['passed']
    assert report['max_abs_f1_diff'] > 0.005
    assert report['min_top1_agreement'] < 1
    # the bound is an option
    assert parity(tiny_backends, 'onnxruntime', other, out, monkeypatch,
                  '--f1-tolerance', '1') == 0
    # and a score bound breaks even a good int8 file
    assert parity(tiny_backends, 'onnxruntime-int8',
                  tiny_backends.file('onnxruntime-int8'), out, monkeypatch,
                  '--score-tolerance', '1e-6') == 1


def test_a_wrong_file_is_a_user_error(tiny_backends, tmp_path, monkeypatch,
                                      capsys):
    out = str(tmp_path / 'parity.json')
    xml = tiny_backends.file('openvino')
    assert parity(tiny_backends, 'onnxruntime', xml, out, monkeypatch) == 2
    err = capsys.readouterr().err
    assert f'error: {xml} is an OpenVINO IR (.xml)' in err
