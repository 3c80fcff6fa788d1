"""The review page's FastAPI app (``tools/review.py``): the page, the
items as JSON, decisions written to the :class:`.DecisionStore`, the
catalogue's images and the exports. Errors take the attribute service's
JSON form and handlers (:mod:`..serving.app`); the server is the
service's (graceful shutdown, :func:`..serving.server.run_service`).

Hostile input is refused with a 4xx, never written: an unknown item id
(404), a body that is not the expected JSON (400, 413 over 64 kB), a
correction the schema does not allow for the row's category (422), a
decision on a revision another writer has replaced (409). Images are
served by catalogue name only: a name that is not an item's image (a
path with ``..``, an absolute path, any other file) is a 404, so nothing
but the reviewed catalogue's images leaves the machine.
"""
import json
import logging
import mimetypes
import os.path as osp
import shutil
import tempfile
from typing import List, Optional
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ..serving.app import http_error, new_fastapi, server_error
from ..serving.request_parsing import RequestError
from ..serving.server import Drain, DrainMiddleware
from .export import corrected_name, export_review
from .items import ReviewItem, ReviewSet
from .page import PAGE
from .store import DECISIONS, DecisionStore, StaleDecision

logger = logging.getLogger('mmfashion_attr.review')

MAX_BODY_BYTES = 64 * 1024
MAX_VALUES = 64


def _item_or_404(review: ReviewSet, item_id: str) -> ReviewItem:
    item = review.by_id.get(int(item_id)) if item_id.isdigit() and \
        len(item_id) < 12 else None
    if item is None:
        raise RequestError(404, 'unknown_item', f'no item {item_id!r} (ids '
                           f'are 1..{len(review.items)}, the rows of '
                           f'{review.issues_file})')
    return item


async def _json_body(request: Request) -> dict:
    body = b''
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise RequestError(413, 'request_too_large', 'a decision body '
                               f'is at most {MAX_BODY_BYTES} bytes')
    try:
        data = json.loads(body or b'{}')
    except (ValueError, RecursionError) as e:
        raise RequestError(400, 'bad_json', f'the body is not JSON ({e})')
    if not isinstance(data, dict):
        raise RequestError(400, 'bad_json', 'the body must be a JSON object'
                           ' {"decision": ..., "values": [...]}')
    return data


def _revision(data: dict) -> Optional[int]:
    revision = data.get('revision')
    if revision is not None and (not isinstance(revision, int) or
                                 isinstance(revision, bool)):
        raise RequestError(400, 'bad_json', '"revision" must be an integer')
    return revision


