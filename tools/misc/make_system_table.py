"""Build the top-level README's table of the four systems, each headline
figure read from the table its report tool makes from committed records.

    python tools/misc/make_system_table.py --from-results docs/systems.yml
        [--out table.md]

``docs/systems.yml`` lists the systems: the columns' text and, under
``figures``, where each headline figure comes from: ``run`` (a report
tool's ``--from-results`` command), then either ``row`` and ``column`` (a
cell of its output's Markdown table; ``table``: a word of the line above
the table, when the output has several) or ``match`` (a regular expression
on its output, the figure being its first group). ``headline`` is a
template that names them (``{f1}``). So the figures of the system table
and of each config folder's README come from the same records by the same
code, and tests/test_readme_results.py regenerates the table.
Why our own: a README table that quotes other generated tables.
"""
import argparse
import contextlib
import io
import os
import re
import runpy
import shlex
import sys
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from mmfashion_attr.errors import UserInputError
from mmfashion_attr.utils import run_records
from mmfashion_attr.utils.cli import run_main

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ('system (paper)', 'configs', 'demo', 'headline result',
           'status')


def tool_output(command: str, cache: Dict[str, str]) -> str:
    """Standard output of a report tool's ``--from-results`` command, run
    in this process from the repository root (one import of the stack for
    every tool, not one per command)."""
    if command not in cache:
        args = shlex.split(command)
        if args[0] != 'python' or '--from-results' not in args:
            raise UserInputError(f'{command}: a figure must come from a '
                                 "report tool's --from-results command")
        out, argv, cwd = io.StringIO(), sys.argv, os.getcwd()
        sys.argv = args[1:]
        try:
            os.chdir(ROOT)
            with contextlib.redirect_stdout(out):
                runpy.run_path(args[1], run_name='__main__')
        except SystemExit as e:
            if e.code not in (0, None):
                raise UserInputError(f'{command}: failed ({e.code})')
        finally:
            sys.argv = argv
            os.chdir(cwd)
        cache[command] = out.getvalue()
    return cache[command]


def tables(text: str) -> List[tuple]:
    """(title: the last non-empty line above it, rows as lists of cells)
    of each Markdown table in ``text``."""
    found, title, rows = [], '', None
    for line in text.splitlines() + ['']:
        if line.startswith('|'):
            cells = [c.strip() for c in line.strip().strip('|').split('|')]
            if rows is None:
                rows = []
            if not set(''.join(cells)) <= set('-: '):
                rows.append(cells)
            continue
        if rows is not None:
            found.append((title, rows))
            rows = None
        if line.strip():
            title = line.strip()
    return found


def plain(cell: str) -> str:
    return cell.replace('**', '').replace('`', '').strip()


def figure(spec: dict, cache: Dict[str, str]) -> str:
    """The figure ``spec`` points to, as its tool printed it."""
    text = tool_output(spec['run'], cache)
    if 'match' in spec:
        m = re.search(spec['match'], text)
        if not m:
            raise UserInputError(f"{spec['run']}: no match for "
                                 f"{spec['match']!r}")
        return m.group(1)
    candidates = [(t, rows) for t, rows in tables(text)
                  if spec.get('table', '') in t]
    if not candidates:
        raise UserInputError(f"{spec['run']}: no table under a line with "
                             f"{spec.get('table')!r}")
    _, rows = candidates[0]
    header = [plain(c) for c in rows[0]]
    if spec['column'] not in header:
        raise UserInputError(f"{spec['run']}: no column {spec['column']!r} "
                             f'(columns: {header})')
    column = header.index(spec['column'])
    for row in rows[1:]:
        if plain(row[0]) == spec['row']:
            return plain(row[column])
    raise UserInputError(f"{spec['run']}: no row {spec['row']!r}")


def markdown(systems: List[dict]) -> str:
    cache: Dict[str, str] = {}
    lines = ['| ' + ' | '.join(COLUMNS) + ' |',
             '|' + ' --- |' * len(COLUMNS)]
    for system in systems:
        values = {name: figure(spec, cache)
                  for name, spec in (system.get('figures') or {}).items()}
        headline = system['headline'].format(**values)
        cells = [system['system'], system['configs'], system['demo'],
                 headline, system['status']]
        lines.append('| ' + ' | '.join(' '.join(c.split()) for c in cells)
                     + ' |')
    return '\n'.join(lines) + '\n'


def main(argv: Optional[List[str]] = None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--from-results', required=True,
                        help='the systems file (docs/systems.yml)')
    parser.add_argument('--out', help='also write the table here')
    args = parser.parse_args(argv)
    with open(args.from_results, encoding='utf-8') as f:
        systems = yaml.safe_load(f)
    run_records.publish(markdown(systems), args.out)


if __name__ == '__main__':
    run_main(main)
