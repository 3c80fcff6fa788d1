"""DecisionStore: decisions and their log survive a reopen and a killed
process, stale writers are refused, concurrent writers lose nothing, a
file of another catalogue or not SQLite is refused."""
import subprocess
import sys
import threading

import pytest

from mmfashion_attr.errors import UserInputError
from mmfashion_attr.review.store import DecisionStore, StaleDecision
from tests.helpers.run_tool import ROOT


def test_decide_undo_and_reopen(tmp_path):
    db = str(tmp_path / 'r.sqlite')
    store = DecisionStore(db, 'cat.csv')
    assert store.get('a.jpg', 'neck') == dict(decision=None, value=None,
                                              time=None, revision=0)
    got = store.decide('a.jpg', 'neck', 'accept', ['v'], ['round'], ['v'])
    assert (got['decision'], got['value'], got['revision']) == \
        ('accept', ['v'], 1)
    store.decide('a.jpg', 'neck', 'correct', ['collar'], ['round'], ['v'])
    store.decide('b.jpg', 'color', 'reject', ['red', 'blue'],
                 ['red', 'blue'], ['red'])
    store.decide('b.jpg', 'color', 'undo', [], ['red', 'blue'], ['red'])
    store.close()
    again = DecisionStore(db, 'cat.csv')
    assert again.all() == {('a.jpg', 'neck'): dict(
        decision='correct', value=['collar'], seller=['round'],
        time=again.get('a.jpg', 'neck')['time'], revision=2)}
    assert again.revisions() == {('a.jpg', 'neck'): 2, ('b.jpg', 'color'): 2}
    log = again.log()
    assert [(e['seq'], e['image'], e['decision']) for e in log] == [
        (1, 'a.jpg', 'accept'), (2, 'a.jpg', 'correct'),
        (3, 'b.jpg', 'reject'), (4, 'b.jpg', 'undo')]
    assert log[2]['value'] == ['red', 'blue']
    with pytest.raises(ValueError, match='decision'):
        again.decide('a.jpg', 'neck', 'maybe', [], [], [])


def test_stale_revision_refused(tmp_path):
    store = DecisionStore(str(tmp_path / 'r.sqlite'), 'cat.csv')
    store.decide('a.jpg', 'neck', 'accept', ['v'], ['round'], ['v'],
                 expected_revision=0)
    with pytest.raises(StaleDecision, match='revision 0 .now 1'):
        store.decide('a.jpg', 'neck', 'reject', ['round'], ['round'],
                     ['v'], expected_revision=0)
    assert store.get('a.jpg', 'neck')['decision'] == 'accept'
    assert len(store.log()) == 1


def test_other_catalogue_or_not_a_database(tmp_path):
    db = str(tmp_path / 'r.sqlite')
    DecisionStore(db, 'cat.csv').close()
    with pytest.raises(UserInputError, match="holds the decisions on .*"
                       "cat.csv', not .*other.csv"):
        DecisionStore(db, 'other.csv')
    junk = tmp_path / 'junk.sqlite'
    junk.write_bytes(b'not a database at all' * 100)
    with pytest.raises(UserInputError, match='not a review database'):
        DecisionStore(str(junk), 'cat.csv')


def test_concurrent_writers(tmp_path):
    """8 threads x 25 decisions on 4 cells, a second connection (another
    process's) among them: every write logged, each cell's decision its
    last log entry; 8 writers naming the same revision: one wins."""
    db = str(tmp_path / 'r.sqlite')
    stores = [DecisionStore(db, 'cat.csv'), DecisionStore(db, 'cat.csv')]
    errors = []

    def work(k):
        try:
            for n in range(25):
                cell = f'{(k + n) % 4}.jpg'
                stores[k % 2].decide(cell, 'neck', 'correct', [f'{k}-{n}'],
                                     ['round'], ['v'])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k, )) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    log = stores[0].log()
    assert len(log) == 200 and [e['seq'] for e in log] == list(
        range(1, 201))
    final = stores[1].all()
    for cell in range(4):
        last = [e for e in log if e['image'] == f'{cell}.jpg'][-1]
        assert final[f'{cell}.jpg', 'neck']['value'] == last['value']
        assert final[f'{cell}.jpg', 'neck']['revision'] == 50

    won, lost = [], []

    def race(k):
        try:
            stores[k % 2].decide('new.jpg', 'neck', 'accept', [str(k)],
                                 ['round'], ['v'], expected_revision=0)
            won.append(k)
        except StaleDecision:
            lost.append(k)

    threads = [threading.Thread(target=race, args=(k, )) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 7
    assert stores[0].get('new.jpg', 'neck')['value'] == [str(won[0])]


def test_killed_process_loses_nothing(tmp_path):
    """A decision answered is on disk: the process killed (SIGKILL) right
    after it returns, the next one reads it."""
    db = str(tmp_path / 'r.sqlite')
    code = ('import os, signal\n'
            'from mmfashion_attr.review.store import DecisionStore\n'
            f's = DecisionStore({db!r}, "cat.csv")\n'
            's.decide("a.jpg", "neck", "accept", ["v"], ["round"], ["v"])\n'
            'os.kill(os.getpid(), signal.SIGKILL)\n')
    proc = subprocess.run([sys.executable, '-c', code], cwd=ROOT)
    assert proc.returncode == -9
    assert DecisionStore(db, 'cat.csv').get('a.jpg', 'neck')['value'] == \
        ['v']
