import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BreakdownItem } from '../api/types.ts';
import { money } from './format.ts';

const PALETTE = ['#1c7ed6', '#e8590c', '#2f9e44', '#9c36b5', '#f08c00', '#0c8599', '#c2255c', '#5c940d', '#495057', '#3b5bdb'];

export const groupLabel = (group: Record<string, string | null>): string =>
  Object.values(group)
    .map((value) => value ?? '(none)')
    .join(' / ') || 'Total';

/** Breakdown rows (one per period and group) pivoted to one row per period with a key per group. */
export function pivot(items: BreakdownItem[]): { rows: Array<Record<string, string | number>>; series: string[] } {
  const byPeriod = new Map<string, Record<string, string | number>>();
  const series = new Set<string>();
  for (const item of items) {
    const key = groupLabel(item.group);
    series.add(key);
    const row = byPeriod.get(item.period) ?? { period: item.period };
    row[key] = Number(row[key] ?? 0) + Number(item.amount);
    byPeriod.set(item.period, row);
  }
  return { rows: [...byPeriod.values()].sort((a, b) => String(a.period).localeCompare(String(b.period))), series: [...series] };
}

interface ChartProps {
  items: BreakdownItem[];
  currency: string;
  label: string;
  height?: number;
}

/** A chart is a picture: the figure's label and the table beside it carry the numbers for screen readers. */
export function TrendChart({ items, currency, label, height = 240 }: ChartProps) {
  const { rows } = pivot(items.map((item) => ({ ...item, group: {} })));
  return (
    <figure aria-label={label} style={{ margin: 0, width: '100%', height }}>
      <ResponsiveContainer>
        <AreaChart data={rows} margin={{ left: 16, right: 16, top: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="period" />
          <YAxis tickFormatter={(value: number) => money(value, currency)} width={90} />
          <Tooltip formatter={(value) => money(Number(value), currency)} />
          <Area isAnimationActive={false} type="monotone" dataKey="Total" stroke={PALETTE[0]} fill={PALETTE[0]} fillOpacity={0.2} />
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function StackedChart({ items, currency, label, height = 320 }: ChartProps) {
  const { rows, series } = pivot(items);
  return (
    <figure aria-label={label} style={{ margin: 0, width: '100%', height }}>
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ left: 16, right: 16, top: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="period" />
          <YAxis tickFormatter={(value: number) => money(value, currency)} width={90} />
          <Tooltip formatter={(value) => money(Number(value), currency)} />
          <Legend />
          {series.map((name, index) => (
            <Bar isAnimationActive={false} key={name} dataKey={name} stackId="cost" fill={PALETTE[index % PALETTE.length]} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
