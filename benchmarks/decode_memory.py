"""Peak memory of decoding one upload as the HTTP service does
(``LoadFashionImage`` and the rest of a config's test pipeline), per image
mode and format, beside the estimate the service makes from the header
(``mmfashion_attr/serving/decode_cost.py``): the source of its bytes per
pixel.

    python benchmarks/decode_memory.py [--config CFG] [--size 2000]
        [--draft-size N [N ...]]

Each image is black, ``--size`` pixels square (JPEGs: noise, square and
1.5 times as wide), made in memory; each case is measured in this process
as the rise of the peak RSS (``VmHWM``, reset before each case through
``/proc/self/clear_refs``) over the RSS before it. The script runs itself
again with glibc's ``MALLOC_MMAP_THRESHOLD_=65536`` so that freed buffers
go back to the system and each case starts from the same state.
Prints one line per case: measured bytes, bytes per pixel, the estimate and
estimate / measured (must be >= 1).
"""
import argparse
import gc
import io
import os
import sys

ENV = 'MALLOC_MMAP_THRESHOLD_'


def vm(key: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1]) * 1024
    raise KeyError(key)


def peak_rise(fn) -> int:
    """The peak RSS while ``fn()`` runs, above the RSS before it."""
    gc.collect()
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    before = vm('VmRSS')
    out = fn()
    rise = vm('VmHWM') - before
    del out
    gc.collect()
    return rise


def cases(size: int):
    """(name, file bytes) of the modes and formats a service meets."""
    import numpy as np
    from PIL import Image, ImageFile
    ImageFile.MAXBLOCK = 1 << 26  # progressive JPEGs of noise

    def save(img, fmt, **kw):
        buf = io.BytesIO()
        img.save(buf, fmt, **kw)
        return buf.getvalue()

    grey16 = Image.fromarray(np.zeros((size, size), np.uint16))
    for mode in ('RGB', 'RGBA', 'L', 'LA', 'P', '1'):
        yield f'{mode} PNG', save(Image.new(mode, (size, size)), 'PNG')
    yield 'P+transparency PNG', save(Image.new('P', (size, size)), 'PNG',
                                     transparency=0)
    yield 'I;16 PNG', save(grey16, 'PNG')
    yield 'I;16 TIFF', save(grey16, 'TIFF')
    yield 'I TIFF', save(Image.new('I', (size, size)), 'TIFF')
    yield 'F TIFF', save(Image.new('F', (size, size)), 'TIFF')
    yield 'RGBA TIFF', save(Image.new('RGBA', (size, size)), 'TIFF')
    yield 'RGBA WEBP', save(Image.new('RGBA', (size, size)), 'WEBP',
                            lossless=True)
    yield 'RGB BMP', save(Image.new('RGB', (size, size)), 'BMP')
    yield 'CMYK JPEG', save(Image.new('CMYK', (size, size)), 'JPEG')
    rng = np.random.default_rng(0)
    for w, h in ((size, size), (size * 3 // 2, size)):
        noise = Image.fromarray(rng.integers(0, 256, (h, w, 3), np.uint8))
        for progressive in (False, True):
            for sub in (0, 2):
                yield (f'RGB JPEG {w}x{h} progressive={int(progressive)} '
                       f'subsampling={sub}',
                       save(noise, 'JPEG', progressive=progressive,
                            subsampling=sub, quality=90))


def measure(config: str, size: int, draft_size=None):
    """(case, measured bytes, pixels, estimate) for every case."""
    from mmengine.config import Config
    from PIL import Image

    import mmfashion_attr  # noqa: F401
    from mmfashion_attr.apis.attribute_inferencer import test_pipeline
    from mmfashion_attr.serving.decode_cost import decode_cost
    from mmfashion_attr.serving.predictors import (check_pipeline,
                                                   run_pipeline)
    from mmfashion_attr.serving.request_parsing import Upload
    cfg = Config.fromfile(config)
    pipeline = test_pipeline(cfg)
    check_pipeline(pipeline, config)
    if draft_size is not None:
        pipeline.transforms[0].draft_size = draft_size or None
    draft = pipeline.transforms[0].draft_size
    rows = []
    for name, data in cases(size):
        with Image.open(io.BytesIO(data)) as img:
            pixels = img.size[0] * img.size[1]
            estimate, _ = decode_cost(img, draft)
        upload = Upload(name, data)
        rise = peak_rise(lambda: run_pipeline(pipeline, upload))
        rows.append((name, rise, pixels, estimate))
    return rows, draft


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default='configs/demo/'
                        'synthfashion_effv2atto_fpn_cbam.py')
    parser.add_argument('--size', type=int, default=2000)
    parser.add_argument('--draft-size', type=int, nargs='+',
                        default=[None], help="the loader's draft_size, "
                        "one table each (default: the config's; 0: none)")
    args = parser.parse_args()
    if os.environ.get(ENV) != '65536':
        os.execve(sys.executable, [sys.executable] + sys.argv,
                  dict(os.environ, **{ENV: '65536'}))
    for draft_size in args.draft_size:
        rows, draft = measure(args.config, args.size, draft_size)
        print(f'config {args.config}, draft_size {draft}, {ENV}=65536')
        print(f'{"case":48s} {"measured B":>11s} {"B/px":>6s} '
              f'{"estimate B":>11s} {"est/meas":>8s}')
        for name, rise, pixels, estimate in rows:
            print(f'{name:48s} {rise:11d} {rise / pixels:6.2f} '
                  f'{estimate:11d} {estimate / max(rise, 1):8.2f}', flush=True)
        print()


if __name__ == '__main__':
    main()
