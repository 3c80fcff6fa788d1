"""tools/check_catalog.py: every problem of a catalogue in one pass, the
first 1,000 listed with file:line, counts per kind, exit status 1; a clean
catalogue passes with 0."""
import json

from tests.helpers.run_tool import run

SCHEMA = dict(categories=['jeans', 'shirt'],
              attributes=[dict(name='closure', values=['button', 'zip'],
                               multi_label=True)])


def test_check_catalog_lists_all_problems(tmp_path):
    (tmp_path / 'schema.json').write_text(json.dumps(SCHEMA))
    (tmp_path / 'img').mkdir()
    (tmp_path / 'img' / 'a.jpg').write_bytes(b'')
    rows = ['a.jpg,jeans,zip', './a.jpg,shirt,', 'b.jpg,jeans,velcro'] + [
        f'{i}.jpg,jeans,zip,extra' for i in range(1002)]
    ann = tmp_path / 'ann.csv'
    ann.write_text('image,category,closure\n' + '\n'.join(rows) + '\n')
    proc = run(['tools/check_catalog.py', str(ann), '--img-prefix',
                str(tmp_path / 'img')], check=False)
    assert proc.returncode == 1, proc.stderr
    out = proc.stdout.splitlines()
    assert out[0].endswith("ann.csv:4: unknown value 'velcro' for 'closure'"
                           " (allowed: ['button', 'zip']) [unknown_value]")
    assert out[1].endswith('ann.csv:5: 4 cells, but the header has 3 '
                           'columns [ragged]')
    assert len(out) == 1000 + 2 and out[1000] == '... 5 more'
    summary = json.loads(out[-1])
    assert summary == dict(rows=1005, problems=1005, counts=dict(
        unknown_value=1, ragged=1002, duplicate_image=1, missing_image=1))
    ann.write_text('image,category,closure\na.jpg,jeans,zip\n')
    proc = run(['tools/check_catalog.py', str(ann)])
    assert json.loads(proc.stdout)['problems'] == 0
