"""benchmarks/gpu_suite.py's CPU dry run: the GPU suite's code paths (Runner
and plain loop, eager and compiled; latency steps; ONNX Runtime; batch
throughput; the catalogue end to end) on a tiny model, writing the one JSON
a GPU run writes."""
import json

from tests.helpers.run_tool import run


def test_dry_run_writes_every_step(tmp_path):
    out = tmp_path / 'gpu_suite.json'
    run(['benchmarks/gpu_suite.py', '--dry-run', '--out', str(out)])
    result = json.loads(out.read_text())
    assert result['dry_run'] is True
    assert {'machine', 'commit', 'date', 'config'} <= set(result)
    steps = result['steps']
    for name in ('train_eager', 'train_compiled'):
        assert steps[name]['runner_img_s'] > 0
        assert steps[name]['plain_img_s'] > 0
    assert steps['train_compiled']['compile'] == 'eager'
    inference = steps['inference']
    assert inference['b1_eager_fp16']['ms_median'] > 0
    assert inference['b1_compiled']['backend'] == 'eager'
    assert inference['b1_cuda_graph'] == dict(skipped='needs CUDA')
    assert inference['b1_onnxruntime']['providers'] == [
        'CPUExecutionProvider']
    assert inference['b2_eager_fp16']['img_s'] > 0
    catalog = steps['catalog_end_to_end']
    assert catalog['images'] == 4
    for name in ('pytorch_fp32', 'onnxruntime', 'decode_only'):
        assert 0 < catalog[name]['img_s_min'] <= \
            catalog[name]['img_s_median'] <= catalog[name]['img_s_max']
    assert catalog['pytorch_fp16_autocast'] == dict(
        skipped='fp16 autocast: CUDA only')
    assert 'skipped' in catalog['tensorrt']


def test_plain_loop_measured_when_the_runner_fails(monkeypatch):
    """On the GPU machine the Runner's compiled step failed (torch 2.11 and
    mmengine's AMP context): the plain loop must still give its figure."""
    import argparse
    import os.path as osp

    from tests.helpers.tiny_config import ROOT
    monkeypatch.syspath_prepend(osp.join(ROOT, 'benchmarks'))
    import gpu_suite
    import train_throughput

    def broken(cfg, args):
        raise RuntimeError('dynamo cannot trace this')

    monkeypatch.setattr(train_throughput, 'runner_throughput', broken)
    args = argparse.Namespace(
        config=gpu_suite.DEMO, dry_run=True, device='cpu', size=64,
        iters=2, warmup=1, train_batch=2, workers=0, compile_backend='eager')
    result = gpu_suite.train_step(args, compile_model=False)
    assert result['runner_error'] == 'RuntimeError: dynamo cannot trace this'
    assert result['plain_img_s'] > 0
    assert 'ratio' not in result
