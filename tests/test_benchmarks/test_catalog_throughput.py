"""benchmarks/catalog_throughput.py on a tiny setting (the tiny config for
both models, 64 px images): every row of the table, measured or skipped
with its reason, the --out file, and the --busy process gone afterwards."""
import os.path as osp
import re

from tests.helpers.run_tool import run
from tests.helpers.tiny_config import write_tiny_config

PATHS = ('pytorch', 'onnxruntime', 'onnxruntime-int8', 'openvino',
         'openvino-int8')
NUMBER = r'[\d.]+(?:e[+-]\d+)?'
SPREAD = rf'{NUMBER} \({NUMBER}-{NUMBER}\)'


def row(name, n, columns):
    """A measured row: the name, its image count, images/s median (min-max)
    and ``columns`` more numbers (end to end: vs decode, vs model (Lite0
    only) and hours per 10^6 images)."""
    cells = {0: '', 2: rf'\s+{NUMBER}\s+{NUMBER}',
             3: rf'\s+{NUMBER}\s+(?:{NUMBER}\s+)?{NUMBER}'}[columns]
    return re.compile(rf'^  {re.escape(name)}\s+{n}\s+{SPREAD}{cells}$', re.M)


def skipped(name):
    return re.compile(rf'^  {re.escape(name)}\s+skipped: \S.*$', re.M)


def test_every_row_and_the_out_file(tmp_path, synth_root):
    config = write_tiny_config(tmp_path / 'tiny.py', synth_root)
    out = tmp_path / 'throughput.txt'
    proc = run(['benchmarks/catalog_throughput.py', '--size', '64',
                '--num-images', '8', '--paper-images', '2', '--repeats', '1',
                '--batch-size', '4', '--workers', '0', '--calib-images', '4',
                '--config-lite0', config, '--config-paper', config,
                '--busy', '1', '--out', str(out)], timeout=300)
    text = out.read_text()
    for line in text.splitlines():  # the file has the whole output
        assert line in proc.stdout
    assert 'shared-machine mode: 1 other CPU-busy process' in text
    assert 'commit ' in text.splitlines()[0]
    expected = [(row('paper 64 px, pytorch', 2, 2), None)]
    expected += [(row(f'lite0 64 px, {p}', 8, 3),
                  skipped(f'lite0 64 px, {p}') if p != 'pytorch' else None)
                 for p in PATHS]
    expected += [(row(f'decode only, {m} pipeline 64 px', 8, 0), None)
                 for m in ('paper', 'lite0')]
    expected += [(row(f'model only, lite0 64 px, {p}', 8, 0),
                  skipped(f'model only, lite0 64 px, {p}')
                  if p != 'pytorch' else None) for p in PATHS]
    table = text[text.index('\npath '):]
    for measured, or_skipped in expected:
        assert measured.search(table) or (
            or_skipped is not None and or_skipped.search(table)), \
            f'no row {measured.pattern!r} in\n{table}'
    # the busy process was stopped with the run
    pids = re.search(r'busy processes started: pids \[(\d+)\]', text)
    assert pids and not osp.exists(f'/proc/{pids.group(1)}')
