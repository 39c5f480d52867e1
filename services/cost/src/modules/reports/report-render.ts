import { stringify } from 'csv-stringify/sync';
import type { ReportContent } from './report-content.ts';

/** The report's table as CSV: a header of its columns, then its rows as they are. */
export function renderCsv(content: ReportContent): string {
  return stringify([content.columns, ...content.rows]);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
function escape(value: string): string {
  return value.replace(/[&<>"']/g, (character) => ESCAPES[character]!);
}

/** Bars this many at most: a chart of hundreds of groups says less than its table. */
const CHART_BARS = 15;
const ROWS_SHOWN = 50;

/** Horizontal bars, the largest first, as inline SVG: the summary opens anywhere, offline, without scripts. */
export function renderChart(chart: ReportContent['chart'], currency: string | null): string {
  const bars = chart.slice(0, CHART_BARS);
  if (bars.length === 0) return '<p>Nothing to chart.</p>';
  const max = Math.max(...bars.map((bar) => bar.value), 0) || 1;
  const [labelWidth, barWidth, rowHeight] = [220, 420, 24];
  const height = bars.length * rowHeight + 8;
  const rows = bars.map((bar, index) => {
    const y = index * rowHeight + 4;
    const width = Math.max(1, Math.round((Math.max(bar.value, 0) / max) * barWidth));
    const label = bar.label.length > 32 ? `${bar.label.slice(0, 31)}…` : bar.label;
    return (
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escape(label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 3}" width="${width}" height="${rowHeight - 8}" fill="#2f6fde"><title>${escape(bar.label)}: ${bar.value.toFixed(2)}</title></rect>` +
      `<text x="${labelWidth + width + 6}" y="${y + 16}">${bar.value.toFixed(2)}${currency ? ` ${escape(currency)}` : ''}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="chart" width="${labelWidth + barWidth + 140}" height="${height}" ` +
    `font-family="sans-serif" font-size="12">${rows.join('')}</svg>`
  );
}

/** A readable page: title, what it covers, the chart, the first rows (the CSV holds them all). */
export function renderHtml(content: ReportContent, report: { name: string; generatedAt: Date }): string {
  const shown = content.rows.slice(0, ROWS_SHOWN);
  const more = content.rows.length - shown.length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(report.name)}</title>
<style>body{font-family:sans-serif;margin:2rem;color:#1d2430}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #dde}th{text-align:left}</style>
</head><body>
<h1>${escape(report.name)}</h1>
<p>${escape(content.title)}, ${escape(content.scope)}. Generated ${report.generatedAt.toISOString()}; ${content.rows.length} rows.</p>
${renderChart(content.chart, content.currency)}
<table><thead><tr>${content.columns.map((column) => `<th>${escape(column)}</th>`).join('')}</tr></thead>
<tbody>${shown.map((row) => `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`).join('\n')}</tbody></table>
${more > 0 ? `<p>${more} more rows in the CSV.</p>` : ''}
</body></html>
`;
}
