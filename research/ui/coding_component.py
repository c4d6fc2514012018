"""The coding view's text-selection component (st.components.v2: inline HTML, CSS and JS).

The server sends the document as blocks of segments (research.qual.layout); the browser shows
each segment with `textContent` (never as HTML, so transcript text is always shown as text),
colours coded segments, and reports back:
- `selection`: {start, end} when the user selects text with the mouse (offsets in code points,
  as Python counts), or taps a place in the text without dragging (the sentence there);
- `turn`: {start, end} when the turn button in the margin is used;
- `coding`: {id} when a code chip in the margin is clicked.
"""

from __future__ import annotations

import streamlit as st

from research.qual import layout

CSS = """
.qv { font-family: var(--st-font, sans-serif); line-height: 1.7; font-size: 1rem; }
.qv-block { display: grid; grid-template-columns: minmax(0, 1fr) 13rem; gap: .75rem;
  padding: .35rem 0; border-bottom: 1px solid rgba(128,128,128,.15);
  content-visibility: auto; contain-intrinsic-size: auto 6rem; }
/* Blocks out of view are laid out only when scrolled near (content-visibility): opening a
   25,000-word document took the browser 0.3-0.6 s of layout, now 0.2-0.3 s. They stay in
   the document, so selecting across them and the browser's find still work. */
.qv-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.qv-seg.coded { border-radius: 2px; }
.qv-seg.sel { outline: 2px solid #2f80ed; background-color: rgba(47,128,237,.18); }
.qv-margin { font-size: .8rem; display: flex; flex-wrap: wrap; gap: .25rem; align-content: start; }
.qv-chip { border: 0; border-radius: .6rem; padding: 0 .45rem; cursor: pointer;
  color: #111; font-size: .78rem; max-width: 12.5rem; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap; }
.qv-turn { border: 1px solid rgba(128,128,128,.4); background: transparent; border-radius: .6rem;
  padding: 0 .45rem; cursor: pointer; font-size: .78rem; color: inherit; }
@media (max-width: 640px) { .qv-block { grid-template-columns: 1fr; } }
"""

