"""Every measurement-like number in README.md, docs/ and configs/*/README.md
is in a results block or found in a source its paragraph names
(tools/misc/number_sources.py)."""
import pytest

from tools.misc import number_sources as ns


def scan(tmp_path, monkeypatch, text, files=None):
    monkeypatch.setattr(ns, 'ROOT', tmp_path)
    for name, content in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(content)
    (tmp_path / 'doc.md').write_text(text)
    return [(n, line) for line, n, _ in ns.unsourced('doc.md')]


def test_every_docs_number_has_a_source():
    problems = {name: ns.unsourced(name) for name in ns.docs()}
    problems = {k: v for k, v in problems.items() if v}
    listing = '\n'.join(f'{name}:{line}: {number}: {context}'
                        for name, rows in problems.items()
                        for line, number, context in rows[:5])
    assert not problems, (
        f'{sum(map(len, problems.values()))} numbers without a source '
        f'(python tools/misc/number_sources.py lists them all):\n{listing}')


def test_a_number_is_checked_against_its_source(tmp_path, monkeypatch):
    raw = {'r/run.jsonl': '{"metrics": {"f1": 0.77894}, "seconds": 612}\n'}
    ok = 'F1 was 0.779 (77.89 %), 10.2 min.\n<!-- from: r/run.jsonl -->\n'
    assert scan(tmp_path, monkeypatch, ok, raw) == []
    edited = ok.replace('0.779', '0.789')
    assert scan(tmp_path, monkeypatch, edited, raw) == [('0.789', 1)]
    # the source applies to its own paragraph only
    apart = ok.replace('\n<!--', '\n\n<!--')
    assert [n for n, _ in scan(tmp_path, monkeypatch, apart, raw)] == [
        '0.779', '77.89', '10.2']


def test_links_results_blocks_and_constants(tmp_path, monkeypatch):
    raw = {'b/raw.txt': 'img/s 612.4 (552.5-679.3)\n'}
    text = ('| run | img/s |\n| --- | --- |\n'
            '| a ([raw](b/raw.txt)) | 612.4 (552.5-679.3) |\n\n'
            '<!-- results: python x.py --from-results r.jsonl -->\n'
            '| a | 41.25 |\n<!-- /results -->\n\n'
            'The block says 41.25; the threshold is 0.5.\n'
            '<!-- from: results --> <!-- constants: 0.5 -->\n\n'
            'Versions: torch 2.14.1, Python 3.11, `lr=0.01`; 224 px.\n')
    assert scan(tmp_path, monkeypatch, text, raw) == []
    assert scan(tmp_path, monkeypatch,
                text.replace('the threshold is 0.5', 'it took 3.5 s'),
                raw) == [('3.5', 9)]


def test_a_missing_source_file_is_an_error(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match='from: gone.txt'):
        scan(tmp_path, monkeypatch, 'x 0.5\n<!-- from: gone.txt -->\n')


def test_scales_follow_the_unit_and_versions_are_not_figures(
        tmp_path, monkeypatch):
    raw = {'r.py': 'rate = .0065\nseconds = 480\n'}
    text = ('Took 8 minutes, 0.0065 of s; 0.65 (no unit, so no %).\n'
            '<!-- from: r.py -->\n\n'
            'mmcv < 2.2, torch >= 2.10, AGPL-3.0, section 3.2, '
            'a 14 x 2 px rip.\n')
    assert scan(tmp_path, monkeypatch, text, raw) == [('0.65', 1)]
    assert [n for n, _ in scan(tmp_path, monkeypatch,
                               text.replace('8 minutes', '9 minutes'),
                               raw)] == ['9', '0.65']


def test_a_link_sources_its_own_item_only(tmp_path, monkeypatch):
    raw = {'a.txt': '1.25\n', 'b.txt': '2.5\n'}
    text = ('- first 1.25 ([raw](a.txt))\n- second 1.25\n\n'
            '| run | x |\n| --- | --- |\n| a ([raw](b.txt)) | 2.5 |\n'
            '| | 2.5 |\n| b | 2.5 |\n')
    assert scan(tmp_path, monkeypatch, text, raw) == [('1.25', 2),
                                                      ('2.5', 8)]


def test_percent_token_scales_unitless_numbers(tmp_path, monkeypatch):
    raw = {'r.jsonl': '{"ap": 0.5898}\n'}
    assert scan(tmp_path, monkeypatch, 'AP 58.98.\n<!-- from: r.jsonl -->\n',
                raw) == [('58.98', 1)]
    assert scan(tmp_path, monkeypatch,
                'AP 58.98.\n<!-- from: r.jsonl % -->\n', raw) == []
