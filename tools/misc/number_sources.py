"""List the measurement-like numbers in the Markdown docs that have no
source, so that every published figure can be traced to a committed file.

    python tools/misc/number_sources.py [FILE.md ...]   # default: all docs

A number is measurement-like when it has a decimal point (``0.779``), a
percent sign or a unit (``%``, ``x``, ``img/s``, ``ms``, ``s``, ``min``,
``h``, ``days``, ``GB``...). Numbers in code (fenced or inline), link
targets, HTML comments, versions (``2.14.1``, ``Python 3.11``) and results
blocks (``<!-- results: ... -->``, checked by tests/test_readme_results.py)
are not looked at. Any other such number must be found, at the precision
written (also as a percentage of a fraction, or seconds as minutes or
hours), in a source named in its paragraph (lines between blank lines):

- ``<!-- from: PATH [PATH ...] -->``: committed files (repository-relative;
  ``../shared/...`` for the papers), e.g. a results file, a benchmark's raw
  output or the config that sets the value; ``results`` names this file's
  own results blocks; ``%`` says the paragraph's unit-less numbers are
  percentages of the sources' fractions (a table's ``%`` columns);
- a Markdown link to a file in the repository (``[raw](../x.txt)``), for
  the numbers of its own list item or table row;
- ``<!-- constants: 0.5 224 -->``: the numbers listed are settings or
  constants, not measurements.

Prints ``FILE:LINE: NUMBER (no source): context`` per number; exits 1 when
there is any. Why our own: no Markdown linter traces numbers to data.
"""
import argparse
import functools
import re
import subprocess
import sys
from pathlib import Path
from typing import Iterable, List, Optional, Set, Tuple

from mmfashion_attr.utils.cli import run_main

ROOT = Path(__file__).resolve().parents[2]

UNITS = (r'%|x\b(?!\s?\d)|×(?!\s?\d)|img/s|images/s|ms\b|s\b|sec\b|'
         r'seconds?\b|min\b|minutes?\b|h\b|hours?\b|days?\b|'
         r'GB\b|MB\b|kB\b|GiB\b|MiB\b|KiB\b|MP\b')
NUMBER = re.compile(r'(?<![\w.\'/@#^$])(\d+(?:\.\d+)?)(?:\s?(' + UNITS + '))?')
NOT_A_MEASUREMENT = re.compile(r'\.\d|[A-Za-z_]')  # right after the number
VERSIONED = re.compile(
    r'(?i)(?:python|torch|pytorch|mmcv|mmdet|mmpretrain|mmengine|mmyolo|'
    r'setuptools|numpy|timm|nginx|cuda|onnx|onnxruntime|openvino|opset|'
    r'chromium|debian|fastapi|uvicorn|pillow|version|v|'
    # references into a paper: section 3.2, eq 3, table 4.1
    r'section|sec\.|§|eq\.?|equation|table|figure|fig\.|chapter)'
    r'\s?(?:[<>=!~]=?\s?)?$')
LICENCE = re.compile(r'[A-Za-z]-$')  # AGPL-3.0, Apache-2.0
SOURCE = re.compile(r'<!--\s*from:\s*(.+?)\s*-->')
CONSTANTS = re.compile(r'<!--\s*constants:\s*(.+?)\s*-->')
LINK = re.compile(r'\]\(([^)\s#]+)(?:#[^)]*)?\)')
VALUE = re.compile(r'(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?')
RESULTS = re.compile(r'<!-- results: .+? -->\n.*?<!-- /results -->', re.S)
# how a source value may be shown, by the number's unit: a fraction as a
# percentage, seconds as minutes, hours or days
SCALES = {'%': (1, 100), 'min': (1, 1 / 60), 'minute': (1, 1 / 60),
          'h': (1, 1 / 3600), 'hour': (1, 1 / 3600), 'day': (1, 1 / 86400)}


def docs() -> List[str]:
    """README.md, docs/*.md and configs/*/README.md (git-tracked)."""
    files = subprocess.run(['git', 'ls-files', '*.md'], cwd=ROOT,
                           capture_output=True, text=True,
                           check=True).stdout.split()
    return [f for f in files if f == 'README.md' or
            re.fullmatch(r'docs/[^/]+\.md|configs/[^/]+/README\.md', f)]


def _blank(text: str, pattern: str, flags: int = 0) -> str:
    """``text`` with each match replaced by spaces (newlines kept), so
    that positions and line numbers stay."""
    return re.sub(pattern, lambda m: re.sub(r'[^\n]', ' ', m.group()),
                  text, flags=flags)


def candidates(paragraph: str) -> List[Tuple[int, str, str]]:
    """(offset, number as written, unit) of the measurement-like numbers in a
    paragraph with code, comments and link targets already blanked."""
    found = []
    for m in NUMBER.finditer(paragraph):
        number, unit = m.groups()
        if NOT_A_MEASUREMENT.match(paragraph, m.end(1)) and not unit:
            continue
        if '.' not in number and not unit:
            continue
        before = paragraph[max(0, m.start() - 12):m.start()]
        if VERSIONED.search(before) or LICENCE.search(before):
            continue
        found.append((m.start(), number, unit or ''))
    return found


