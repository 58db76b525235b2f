import type { Failure } from '../failure.ts';
import { syncEdges, type HbEdge } from './edges.ts';
import { apiReplay, replayCommand, type Rerun } from './command.ts';
import { plural } from './plural.ts';
import { displayRows, opLabel, shown, thrownDetails } from './text.ts';

const LANE = 200;
const ROW = 30;
const GUTTER = 56;
const HEAD = 48;
const BOX_H = 22;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function clip(text: string, max = 26): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

const laneX = (task: number) => GUTTER + task * LANE + 10;
const rowY = (step: number) => HEAD + step * ROW;

function arrow(e: HbEdge, trace: Failure['trace'], row: readonly number[], cls: string, title: string): string {
  const a = trace[e.from]!;
  const b = trace[e.to]!;
  const x1 = laneX(a.task) + (LANE - 20) / 2;
  const y1 = rowY(row[e.from]!) + BOX_H;
  const x2 = laneX(b.task) + (LANE - 20) / 2;
  const y2 = rowY(row[e.to]!);
  const mid = (y1 + y2) / 2;
  return `<path class="${cls}" d="M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}" marker-end="url(#head-${cls})"><title>${escapeHtml(title)}</title></path>`;
}

/**
 * A self-contained swimlane diagram of a failing execution: one lane per task, one box per
 * operation (top to bottom in execution order), arrows for happens-before through locks,
 * queues, events, spawn and join, race pairs joined in red, the failing end of each task
 * highlighted. No scripts, no network: every user string is escaped. The replay line is the
 * CLI's when `rerun` says how to reach the scenario again, else the API form.
 */
export function failureHtml(scenario: string, f: Failure, rerun?: Rerun): string {
  const tasks = f.tasks;
  const width = GUTTER + tasks.length * LANE + 20;
  const { row, rows } = displayRows(f.trace);
  const endRow = rows;
  const height = rowY(endRow) + ROW + 20;
  const parts: string[] = [];
  tasks.forEach((t) => {
    const x = laneX(t.id);
    parts.push(`<rect class="lane" x="${x - 6}" y="8" width="${LANE - 8}" height="${height - 16}" rx="6"/>`);
    parts.push(`<text class="lane-name" x="${x + (LANE - 20) / 2}" y="32" text-anchor="middle">${escapeHtml(clip(`${t.name} (${t.id})`))}</text>`);
  });
  f.trace.forEach((s, i) => {
    if (!shown(s)) return;
    const r = row[i]!;
    const label = opLabel(s, f);
    const cls = ['op', s.choice ? '' : 'inplace', s.preempted ? 'preempted' : ''].filter(Boolean).join(' ');
    const tip = `step ${i}: ${label}${s.location ? ` — ${s.location}` : ''}${s.preempted ? ' (preemption)' : ''}`;
    parts.push(`<text class="step-no" x="${GUTTER - 10}" y="${rowY(r) + 15}" text-anchor="end">${i}${s.preempted ? '*' : ''}</text>`);
    parts.push(`<g class="${cls}" data-step="${i}"><rect x="${laneX(s.task)}" y="${rowY(r)}" width="${LANE - 20}" height="${BOX_H}" rx="4"/>` +
      `<text x="${laneX(s.task) + 6}" y="${rowY(r) + 15}">${escapeHtml(clip(label))}</text><title>${escapeHtml(tip)}</title></g>`);
  });
  const ending = new Map<number, string>();
  for (const b of f.blocked ?? []) ending.set(b.task, `⧗ ${opLabel({ kind: b.op, object: b.object }, f)}`);
  if (f.task !== undefined && !ending.has(f.task)) ending.set(f.task, f.kind === 'nondeterminism' ? '⧗ uncontrolled await' : `✗ ${f.kind}`);
  for (const [task, text] of ending) {
    parts.push(`<g class="failing" data-task="${task}"><rect x="${laneX(task)}" y="${rowY(endRow)}" width="${LANE - 20}" height="${BOX_H}" rx="4"/>` +
      `<text x="${laneX(task) + 6}" y="${rowY(endRow) + 15}">${escapeHtml(clip(text))}</text><title>${escapeHtml(f.message)}</title></g>`);
  }
  for (const e of syncEdges(f.trace, f.objects)) parts.push(arrow(e, f.trace, row, 'hb', `happens-before through ${e.kind}`));
  for (const [a, b] of f.raceSteps ?? []) {
    parts.push(arrow({ from: Math.min(a, b), to: Math.max(a, b), kind: 'lock' }, f.trace, row, 'race', 'data race: these accesses are not ordered'));
  }
  const defs = ['hb', 'race'].map((c) => `<marker id="head-${c}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="head-${c}" d="M0,0 L10,5 L0,10 z"/></marker>`).join('');
  const races = (f.races ?? []).map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>heddle: ${escapeHtml(f.kind)} in ${escapeHtml(scenario)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d232a; }
h1 { font-size: 20px; margin: 0 0 6px; } h1 .kind { color: #c62828; }
.message { white-space: pre-wrap; margin: 0 0 8px; }
.meta, .legend { color: #5b6570; margin: 4px 0; }
code { background: #f1f3f5; padding: 2px 5px; border-radius: 4px; user-select: all; }
svg { display: block; margin-top: 16px; }
.lane { fill: #f6f8fa; stroke: #d0d7de; }
.lane-name { font-weight: 600; font-size: 13px; }
.step-no { fill: #8a939c; font-size: 11px; font-family: ui-monospace, monospace; }
.op rect { fill: #ffffff; stroke: #57606a; }
.op text, .failing text { font-size: 12px; font-family: ui-monospace, monospace; }
.op.inplace rect { fill: #f6f8fa; stroke-dasharray: 3 2; }
.op.preempted rect { stroke: #bf8700; stroke-width: 2.5; }
.op:hover rect { fill: #ddf4ff; }
.failing rect { fill: #ffebe9; stroke: #c62828; stroke-width: 2; }
.failing text { fill: #c62828; font-weight: 600; }
path.hb { fill: none; stroke: #0969da; stroke-width: 1.4; opacity: .75; }
path.race { fill: none; stroke: #c62828; stroke-width: 2; stroke-dasharray: 5 3; }
.head-hb { fill: #0969da; } .head-race { fill: #c62828; }
</style></head><body>
<h1><span class="kind">${escapeHtml(f.kind)}</span> in ${escapeHtml(scenario)}${f.internal ? ' [internal bug in heddle]' : ''}</h1>
<p class="message">${escapeHtml([f.message, ...thrownDetails(f.error).map((l) => `  ${l}`)].join('\n'))}</p>
<p class="meta">found by ${escapeHtml(f.strategy)}${f.seed !== undefined ? `, seed ${escapeHtml(f.seed)}` : ''}, ${plural(f.steps, 'step')}, ${plural(f.preemptions, 'preemption')}</p>
<p class="meta">replay: <code>${escapeHtml(rerun ? replayCommand(rerun, f.token, f.replayFlags) : apiReplay(f.token, f.replayFlags))}</code></p>
${races ? `<ul class="races">${races}</ul>` : ''}
<p class="legend">Lanes are tasks; boxes are operations in execution order (hover for the source line). Gold border: a preemption. Dashed box: an operation that does not yield. Blue arrows: happens-before through locks, queues, events, spawn and join. Red dashed: a data race. Red boxes: how each task ended.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="swimlane diagram">
<defs>${defs}</defs>
${parts.join('\n')}
</svg>
</body></html>
`;
}
