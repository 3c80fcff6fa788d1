"""tools/review.py end to end in a real headless Chromium (Debian's
chromium and chromedriver, driven by Selenium; tools/run_tests.sh installs
them where it can, else this skips saying why): the page opens on the
miniature audit, labels are decided with the keyboard (accept, reject,
correct with number keys, one refused), a reload and a killed and
restarted server keep every decision, E exports, and the corrected
catalogue and the decisions log hold exactly those decisions.

MMFA_REVIEW_SCREENSHOTS=DIR saves the page's screenshots there
(docs/figures/review_*.png were made so)."""
import csv
import os
import os.path as osp
import shutil
import subprocess
import sys

import pytest

from tests.helpers.http_server import free_port, wait_until_up
from tests.helpers.review_fixture import make_review_fixture
from tests.helpers.tiny_config import ROOT

pytest.importorskip('fastapi', reason='pip install -e .[serve]')
pytest.importorskip('selenium', reason='selenium (requirements/tests.txt)')

BROWSER = next(filter(None, map(shutil.which, (
    'chromium', 'chromium-browser', 'google-chrome'))), None)
DRIVER = shutil.which('chromedriver')
pytestmark = pytest.mark.skipif(
    BROWSER is None or DRIVER is None,
    reason='no chromium / chromedriver on PATH: run tools/run_tests.sh as '
    'root where apt-get works (tools/install_steps/browser.sh), or apt-get '
    'install chromium chromium-driver')


def start(files, port, tmp_path):
    return subprocess.Popen(
        [sys.executable, 'tools/review.py', '--audit', files['audit'],
         '--ann', files['ann'], '--img-prefix', files['img_prefix'],
         '--db', str(tmp_path / 'review.sqlite'), '--export-dir',
         str(tmp_path / 'export'), '--port', str(port), '--log-level',
         'warning'], cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = BROWSER
    for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                '--disable-dev-shm-usage', '--window-size=1200,720'):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    yield driver
    driver.quit()


def test_review_in_the_browser(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import WebDriverWait
    files = make_review_fixture(str(tmp_path / 'fixture'), size=192)
    items = files['items']
    shots = os.environ.get('MMFA_REVIEW_SCREENSHOTS')

    def text(element_id):
        return browser.find_element('id', element_id).text

    def wait_for(element_id, want):
        WebDriverWait(browser, 15).until(
            lambda d: want in text(element_id),
            f'#{element_id} never showed {want!r}')

    def keys(*sequence):
        for key in sequence:
            ActionChains(browser).send_keys(key).perform()

    def shot(name):
        if shots:
            os.makedirs(shots, exist_ok=True)
            browser.save_screenshot(osp.join(shots, name))

    port = free_port()
    url = f'http://127.0.0.1:{port}'
    proc = start(files, port, tmp_path)
    try:
        wait_until_up(url, proc)
        browser.get(url + '/')
        wait_for('position', 'label 1 of 7')
        assert text('seller') == 'rips' and text('suggested') == '(none)'
        keys('a')  # no suggestion: refused, nothing written
        wait_for('status', 'has no suggested value to accept')
        keys('c')  # distressed does not apply to a shirt: empty it
        wait_for('choices', 'no value applies')
        keys('\n')
        wait_for('position', 'label 2 of 7')
        assert text('category') == items[1]['category']
        assert text('suggested') == items[1]['suggested'][0]
        assert 'out-of-fold accuracy 0.9 (majority 0.5)' in \
            text('attr-summary')  # the audit's summary.json
        WebDriverWait(browser, 15).until(lambda d: d.execute_script(
            "return document.getElementById('photo').naturalWidth") == 192)
        shot('review_page.png')
        keys('a')  # accept the suggestion
        wait_for('position', 'label 3 of 7')
        keys('r')  # reject: the seller's value stays
        wait_for('position', 'label 4 of 7')
        keys('c', '4')  # sleeve length of a shirt: the 4th value, long
        wait_for('choices', '4 long')
        shot('review_correct.png')
        keys('\n')
        wait_for('position', 'label 5 of 7')
        keys('j')  # skipped
        wait_for('position', 'label 6 of 7')
        assert text('attribute') == 'color (multi-label)'
        assert 'not clearly better than the majority' in text('attr-summary')
        keys('c', '1', '4', '1', '\n')  # black, +red, -black: red
        wait_for('position', 'label 7 of 7')
        wait_for('progress', '5 of 7 decided')

        browser.refresh()  # the address keeps the place, the server the rest
        wait_for('position', 'label 7 of 7')
        wait_for('progress', '5 of 7 decided')
        keys('k')
        wait_for('decision', 'correct: red')

        proc.kill()  # SIGKILL: nothing flushed on the way out
        proc.communicate(timeout=30)
        proc = start(files, port, tmp_path)
        wait_until_up(url, proc)
        browser.refresh()
        wait_for('progress', '5 of 7 decided')
        keys('n')  # the next undecided: the category
        wait_for('position', 'label 7 of 7')
        assert text('attribute') == 'category'
        keys('a')
        wait_for('progress', '6 of 7 decided')
        wait_for('category', '\u2192 ' + items[6]['suggested'][0])
        keys('e')
        wait_for('status', 'exported 5 changed cells')
        keys('k', 'i')  # label 6's image only: its two flagged labels
        wait_for('position', 'label 2 of 2')
    finally:
        proc.kill()
        output = proc.communicate(timeout=30)[0]
    assert 'Traceback' not in output, output

    export = tmp_path / 'export'
    with open(files['ann'], newline='') as f:
        before = list(csv.reader(f))
    with open(export / 'catalogue.corrected.csv', newline='') as f:
        after = list(csv.reader(f))
    header = before[0]
    changed = {(old[0].lstrip('./'), header[k]): b
               for old, new in zip(before[1:], after[1:])
               for k, (a, b) in enumerate(zip(old, new)) if a != b}
    assert changed == {
        (items[0]['image'], 'distressed'): '',
        (items[1]['image'], items[1]['attribute']): items[1]['suggested'][0],
        (items[3]['image'], 'sleeve_length'): 'long',
        (items[5]['image'], 'color'): 'red',
        (items[6]['image'], 'category'): items[6]['suggested'][0]}
    with open(export / 'decisions.csv', newline='') as f:
        log = list(csv.DictReader(f))
    assert [(r['image'], r['attribute'], r['decision'], r['value'])
            for r in log] == [
        (items[0]['image'], 'distressed', 'correct', ''),
        (items[1]['image'], items[1]['attribute'], 'accept',
         items[1]['suggested'][0]),
        (items[2]['image'], items[2]['attribute'], 'reject',
         items[2]['seller'][0]),
        (items[3]['image'], 'sleeve_length', 'correct', 'long'),
        (items[5]['image'], 'color', 'correct', 'red'),
        (items[6]['image'], 'category', 'accept', items[6]['suggested'][0])]