@functools.lru_cache(maxsize=None)
def _file_tokens(path: str, mtime_ns: int) -> frozenset:
    """The number tokens of a file (read once per version of it)."""
    with open(path, encoding='utf-8', errors='replace') as f:
        return frozenset(VALUE.findall(f.read()))


def file_tokens(path: Path) -> frozenset:
    return _file_tokens(str(path), path.stat().st_mtime_ns)


def source_values(sources: Iterable[str], own_results: str, where: Path,
                  links: Iterable[str]) -> Tuple[Set[str], List[float]]:
    """The number tokens and values of a paragraph's sources."""
    tokens = set()
    for name in sources:
        if name == 'results':
            tokens.update(VALUE.findall(own_results))
            continue
        if name == '%':
            continue
        path = (ROOT / name).resolve()
        if not path.is_file():
            raise FileNotFoundError(f'from: {name}: no such file')
        tokens |= file_tokens(path)
    for target in links:
        path = (where.parent / target).resolve()
        if path.is_file() and path.suffix not in ('.png', '.jpg', '.svg'):
            tokens |= file_tokens(path)
    return tokens, [float(t) for t in tokens]


def sourced(number: str, unit: str, tokens: Set[str],
            values: List[float], percent: bool = False) -> bool:
    """``number`` as written equals a source value at its precision (with
    a unit: also the value scaled to it)."""
    if number in tokens:
        return True
    digits = len(number.split('.')[1]) if '.' in number else 0
    target, half = float(number), 0.5 * 10 ** -digits + 1e-12
    scales = SCALES.get(unit.rstrip('s') if len(unit) > 2 else unit, (1, ))
    if percent and not unit:
        scales = SCALES['%']
    return any(abs(v * s - target) <= half for v in values for s in scales)


def unsourced(name: str) -> List[Tuple[int, str, str]]:
    """(line, number, context) of each number in ``name`` without a
    source."""
    path = ROOT / name
    text = path.read_text(encoding='utf-8')
    own_results = '\n'.join(m.group() for m in RESULTS.finditer(text))
    scrubbed = _blank(text, RESULTS.pattern, re.S)
    scrubbed = _blank(scrubbed, r'^(```|~~~).*?^\1', re.S | re.M)
    scrubbed = _blank(scrubbed, r'`[^`\n]*(?:\n[^`\n]*)?`')
    scrubbed = _blank(scrubbed, r'<!--.*?-->', re.S)
    scrubbed = _blank(scrubbed, r'\]\([^)]*\)')
    scrubbed = _blank(scrubbed, r'https?://\S+')
    lines, problems = text.splitlines(), []
    start = 0
    for block in re.split(r'(\n\s*\n)', text):
        end = start + len(block)
        if block.strip():
            names = [n for m in SOURCE.finditer(block)
                     for n in m.group(1).split()]
            constants = {c for m in CONSTANTS.finditer(block)
                         for c in m.group(1).split()}
            for a, b in items(block):
                links = [t for t in LINK.findall(block[a:b])
                         if not re.match(r'[a-z]+:', t)]
                tokens, values = source_values(names, own_results, path,
                                               links)
                for offset, number, unit in candidates(
                        scrubbed[start + a:start + b]):
                    if number in constants or sourced(
                            number, unit, tokens, values, '%' in names):
                        continue
                    line = text.count('\n', 0, start + a + offset) + 1
                    context = lines[line - 1].strip()[:100]
                    problems.append((line, number, context))
        start = end
    return problems


ITEM = re.compile(r'^(?: {0,3}(?:[-*+]|\d+\.) |\|)', re.M)


def items(block: str) -> List[Tuple[int, int]]:
    """Spans of a paragraph's items: each list item (with its continuation
    lines) and each table row is one (a row whose first cell is empty
    continues the row above); the rest of the text another. A link sources
    its own item's numbers only; ``from:`` and ``constants:`` comments the
    whole paragraph's."""
    starts = sorted({0, *(m.start() for m in ITEM.finditer(block)
                          if not re.match(r'\|\s*\|', block[m.start():]))})
    return list(zip(starts, starts[1:] + [len(block)]))


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('files', nargs='*', help='default: all docs')
    parser.add_argument('--count', action='store_true',
                        help='only the number of unsourced figures per file')
    args = parser.parse_args(argv)
    total = 0
    for name in args.files or docs():
        problems = unsourced(name)
        total += len(problems)
        if args.count:
            if problems:
                print(f'{len(problems):5d} {name}')
            continue
        for line, number, context in problems:
            print(f'{name}:{line}: {number} (no source): {context}')
    print(f'{total} measurement-like numbers without a source',
          file=sys.stderr)
    if total:
        sys.exit(1)


if __name__ == '__main__':
    run_main(main)