def create_review_app(review: ReviewSet, store: DecisionStore,
                      export_dir: Optional[str] = None):
    """The review app.

    Args:
        review (ReviewSet): The items (:func:`.load_review_set`).
        store (DecisionStore): Where decisions are kept.
        export_dir (str, optional): Where ``POST /api/export`` writes the
            corrected catalogue and the decisions log (None: only the
            downloads, ``GET /export/catalogue`` and
            ``GET /export/decisions.csv``).

    Routes: ``GET /`` (the page; ``?attribute=``, ``?image=``,
    ``?item=``), ``GET /api/items`` (same filters),
    ``GET /api/items/{id}``, ``PUT`` / ``DELETE
    /api/items/{id}/decision``, ``GET /images/{name}``,
    ``POST /api/export``, ``GET /export/catalogue``,
    ``GET /export/decisions.csv``, ``GET /healthz``.
    """
    app = new_fastapi(False, title='mmfashion_attr label review')
    app.state.drain = Drain()  # for run_service's graceful shutdown
    app.add_middleware(DrainMiddleware, drain=app.state.drain)
    app.state.routes_text = ('GET /, GET /api/items, GET /api/items/{id}, '
                             'PUT|DELETE /api/items/{id}/decision, GET '
                             '/images/{name}, POST /api/export, GET '
                             '/export/catalogue, GET /export/decisions.csv, '
                             'GET /healthz')
    cat_task = review.category_task

    @app.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError):
        logger.info('%s %s: %s', exc.status, exc.code, exc.message)
        return JSONResponse(exc.to_json(), status_code=exc.status)

    app.add_exception_handler(HTTPException, http_error)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        return server_error('internal_error', f'{type(exc).__name__}: the '
                            'review failed on this request (logged)')

    def category_of(item: ReviewItem, decided: dict) -> str:
        """The row's category after the decisions on it."""
        d = decided.get((item.image, cat_task))
        if d and d['decision'] != 'reject' and d['value']:
            return d['value'][0]
        return item.category

    def view(item: ReviewItem, decided: dict, revisions: dict) -> dict:
        category = category_of(item, decided)
        d = decided.get(item.key)
        return dict(item.to_json(), effective_category=category,
                    choices=review.choices(item.attribute, category),
                    multi_label=review.multi_label(item.attribute),
                    decision=d['decision'] if d else None,
                    value=d['value'] if d else None,
                    revision=revisions.get(item.key, 0),
                    image_url='/images/' + quote(item.image))

    def one(item: ReviewItem) -> dict:
        return view(item, store.all(), store.revisions())

    @app.get('/', response_class=HTMLResponse)
    async def page():
        return HTMLResponse(PAGE)

    @app.get('/healthz')
    async def healthz():
        return dict(status='ok', items=len(review.items),
                    decided=len(store.all()))

    @app.get('/api/items')
    def items(attribute: str = '', image: str = ''):
        decided, revisions = store.all(), store.revisions()
        chosen = [i for i in review.items
                  if (not attribute or i.attribute == attribute) and
                  (not image or i.image == image)]
        return dict(items=[view(i, decided, revisions) for i in chosen],
                    attributes=sorted({i.attribute for i in review.items}),
                    total=len(review.items), decided=len(decided),
                    category_task=cat_task,
                    summary={k: v for k, v in review.summary.items()
                             if isinstance(v, dict)},
                    export_dir=export_dir)

    @app.get('/api/items/{item_id}')
    def get_item(item_id: str):
        return one(_item_or_404(review, item_id))

    @app.put('/api/items/{item_id}/decision')
    async def decide(item_id: str, request: Request):
        item = _item_or_404(review, item_id)
        data = await _json_body(request)
        decision = data.get('decision')
        if decision not in DECISIONS:
            raise RequestError(400, 'bad_decision', f'"decision" must be one'
                               f' of {list(DECISIONS)}, got {decision!r}')
        revision = _revision(data)
        category = category_of(item, store.all())
        if decision == 'reject':
            values: List[str] = list(item.seller)
        elif decision == 'accept':
            values = list(item.suggested)
            if not values:
                raise RequestError(422, 'no_suggestion', f'item {item.id} '
                                   'has no suggested value to accept: '
                                   'correct it instead')
        else:
            values = data.get('values')
            if not isinstance(values, list) or len(values) > MAX_VALUES or \
                    not all(isinstance(v, str) for v in values):
                raise RequestError(400, 'bad_values', '"values" must be a '
                                   f'list of at most {MAX_VALUES} strings')
            values = list(dict.fromkeys(v.strip() for v in values
                                        if v.strip()))
        if decision != 'reject':
            problem = review.problem(item.attribute, values, category)
            if problem:
                raise RequestError(422, 'not_allowed', f'item {item.id} '
                                   f'({item.image!r}, category '
                                   f'{category!r}): {problem}')

        def write():
            return store.decide(item.image, item.attribute, decision, values,
                                item.seller, item.suggested, revision)

        try:
            await run_in_threadpool(write)
        except StaleDecision as e:
            raise RequestError(409, 'stale_decision', str(e))
        return await run_in_threadpool(one, item)

    @app.delete('/api/items/{item_id}/decision')
    async def undo(item_id: str, revision: Optional[int] = None):
        item = _item_or_404(review, item_id)
        try:
            await run_in_threadpool(store.decide, item.image, item.attribute,
                                    'undo', [], item.seller, item.suggested,
                                    revision)
        except StaleDecision as e:
            raise RequestError(409, 'stale_decision', str(e))
        return await run_in_threadpool(one, item)

    @app.get('/images/{name:path}')
    async def image(name: str):
        path = review.image_files.get(name)
        if path is None:
            raise RequestError(404, 'unknown_image', f'{name!r} is not an '
                               'image of the reviewed catalogue')
        if not osp.isfile(path):
            raise RequestError(404, 'image_missing', f'{name!r}: {path} is '
                               'missing')
        media = mimetypes.guess_type(path)[0] or 'application/octet-stream'
        return FileResponse(path, media_type=media, headers={
            'x-content-type-options': 'nosniff',
            'cache-control': 'private, max-age=3600'})

    @app.post('/api/export')
    def export():
        if not export_dir:
            raise RequestError(404, 'no_export_dir', 'started without '
                               '--export-dir: use GET /export/catalogue and'
                               ' /export/decisions.csv')
        return export_review(review, store, export_dir)

    def download(which: str):
        tmp = tempfile.mkdtemp(prefix='review_export_')
        try:
            result = export_review(review, store, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        path = result['corrected'] if which == 'catalogue' else \
            result['decisions_log']
        return FileResponse(path, filename=osp.basename(path),
                            background=BackgroundTask(shutil.rmtree, tmp,
                                                      True))

    @app.get('/export/catalogue')
    def export_catalogue():
        """The corrected catalogue (``<name>.corrected.<ext>``)."""
        return download('catalogue')

    @app.get('/export/decisions.csv')
    def export_log():
        return download('decisions')

    app.state.review, app.state.store = review, store
    app.state.corrected_name = corrected_name(review.ann_file)
    return app
