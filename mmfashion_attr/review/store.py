"""The reviewers' decisions in one SQLite file: each decision committed
(``synchronous=FULL``) before it is answered, so a closed tab or a killed
server loses nothing, and every change appended to a log.

A decision is about one cell, ``(image, attribute)``: ``accept`` (the
suggestion is right), ``reject`` (the seller's value stays) or
``correct`` (another value, checked by the caller); ``undo`` removes it.
Each change of a cell raises its ``revision`` (the number of its log
entries); a writer that names the revision it saw gets a
:class:`StaleDecision` when another wrote first (two tabs, two
reviewers), else the last write wins. Writes are serialised by
SQLite's write lock (``BEGIN IMMEDIATE``), across threads and processes.
"""
import json
import os.path as osp
import sqlite3
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

from ..errors import UserValueError

DECISIONS = ('accept', 'reject', 'correct')
SCHEMA_VERSION = '1'
TABLES = '''
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
    image TEXT NOT NULL, attribute TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'correct')),
    value TEXT NOT NULL, seller TEXT NOT NULL, suggested TEXT NOT NULL,
    time TEXT NOT NULL, PRIMARY KEY (image, attribute));
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    image TEXT NOT NULL, attribute TEXT NOT NULL,
    decision TEXT NOT NULL
        CHECK (decision IN ('accept', 'reject', 'correct', 'undo')),
    value TEXT NOT NULL, seller TEXT NOT NULL, suggested TEXT NOT NULL,
    time TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS log_cell ON log (image, attribute);
'''


class StaleDecision(Exception):
    """The cell changed since the revision the writer saw."""

    def __init__(self, image: str, attribute: str, expected: int,
                 current: int):
        super().__init__(f'{image!r} {attribute!r} changed since revision '
                         f'{expected} (now {current}): reload to see the '
                         'other decision')
        self.current = current


def _now() -> str:
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


class DecisionStore:
    """Decisions of one catalogue's review.

    Args:
        path (str): The SQLite file (created if missing).
        catalogue (str): The catalogue reviewed; a file made for another
            catalogue is refused (its decisions would land on the wrong
            cells).
    """

    def __init__(self, path: str, catalogue: str):
        self.path = path
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(path, timeout=30,
                                       isolation_level=None,
                                       check_same_thread=False)
            self._db.execute('PRAGMA journal_mode=WAL')
            self._db.execute('PRAGMA synchronous=FULL')
            self._db.executescript(TABLES)
            self._bind(osp.abspath(catalogue))
        except sqlite3.DatabaseError as e:
            raise UserValueError(f'{path}: not a review database ({e}); '
                                 'give another --db') from e

    def _bind(self, catalogue: str) -> None:
        with self._write() as db:
            got = dict(db.execute('SELECT key, value FROM meta'))
            if not got:
                db.executemany('INSERT INTO meta VALUES (?, ?)', [
                    ('catalogue', catalogue), ('version', SCHEMA_VERSION)])
            elif got.get('catalogue') != catalogue:
                raise UserValueError(
                    f'{self.path}: holds the decisions on '
                    f'{got.get("catalogue")!r}, not {catalogue!r}; give '
                    'another --db')

    def close(self) -> None:
        self._db.close()

    # -- writing ------------------------------------------------------------
    class _Transaction:
        def __init__(self, store):
            self.store = store

        def __enter__(self):
            self.store._lock.acquire()
            self.store._db.execute('BEGIN IMMEDIATE')
            return self.store._db

        def __exit__(self, kind, exc, tb):
            try:
                self.store._db.execute('ROLLBACK' if kind else 'COMMIT')
            finally:
                self.store._lock.release()

    def _write(self):
        return self._Transaction(self)

    @staticmethod
    def _revision(db, image: str, attribute: str) -> int:
        return db.execute('SELECT COUNT(*) FROM log WHERE image = ? AND '
                          'attribute = ?', (image, attribute)).fetchone()[0]

    def decide(self, image: str, attribute: str, decision: str,
               value: Sequence[str], seller: Sequence[str],
               suggested: Sequence[str],
               expected_revision: Optional[int] = None) -> dict:
        """Record a decision (or ``undo``) on a cell and return the cell's
        :meth:`get`. ``value``: the cell's values after it (the caller has
        checked them against the schema)."""
        if decision not in DECISIONS + ('undo', ):
            raise ValueError(f'decision {decision!r} is not one of '
                             f'{DECISIONS + ("undo", )}')
        row = (image, attribute, decision, json.dumps(list(value)),
               json.dumps(list(seller)), json.dumps(list(suggested)),
               _now())
        with self._write() as db:
            current = self._revision(db, image, attribute)
            if expected_revision is not None and \
                    expected_revision != current:
                raise StaleDecision(image, attribute, expected_revision,
                                    current)
            if decision == 'undo':
                db.execute('DELETE FROM decisions WHERE image = ? AND '
                           'attribute = ?', (image, attribute))
            else:
                db.execute('INSERT OR REPLACE INTO decisions VALUES '
                           '(?, ?, ?, ?, ?, ?, ?)', row)
            db.execute('INSERT INTO log (image, attribute, decision, value, '
                       'seller, suggested, time) VALUES (?, ?, ?, ?, ?, ?, '
                       '?)', row)
        return self.get(image, attribute)

    # -- reading ------------------------------------------------------------
    def get(self, image: str, attribute: str) -> dict:
        """``dict(decision, value, time, revision)``; ``decision`` None
        when the cell has none."""
        with self._lock:
            found = self._db.execute(
                'SELECT decision, value, time FROM decisions WHERE image = ? '
                'AND attribute = ?', (image, attribute)).fetchone()
            revision = self._revision(self._db, image, attribute)
        if found is None:
            return dict(decision=None, value=None, time=None,
                        revision=revision)
        return dict(decision=found[0], value=json.loads(found[1]),
                    time=found[2], revision=revision)

    def all(self) -> Dict[Tuple[str, str], dict]:
        """Every current decision by ``(image, attribute)``, with the
        seller's value it was made on."""
        with self._lock:
            rows = self._db.execute(
                'SELECT d.image, d.attribute, d.decision, d.value, d.seller, '
                'd.time, (SELECT COUNT(*) FROM log l WHERE l.image = d.image '
                'AND l.attribute = d.attribute) FROM decisions d').fetchall()
        return {(r[0], r[1]): dict(decision=r[2], value=json.loads(r[3]),
                                   seller=json.loads(r[4]), time=r[5],
                                   revision=r[6]) for r in rows}

    def revisions(self) -> Dict[Tuple[str, str], int]:
        """Each changed cell's revision (cells undone included)."""
        with self._lock:
            rows = self._db.execute('SELECT image, attribute, COUNT(*) FROM '
                                    'log GROUP BY image, attribute')
            return {(r[0], r[1]): r[2] for r in rows}

    def log(self) -> List[dict]:
        """Every change in order: ``seq, time, image, attribute, decision,
        value, seller, suggested``."""
        with self._lock:
            rows = self._db.execute(
                'SELECT seq, time, image, attribute, decision, value, seller,'
                ' suggested FROM log ORDER BY seq').fetchall()
        return [dict(seq=r[0], time=r[1], image=r[2], attribute=r[3],
                     decision=r[4], value=json.loads(r[5]),
                     seller=json.loads(r[6]), suggested=json.loads(r[7]))
                for r in rows]