JS = """
const FIRST_BLOCKS = 40;    // drawn before the first paint (more than a screen holds)
const SLICE_BLOCKS = 200;   // drawn per slice after it

function codePoints(s) { return [...s].length; }

function offsetOf(node, offset) {
  // A DOM position -> a code-point offset in the document, via the segment's data-s.
  let el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  if (el && !el.classList.contains('qv-seg')) {
    const segs = el.querySelectorAll ? el.querySelectorAll('.qv-seg') : [];
    if (segs.length === 0) { return null; }
    const seg = offset >= (el.childNodes.length || 0) ? segs[segs.length - 1] : segs[0];
    const start = Number(seg.dataset.s);
    return offset >= (el.childNodes.length || 0) ? start + codePoints(seg.textContent) : start;
  }
  if (!el) { return null; }
  return Number(el.dataset.s) + codePoints(el.textContent.slice(0, offset));
}

function signature(block, data) {
  // What a block shows, with its codes resolved (an index into data.codings moves when a
  // coding is added elsewhere, the block does not).
  const coding = (i) => data.codings[i];
  return JSON.stringify([block.turn, data.editable,
    block.segments.map(([start, content, active, selected]) =>
      [start, content, active.map((i) => [coding(i).colour, coding(i).code]), selected]),
    block.margin.map((i) => coding(i))]);
}

function blockRow(block, data) {
  const row = document.createElement('div');
  row.className = 'qv-block';
  const text = document.createElement('div');
  text.className = 'qv-text';
  block.segments.forEach(([start, content, active, selected]) => {
    const span = document.createElement('span');
    span.className = 'qv-seg' + (active.length ? ' coded' : '') + (selected ? ' sel' : '');
    span.dataset.s = String(start);
    span.textContent = content;
    if (active.length) {
      const colours = active.map((i) => data.codings[i].colour + '88');
      const step = 100 / colours.length;
      // Overlapping codes show as stacked bands, one per code.
      span.style.background = 'linear-gradient(' + colours.map((c, i) =>
        c + ' ' + (i * step) + '%, ' + c + ' ' + ((i + 1) * step) + '%').join(', ') + ')';
      span.title = active.map((i) => data.codings[i].code).join(' · ');
    }
    text.appendChild(span);
  });
  const margin = document.createElement('div');
  margin.className = 'qv-margin';
  if (data.editable) {
    const turn = document.createElement('button');
    turn.className = 'qv-turn';
    turn.textContent = data.labels.turn;
    turn.dataset.start = String(block.turn[0]);
    turn.dataset.end = String(block.turn[1]);
    margin.appendChild(turn);
  }
  block.margin.forEach((i) => {
    const coding = data.codings[i];
    const chip = document.createElement('button');
    chip.className = 'qv-chip';
    chip.style.background = coding.colour;
    chip.textContent = coding.code;
    chip.title = coding.code + (coding.coder ? ' (' + coding.coder + ')' : '');
    chip.dataset.id = String(coding.id);
    margin.appendChild(chip);
  });
  row.appendChild(text);
  row.appendChild(margin);
  return row;
}

function render(root, data) {
  // Only the blocks that changed are drawn anew: after a code is applied or a sentence
  // tapped, one or two blocks of a long transcript differ, and redrawing all of them took
  // the browser seconds. The first blocks are drawn at once and the rest in slices after
  // the first paint: building the 750 blocks of a 25,000-word transcript before anything
  // showed took Chromium 55-130 ms of the page's opening.
  const rows = [...root.children];
  const pass = (root.dataset.pass = String(Number(root.dataset.pass || 0) + 1));
  const draw = (from, to) => {
    for (let index = from; index < to; index += 1) {
      const block = data.blocks[index];
      const sig = signature(block, data);
      const old = rows[index];
      if (old && old.dataset.sig === sig) { continue; }
      const row = blockRow(block, data);
      row.dataset.sig = sig;
      if (old) { root.replaceChild(row, old); } else { root.appendChild(row); }
    }
  };
  const slice = (from) => {
    if (root.dataset.pass !== pass) { return; }   // a newer render took over
    const to = Math.min(data.blocks.length, from + (from === 0 ? FIRST_BLOCKS : SLICE_BLOCKS));
    draw(from, to);
    if (to < data.blocks.length) {
      requestAnimationFrame(() => setTimeout(() => slice(to), 0));
    } else {
      rows.slice(data.blocks.length).forEach((row) => row.remove());
    }
  };
  slice(0);
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector('.qv');
  if (!root) {
    root = document.createElement('div');
    root.className = 'qv';
    parentElement.appendChild(root);
  }
  if (root.dataset.version !== data.version) {
    render(root, data);
    root.dataset.version = data.version;
  }
  let nonce = Number(root.dataset.nonce || 0);
  const send = (name, value) => { nonce += 1; root.dataset.nonce = String(nonce);
                                   setTriggerValue(name, { ...value, nonce }); };
  root.onclick = (event) => {
    const target = event.target;
    if (target.classList.contains('qv-chip')) {
      send('coding', { id: Number(target.dataset.id) });
    } else if (target.classList.contains('qv-turn')) {
      send('turn', { start: Number(target.dataset.start), end: Number(target.dataset.end) });
    }
  };
  root.onmouseup = (event) => {
    if (event.target.closest && event.target.closest('.qv-margin')) { return; }
    const selection = (parentElement.getSelection ? parentElement : document).getSelection();
    if (!selection || selection.rangeCount === 0) { return; }
    const range = selection.getRangeAt(0);
    const start = offsetOf(range.startContainer, range.startOffset);
    const end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null) { return; }
    if (end > start) {
      send('selection', { start, end, tap: false });
    } else if (data.editable) {
      send('selection', { start, end: start, tap: true });
    }
  };
}
"""

_component = st.components.v2.component("qual_coding_view", css=CSS, js=JS)


def coding_view(blocks: list[dict], codings: list[dict], *, version: str, editable: bool,
                key: str, on_change):
    """Mount the coding view; returns the component result (`selection`, `turn`, `coding`)."""
    data = {"blocks": blocks, "version": version, "editable": editable,
            "codings": [{"id": c["id"], "code": label, "colour": c["colour"],
                         "coder": c.get("coder")}
                        for c, label in zip(codings, layout.chip_labels(codings), strict=True)],
            "labels": {"turn": "Codeer beurt"}}
    return _component(data=data, key=key, on_selection_change=on_change,
                      on_turn_change=on_change, on_coding_change=on_change)
