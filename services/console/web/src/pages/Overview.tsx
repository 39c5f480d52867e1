import { Anchor, Badge, Grid, Paper, Progress, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api/client.ts';
import { useBreakdown } from '../api/queries.ts';
import type { Aggregates, Budget, BudgetDetail, Page, RecommendationSummary, TopCosts } from '../api/types.ts';
import { TrendChart } from '../components/charts.tsx';
import { isoDay, money, monthStart, percent } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';
import { Stat } from '../components/Stat.tsx';

/** A budget is at risk when its spend or its forecast passes this share of the amount. */
const AT_RISK_PERCENT = 80;

function useBudgetsAtRisk() {
  return useQuery({
    queryKey: ['cost', 'budgets', 'at-risk'],
    queryFn: async () => {
      const budgets = await api<Page<Budget>>('cost', '/budgets', { query: { limit: 100 } });
      const details = await Promise.all(budgets.items.map((budget) => api<BudgetDetail>('cost', `/budgets/${budget.id}`)));
      return details.filter((budget) => Math.max(budget.current_period?.percent_used ?? 0, budget.current_period?.forecast_percent ?? 0) >= AT_RISK_PERCENT);
    },
  });
}

export default function Overview() {
  const aggregates = useQuery({ queryKey: ['cost', 'aggregates'], queryFn: () => api<Aggregates>('cost', '/costs/aggregates') });
  const trend = useBreakdown({ granularity: 'day', group_by: 'provider', from: isoDay(monthStart()), limit: 500 });
  const top = useQuery({ queryKey: ['cost', 'top', 'service'], queryFn: () => api<TopCosts>('cost', '/costs/top', { query: { by: 'service', limit: 5 } }) });
  const savings = useQuery({ queryKey: ['recommendation', 'summary'], queryFn: () => api<RecommendationSummary>('recommendation', '/recommendations/summary') });
  const atRisk = useBudgetsAtRisk();
  const currency = trend.data?.items[0]?.currency ?? top.data?.items[0]?.currency ?? 'USD';

  return (
    <Stack>
      <Title order={2}>Overview</Title>
      <QueryState query={aggregates} label="this month's spend">
        {(data) => (
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Stat testId="month-spend" label="Spend this month" value={money(data.monthly, currency)} />
            <Stat label="Spend per day" value={money(data.daily, currency)} />
            <Stat label="Change vs last month" value={percent(data.delta_pct)} hint={data.delta_pct === null ? 'No spend last month to compare with' : undefined} />
          </SimpleGrid>
        )}
      </QueryState>
      <Paper withBorder p="md">
        <Title order={3} size="h4" mb="sm">
          Daily spend this month
        </Title>
        <QueryState query={trend} label="the daily trend" isEmpty={(data) => data.items.length === 0} empty="No cost imported for this month yet.">
          {(data) => <TrendChart items={data.items} currency={currency} label="Daily spend this month" />}
        </QueryState>
      </Paper>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Paper withBorder p="md" h="100%">
            <Title order={3} size="h4" mb="sm">
              Top services
            </Title>
            <QueryState query={top} label="top services" isEmpty={(data) => data.items.length === 0} empty="No spend this month yet.">
              {(data) => (
                <Table>
                  <Table.Tbody>
                    {data.items.map((item) => (
                      <Table.Tr key={`${item.value}-${item.currency}`}>
                        <Table.Td>{item.name ?? item.value ?? '(none)'}</Table.Td>
                        <Table.Td ta="right">{money(item.amount, item.currency)}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </QueryState>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Paper withBorder p="md" h="100%">
            <Title order={3} size="h4" mb="sm">
              Open savings
            </Title>
            <QueryState query={savings} label="open savings" isEmpty={(data) => data.by_type.length === 0} empty="No open recommendation.">
              {(data) => (
                <Stack gap="xs" data-testid="open-savings">
                  {data.by_type.map((row) => (
                    <Text key={`${row.recommendation_type}-${row.currency}`} size="sm">
                      <Badge variant="light" mr="xs">
                        {row.count}
                      </Badge>
                      {row.recommendation_type.replaceAll('_', ' ')}: {money(row.estimated_savings, row.currency)}/month
                    </Text>
                  ))}
                  <Anchor component={Link} to="/recommendations" size="sm">
                    See the recommendations
                  </Anchor>
                </Stack>
              )}
            </QueryState>
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Paper withBorder p="md" h="100%">
            <Title order={3} size="h4" mb="sm">
              Budgets at risk
            </Title>
            <QueryState query={atRisk} label="budgets" isEmpty={(data) => data.length === 0} empty={`No budget past ${AT_RISK_PERCENT}% of its amount.`}>
              {(data) => (
                <Stack gap="sm">
                  {data.map((budget) => {
                    const used = budget.current_period?.percent_used ?? 0;
                    return (
                      <div key={budget.id}>
                        <Text size="sm">
                          {budget.name}: {money(budget.current_period?.spend, budget.currency)} of {money(budget.amount, budget.currency)}
                        </Text>
                        <Progress value={Math.min(used, 100)} color={used >= 100 ? 'red' : 'orange'} aria-label={`${budget.name} ${used.toFixed(0)}% used`} />
                      </div>
                    );
                  })}
                </Stack>
              )}
            </QueryState>
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
