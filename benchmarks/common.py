"""What the benchmark scripts share: the input size a pipeline gives,
SynthFashion images at that size (generated once, under the temp folder),
a per-call timer, the median (min-max) of repetitions and output kept in a
file as it is printed."""
import os.path as osp
import tempfile
import time
from typing import Optional

import numpy as np

from mmfashion_attr.datasets.synthfashion import generate, is_current


def pipeline_size(pipeline) -> int:
    """The side of the square images a pipeline pads to (also inside a
    wrapper's ``transforms``, e.g. the demo config's ``SeededRandomness``)."""
    for t in pipeline:
        if t['type'] == 'Pad':
            return t['size'][0]
        if t.get('transforms'):
            try:
                return pipeline_size(t['transforms'])
            except ValueError:
                pass
    raise ValueError('no Pad in the pipeline: pass --size')


def synthfashion_at(size: int, num_images: int,
                    detail_scale: str = 'synth') -> str:
    """A SynthFashion folder with ``num_images`` training JPEGs of ``size``
    px (and one val image), reused while its arguments match;
    ``detail_scale='photo'``: small details at real garments' proportions
    (a folder of its own)."""
    suffix = '' if detail_scale == 'synth' else f'_{detail_scale}'
    data = osp.join(tempfile.gettempdir(),
                    f'mmfa_bench_synth_{size}_{num_images}{suffix}')
    if not is_current(data, num_images, 1, size=size, seed=0,
                      detail_scale=detail_scale):
        generate(data, num_images, 1, size=size, seed=0, workers=2,
                 detail_scale=detail_scale)
    return data


def timed(fn, iters, warmup, sync):
    """Seconds per call of ``fn``: every one of ``iters`` timed calls after
    ``warmup`` untimed ones, ``sync`` (e.g. ``torch.cuda.synchronize``)
    around each."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        sync()
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return np.array(times)


def spread(values, fmt='{:.1f}') -> str:
    """``median (min-max)`` of repeated measurements, each as ``fmt``."""
    values = np.asarray(values)
    return (fmt.format(np.median(values)) + ' (' + fmt.format(values.min())
            + '-' + fmt.format(values.max()) + ')')


def output_to(path: Optional[str]):
    """``say(text='')``: print a line and, with ``path``, also write it to
    that file (flushed at once), so a benchmark's raw output is kept as it
    ran, even when the run is cut short."""
    out = open(path, 'w', encoding='utf-8') if path else None

    def say(text: str = '') -> None:
        print(text, flush=True)
        if out is not None:
            out.write(text + '\n')
            out.flush()

    return say
