"""The decoding cost the service reads from an image's header
(``serving/decode_cost.py``): at least the peak memory the loader and test
pipeline really take, per mode and format (benchmarks/decode_memory.py in
a subprocess), and what ``check_image`` refuses with it."""
import io
import os
import subprocess
import sys

import pytest
from PIL import Image

from tests.helpers.tiny_config import ROOT, write_tiny_config

pytest.importorskip('fastapi', reason='the serve extra is not installed '
                    '(pip install -e .[serve]; tools/install.sh does it)')


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_the_estimate_covers_the_measured_peak(synth_root, tmp_path):
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root)
    # JPEGs decoded whole (0), and at 1/8 scale (64)
    out = subprocess.run(
        [sys.executable, 'benchmarks/decode_memory.py', '--config', config,
         '--size', '1000', '--draft-size', '0', '64'],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
        capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    tables = out.stdout.split('\n\n')[:2]
    for draft, table in zip(('None', '64'), tables):
        assert f'draft_size {draft},' in table, out.stdout
        rows = [line.rsplit(None, 4) for line in table.splitlines()[2:]]
        assert len(rows) == 23, table
        for name, measured, per_pixel, estimate, ratio in rows:
            assert int(measured) <= int(estimate), (draft, name, table)
        if draft == 'None':  # decoded whole: a real cost, not overhead
            assert min(float(r[2]) for r in rows) > 9, table


def test_costs_from_the_header():
    from mmfashion_attr.serving.decode_cost import (DECODE_OVERHEAD_BYTES,
                                                    decode_cost)

    def cost(data, draft=None):
        with Image.open(io.BytesIO(data)) as img:
            return decode_cost(img, draft)[0] - DECODE_OVERHEAD_BYTES

    import numpy as np
    grey16 = Image.fromarray(np.zeros((100, 200), np.uint16))
    assert cost(encoded(grey16, 'PNG')) == 200 * 100 * 30
    assert cost(encoded(Image.new('RGBA', (200, 100)), 'PNG')) == \
        200 * 100 * 17
    assert cost(encoded(Image.new('P', (200, 100)), 'PNG',
                        transparency=0)) == 200 * 100 * 17
    assert cost(encoded(Image.new('RGB', (200, 100)), 'PNG')) == \
        200 * 100 * 11
    jpeg = encoded(Image.new('RGB', (800, 400)), 'JPEG')
    assert cost(jpeg) == 800 * 400 * 11
    assert cost(jpeg, draft=100) == 100 * 50 * 11  # decoded at 1/8
    progressive = encoded(Image.new('RGB', (800, 400)), 'JPEG',
                          progressive=True)
    # the full-size coefficients (2 bytes x 3 bands) at a reduced scale
    assert cost(progressive, draft=100) == 100 * 50 * 11 + 800 * 400 * 6
    assert cost(progressive) == 800 * 400 * 11


def test_check_image_refuses_an_image_too_costly_to_decode():
    import numpy as np

    from mmfashion_attr.serving.request_parsing import (RequestError,
                                                        ServeLimits, Upload,
                                                        check_image)
    grey16 = encoded(Image.fromarray(np.zeros((1000, 1000), np.uint16)),
                     'PNG')
    limits = ServeLimits(max_decode_bytes=30 * 1000 * 1000)
    with pytest.raises(RequestError) as e:
        check_image(Upload('deep.png', grey16), limits)
    assert (e.value.status, e.value.code, e.value.image) == (
        413, 'decode_too_large', 'deep.png')
    assert '1000x1000 I;16' in e.value.message
    assert '--max-decode-mb' in e.value.message
    check_image(Upload('flat.png', encoded(Image.new('L', (1000, 1000)),
                                           'PNG')), limits)  # 19 MB: fine
    # a JPEG decoded at a reduced scale costs less: served
    big_jpeg = encoded(Image.new('RGB', (3000, 2000)), 'JPEG')
    with pytest.raises(RequestError):
        check_image(Upload('big.jpg', big_jpeg), limits)
    check_image(Upload('big.jpg', big_jpeg), limits, draft_size=128)
