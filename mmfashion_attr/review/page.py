"""The review page: one flagged label at a time beside its full-size
image, decided with the keyboard. Plain HTML and JavaScript, no assets to
fetch (it works offline); every catalogue string is put in as text, never
as HTML. Where it is: ``?attribute=`` (one attribute's labels),
``?image=`` (one image's labels), ``?item=`` (the one shown); the address
follows the page, so a reload comes back to the same label."""

PAGE = r'''<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Label review</title>
<style>
body { font-family: sans-serif; margin: 0; color: #222; }
header { background: #334; color: #fff; padding: 8px 16px; display: flex;
  gap: 16px; align-items: center; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0; }
header select, header button { font-size: 14px; }
main { display: flex; gap: 24px; padding: 16px; align-items: flex-start; }
#figure { flex: 0 0 auto; text-align: center; }
#photo { min-width: 384px; max-width: 60vw; max-height: 75vh;
  image-rendering: pixelated; border: 1px solid #ccc; background: #f4f4f4; }
#facts { border-collapse: collapse; font-size: 15px; }
#facts th { text-align: left; padding: 4px 12px 4px 0; color: #555;
  font-weight: normal; vertical-align: top; }
#facts td { padding: 4px 0; font-weight: bold; }
#suggested { color: #0a5; } #seller { color: #b30; }
#decision.accept { color: #0a5; } #decision.reject { color: #555; }
#decision.correct { color: #05a; }
#choices { margin: 12px 0; display: none; }
#choices.open { display: block; }
#choices button { margin: 2px; font-size: 14px; }
#choices button.on { background: #05a; color: #fff; }
#status { min-height: 1.4em; color: #b00; margin: 8px 0; }
#others a { margin-right: 8px; }
#help { font-size: 13px; color: #444; border-top: 1px solid #ddd;
  padding: 8px 16px; }
kbd { border: 1px solid #999; border-radius: 3px; padding: 0 4px;
  background: #f8f8f8; }
.warn { color: #b60; }
</style></head><body>
<header><h1>Label review</h1>
<label>Attribute <select id="attr"><option value="">all</option></select>
</label>
<span id="scope"></span>
<span id="position"></span> <span id="progress"></span>
<button id="export" type="button">Export (E)</button>
</header>
<main>
<div id="figure"><img id="photo" alt="the catalogue image">
<div id="image-name"></div></div>
<div id="panel">
<table id="facts">
<tr><th>category</th><td id="category"></td></tr>
<tr><th>attribute</th><td id="attribute"></td></tr>
<tr><th>seller value</th><td id="seller"></td></tr>
<tr><th>suggested value</th><td id="suggested"></td></tr>
<tr><th>score</th><td id="score"></td></tr>
<tr><th>kind / rank</th><td id="kind"></td></tr>
<tr><th>reason</th><td id="reason"></td></tr>
<tr><th>decision</th><td id="decision"></td></tr>
<tr><th>attribute audit</th><td id="attr-summary"></td></tr>
</table>
<div id="choices"></div>
<div id="status" role="status"></div>
<div id="others"></div>
</div></main>
<div id="help">
<kbd>A</kbd> accept the suggestion &middot; <kbd>R</kbd> reject (keep the
seller's value) &middot; <kbd>C</kbd> correct: <kbd>1</kbd>-<kbd>9</kbd>
pick values, <kbd>Enter</kbd> save, <kbd>Esc</kbd> cancel &middot;
<kbd>U</kbd> undo &middot; <kbd>J</kbd>/<kbd>&rarr;</kbd> next,
<kbd>K</kbd>/<kbd>&larr;</kbd> previous, <kbd>N</kbd> next undecided
&middot; <kbd>I</kbd> this image's labels / all &middot; <kbd>E</kbd>
export. Decisions are saved as they are made.
</div>
<script>
'use strict';
const $ = id => document.getElementById(id);
const params = new URLSearchParams(location.search);
let items = [], pos = 0, picking = null, busy = false, summary = {};
let categoryTask = 'category';

function setText(id, text) { $(id).textContent = text; }
function join(values) { return values && values.length ? values.join(' | ')
  : '(none)'; }
function say(text) { setText('status', text || ''); }

function address() {
  const p = new URLSearchParams();
  for (const k of ['attribute', 'image'])
    if (params.get(k)) p.set(k, params.get(k));
  if (items.length) { p.set('item', items[pos].id);
    params.set('item', items[pos].id); }
  history.replaceState(null, '', '?' + p.toString());
}

async function call(method, url, body) {
  const r = await fetch(url, {method, headers: body ?
    {'content-type': 'application/json'} : {},
    body: body ? JSON.stringify(body) : undefined});
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((data.error && data.error.message) ||
    ('HTTP ' + r.status));
  return data;
}

async function load() {
  const q = new URLSearchParams();
  for (const k of ['attribute', 'image'])
    if (params.get(k)) q.set(k, params.get(k));
  const data = await call('GET', '/api/items?' + q.toString());
  items = data.items; summary = data.summary || {};
  categoryTask = data.category_task;
  const select = $('attr');
  if (select.options.length === 1) for (const a of data.attributes) {
    const o = document.createElement('option');
    o.value = o.textContent = a; select.appendChild(o);
  }
  select.value = params.get('attribute') || '';
  setText('scope', params.get('image') ? 'image ' + params.get('image') : '');
  const want = Number(params.get('item'));
  pos = Math.max(0, items.findIndex(i => i.id === want));
  render();
}

function progress() {
  const done = items.filter(i => i.decision).length;
  setText('progress', done + ' of ' + items.length + ' decided');
}

function render() {
  progress();
  if (!items.length) { setText('position', 'nothing to review');
    $('photo').removeAttribute('src'); return; }
  const it = items[pos];
  setText('position', 'label ' + (pos + 1) + ' of ' + items.length +
    ' (item ' + it.id + ')');
  $('photo').src = it.image_url;
  setText('image-name', it.image);
  $('photo').onload = () => setText('image-name', it.image + ' (' +
    $('photo').naturalWidth + ' x ' + $('photo').naturalHeight + ' px)');
  setText('category', it.effective_category === it.category ? it.category
    : it.category + ' \u2192 ' + it.effective_category);
  setText('attribute', it.attribute + (it.multi_label ? ' (multi-label)'
    : ''));
  setText('seller', join(it.seller));
  setText('suggested', join(it.suggested));
  setText('score', it.score.toFixed(4));
  setText('kind', it.kind + ' / ' + it.rank);
  setText('reason', it.reason || (it.kind === 'label' ? 'model: label ' +
    'quality ' + (1 - it.score).toFixed(4) + ' on out-of-sample scores; ' +
    'the suggestion is the best value the category allows' : ''));
  const d = $('decision');
  d.className = it.decision || '';
  d.textContent = it.decision ? it.decision + ': ' + join(it.value) :
    'not decided';
  const s = summary[it.attribute];
  const parts = [];
  if (s) for (const k of ['flagged', 'checked', 'estimated_noise_rate'])
    if (s[k] !== undefined && s[k] !== null) parts.push(k + ' ' + s[k]);
  const m = s && s.fold_model;
  if (m && m.accuracy !== undefined)
    parts.push('out-of-fold accuracy ' + m.accuracy + ' (majority ' +
               m.majority_accuracy + ')');
  setText('attr-summary', parts.join(', '));
  if (s && s.warning) {
    const w = document.createElement('div');
    w.className = 'warn'; w.textContent = s.warning;
    $('attr-summary').appendChild(w);
  }
  const others = $('others');
  others.textContent = '';
  const same = items.filter(i => i.image === it.image && i.id !== it.id);
  if (same.length) others.append('Other flagged labels of this image: ');
  for (const o of same) {
    const a = document.createElement('a');
    a.href = '#'; a.textContent = o.attribute;
    a.addEventListener('click', e => { e.preventDefault();
      pos = items.indexOf(o); render(); });
    others.appendChild(a);
  }
  closePicker();
  address();
}

function move(step) {
  if (!items.length) return;
  pos = Math.min(items.length - 1, Math.max(0, pos + step));
  render();
}

function nextUndecided() {
  for (let k = 1; k <= items.length; k++) {
    const j = (pos + k) % items.length;
    if (!items[j].decision) { pos = j; render(); return; }
  }
  say('every label here is decided');
}

async function send(method, body) {
  if (busy || !items.length) return;
  busy = true;
  const it = items[pos];
  try {
    const url = '/api/items/' + it.id + '/decision';
    const fresh = method === 'DELETE' ?
      await call('DELETE', url + '?revision=' + it.revision) :
      await call('PUT', url, Object.assign({revision: it.revision}, body));
    items[pos] = fresh;
    say('');
    if (method !== 'DELETE' && pos < items.length - 1) pos += 1;
    if (it.attribute === categoryTask) {  // the others' allowed values
      params.set('item', items[pos].id);
      await load();
    } else render();
  } catch (e) {
    say(e.message);
  } finally { busy = false; }
}

function openPicker() {
  const it = items[pos];
  picking = new Set(it.decision === 'correct' ? it.value : []);
  const box = $('choices');
  box.textContent = '';
  box.append('Correct to' + (it.multi_label ? ' (several allowed)' : '') +
    ': ');
  it.choices.forEach((v, k) => {
    const b = document.createElement('button');
    b.type = 'button'; b.dataset.value = v;
    b.textContent = (k < 9 ? (k + 1) + ' ' : '') + v;
    b.addEventListener('click', () => toggle(v));
    box.appendChild(b);
  });
  if (!it.choices.length) box.append(
    '(no value applies to this category: Enter leaves the label empty)');
  box.classList.add('open');
  paint();
}

function closePicker() { picking = null; $('choices').classList.remove('open'); }

function toggle(v) {
  const it = items[pos];
  if (picking.has(v)) picking.delete(v);
  else { if (!it.multi_label) picking.clear(); picking.add(v); }
  paint();
}

function paint() {
  for (const b of $('choices').querySelectorAll('button'))
    b.classList.toggle('on', picking.has(b.dataset.value));
}

async function doExport() {
  try {
    const data = await call('POST', '/api/export');
    say('exported ' + data.cells_changed + ' changed cells to ' +
      data.corrected + ' and ' + data.decisions_log);
  } catch (e) {
    say(e.message + ' \u2014 downloading instead');
    location.href = '/export/catalogue';
  }
}

document.addEventListener('keydown', e => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target.tagName === 'SELECT') return;
  const key = e.key.toLowerCase();
  if (picking) {
    const it = items[pos];
    if (/^[1-9]$/.test(key) && Number(key) <= it.choices.length)
      toggle(it.choices[Number(key) - 1]);
    else if (key === 'enter') send('PUT', {decision: 'correct',
      values: it.choices.filter(v => picking.has(v))});
    else if (key === 'escape') closePicker();
    else return;
    e.preventDefault();
    return;
  }
  const actions = {
    a: () => send('PUT', {decision: 'accept'}),
    r: () => send('PUT', {decision: 'reject'}),
    c: openPicker, u: () => send('DELETE'),
    j: () => move(1), arrowright: () => move(1),
    k: () => move(-1), arrowleft: () => move(-1),
    n: nextUndecided, e: doExport,
    i: () => {
      if (params.get('image')) params.delete('image');
      else if (items.length) params.set('image', items[pos].image);
      params.set('item', items.length ? items[pos].id : '');
      load();
    },
  };
  if (!actions[key] || !items.length && key !== 'e') return;
  e.preventDefault();
  actions[key]();
});

$('attr').addEventListener('change', () => {
  if ($('attr').value) params.set('attribute', $('attr').value);
  else params.delete('attribute');
  params.delete('item');
  load();
});
$('export').addEventListener('click', doExport);
load().catch(e => say(e.message));
</script></body></html>
'''
