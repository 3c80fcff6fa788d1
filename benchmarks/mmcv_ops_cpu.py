"""CPU speed of mmcv's compiled ops from two mmcv wheels, in one run: ours
(built by tools/install_steps/build_mmcv_wheel.sh) beside a reference wheel
(for example a plain ``pip wheel`` build of the same sdist).

    python benchmarks/mmcv_ops_cpu.py OURS.whl REFERENCE.whl [--rounds 5]

Each wheel is unpacked to a temporary folder and timed in fresh processes,
alternating ours and the reference round by round, so that drift in the
machine's load hits both. Ops: ``nms`` (2000 boxes), ``RoIAlign`` forward
(256 x 100 x 136 features, 512 RoIs, 7 x 7, sampling 2) and its backward,
the shapes of Mask R-CNN's box head on an 800 x 1088 image. Prints, per op,
the median and range of milliseconds per call over the rounds, and the ratio
ours / reference.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile

TIMER = r'''
import json, time, torch
import mmcv
from mmcv.ops import nms, roi_align
torch.manual_seed(0)
torch.set_num_threads(1)
xy = torch.rand(2000, 2) * 1000
boxes = torch.cat([xy, xy + 20 + torch.rand(2000, 2) * 200], 1)
scores = torch.rand(2000)
feats = torch.randn(1, 256, 100, 136, requires_grad=True)
c = torch.rand(512, 2) * 1000
rois = torch.cat([torch.zeros(512, 1), c,
                  c + 16 + torch.rand(512, 2) * 300], 1)

def per_call(fn, reps):
    fn()
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps * 1000

def align():
    return roi_align(feats, rois, (7, 7), 1 / 8, 2, 'avg', True)

out = align()
grad = torch.randn_like(out)
print(json.dumps(dict(
    file=mmcv.__file__,
    nms=per_call(lambda: nms(boxes, scores, 0.5), 50),
    roi_align_forward=per_call(align, 20),
    roi_align_backward=per_call(
        lambda: torch.autograd.grad(align(), feats, grad), 10))))
'''


def unpack(wheel: str, into: str) -> str:
    with zipfile.ZipFile(wheel) as z:
        z.extractall(into)
    return into


def time_once(site: str) -> dict:
    env = dict(os.environ, PYTHONPATH=site)
    out = subprocess.run([sys.executable, '-c', TIMER], env=env, check=True,
                         capture_output=True, text=True, cwd=site)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result.pop('file').startswith(site), 'imported the wrong mmcv'
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ours')
    parser.add_argument('reference')
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sites = dict(ours=unpack(args.ours, os.path.join(tmp, 'ours')),
                     reference=unpack(args.reference,
                                      os.path.join(tmp, 'reference')))
        runs = dict(ours=[], reference=[])
        for _ in range(args.rounds):
            for name, site in sites.items():
                runs[name].append(time_once(site))
    print(f'{args.rounds} rounds, one thread, ms per call: median (min-max)')
    print(f'{"op":<20} {"ours":>22} {"reference":>22} {"ours/ref":>9}')
    for op in runs['ours'][0]:
        cells = []
        for name in ('ours', 'reference'):
            values = [r[op] for r in runs[name]]
            cells.append((statistics.median(values), min(values),
                          max(values)))
        text = [f'{m:8.3f} ({lo:.3f}-{hi:.3f})' for m, lo, hi in cells]
        print(f'{op:<20} {text[0]:>22} {text[1]:>22} '
              f'{cells[0][0] / cells[1][0]:9.2f}')


if __name__ == '__main__':
    main()
