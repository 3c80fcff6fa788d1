"""Every results table in the Markdown files is what its report tool
regenerates from the committed results file: a block

    <!-- results: python tools/... --from-results FILE.jsonl -->
    ...the table...
    <!-- /results -->

must equal the command's ``--out`` output, so a hand-edited number fails."""
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.helpers.run_tool import ROOT, run

BLOCK = re.compile(r'<!-- results: (?P<cmd>.+?) -->\n(?P<body>.*?)'
                   r'<!-- /results -->', re.S)


def markdown_files():
    files = subprocess.run(['git', 'ls-files', '*.md'], cwd=ROOT,
                           capture_output=True, text=True).stdout.split()
    return [f for f in files if not f.startswith('.')]


def blocks():
    found = []
    for name in markdown_files():
        text = (Path(ROOT) / name).read_text(encoding='utf-8')
        for m in BLOCK.finditer(text):
            found.append((name, m.group('cmd'), m.group('body')))
    return found


def regenerated(cmd: str, out: Path) -> str:
    args = shlex.split(cmd)
    assert args[0] == 'python' and '--from-results' in args, \
        f'a results block must rebuild from committed results: {cmd}'
    run(args[1:] + ['--out', str(out)])
    return out.read_text(encoding='utf-8')


@pytest.mark.parametrize('name, cmd, body', blocks() or [
    pytest.param(None, None, None, marks=pytest.mark.skip('no blocks'))])
def test_table_equals_what_its_results_regenerate(name, cmd, body,
                                                  tmp_path):
    assert body.strip() == regenerated(cmd, tmp_path / 'out.md').strip(), (
        f'{name}: the table differs from `{cmd}`; regenerate it')


def unpaired_markers(text: str) -> list:
    """Lines of ``<!-- results: ... -->`` / ``<!-- /results -->`` markers
    that do not open or close a block: a block whose marker was removed
    would otherwise just stop being checked."""
    spans = [m.span() for m in BLOCK.finditer(text)]
    bad = []
    for m in re.finditer(r'^<!-- (results:|/results)', text, re.M):
        if not any(a <= m.start() < b for a, b in spans):
            bad.append(text.count('\n', 0, m.start()) + 1)
    return bad


def test_every_results_marker_belongs_to_a_block():
    bad = {name: lines for name in markdown_files()
           if (lines := unpaired_markers(
               (Path(ROOT) / name).read_text(encoding='utf-8')))}
    assert not bad, f'results markers without their pair (file: lines): {bad}'
    # a block whose opening line is removed leaves its closing marker
    text = '<!-- results: python x.py --from-results r.jsonl -->\n| a |\n' \
        '<!-- /results -->\n'
    assert unpaired_markers(text) == []
    assert unpaired_markers(text.split('\n', 1)[1]) == [2]


def test_a_hand_edited_number_is_caught(tmp_path):
    (name, cmd, body), *_ = blocks()
    edited = re.sub(r'\d\.\d{3}', lambda m: f'{float(m.group()) + 0.001:.3f}',
                    body, count=1)
    assert edited != body
    assert edited.strip() != regenerated(cmd, tmp_path / 'out.md').strip()
