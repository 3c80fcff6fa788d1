"""docs/catalogue_workflow.md: every command of the page, in order, in one
shell, on a miniature (the page's own commands; only sizes, epochs, folds,
paths and the port are made small by the substitutions below, each of
which must find its text, so a changed page fails here until the test
follows it)."""
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from tests.helpers.run_tool import ROOT
from tests.helpers.tiny_config import write_tiny_config

PAGE = Path(ROOT) / 'docs' / 'catalogue_workflow.md'


def bash_blocks(text: str) -> list:
    return re.findall(r'^```bash\n(.*?)^```', text, re.S | re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_every_command_of_the_page_runs(tmp_path):
    script = '\n'.join(bash_blocks(PAGE.read_text(encoding='utf-8')))
    catalog, work = tmp_path / 'catalogue', tmp_path / 'work'
    tiny = write_tiny_config(tmp_path / 'tiny_base.py', str(catalog),
                             size=32, epochs=1)
    port = str(free_port())
    for old, new in [
            ('CATALOG=data/my_catalogue', f'CATALOG={catalog}'),
            ('WORK=work_dirs/my_catalogue', f'WORK={work}'),
            ('--num-train 1200 --num-val 300 --num-test 300 \\\n'
             '    --size 128', '--num-train 24 --num-val 12 --num-test 8 '
             '--size 32'),
            ("_base_ = '$PWD/configs/demo/synthfashion_effv2atto_fpn_cbam.py'",
             f"_base_ = '{tiny}'"),
            ('--folds 3', '--folds 2'),
            ('--num-per-kind 50', '--num-per-kind 2 --kinds noise shapes'),
            ('8011', port), ('8012', str(free_port()))]:
        assert old in script, f'the page no longer has {old!r}'
        script = script.replace(old, new)
    env = dict(os.environ, PYTHONPATH=ROOT,
               PATH=f'{Path(sys.executable).parent}:{os.environ["PATH"]}')
    proc = subprocess.run(['bash', '-euo', 'pipefail', '-c', script],
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    for made in ['audit/issues.csv', 'audit/review_export/decisions.csv',
                 'audit/review_export/train.corrected.csv', 'thresholds.json',
                 'garment_detector.npz', 'predictions.jsonl']:
        assert (work / made).is_file(), made
    lines = (work / 'predictions.jsonl').read_text().splitlines()
    assert len(lines) == 24 + 12 + 8
    assert '"garment"' in lines[0] and '"decision"' in lines[0]
    assert '"attributes"' in proc.stdout  # the service's answer
