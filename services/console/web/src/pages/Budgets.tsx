import { Badge, Button, Group, NumberInput, Paper, Progress, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { api } from '../api/client.ts';
import type { Budget, BudgetDetail, Page } from '../api/types.ts';
import { dateTime, money } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

const budgetSchema = z.object({
  name: z.string().trim().min(1, 'Name the budget').max(200),
  amount: z.number({ error: 'Enter an amount' }).positive('The amount is more than 0'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'A 3-letter currency code'),
  period: z.enum(['monthly', 'quarterly', 'yearly']),
});
type BudgetForm = z.infer<typeof budgetSchema>;

function NewBudget() {
  const queryClient = useQueryClient();
  const form = useForm<BudgetForm>({ resolver: zodResolver(budgetSchema), defaultValues: { name: '', currency: 'USD', period: 'monthly' } });
  const create = useMutation({
    mutationFn: (values: BudgetForm) => api<Budget>('cost', '/budgets', { method: 'POST', body: { ...values, amount: values.amount.toFixed(2) } }),
    onSuccess: async () => {
      form.reset();
      await queryClient.invalidateQueries({ queryKey: ['cost', 'budgets'] });
    },
  });
  return (
    <Paper withBorder p="md">
      <form onSubmit={form.handleSubmit((values) => create.mutate(values))} noValidate>
        <Group align="flex-start">
          <TextInput label="Name" {...form.register('name')} error={form.formState.errors.name?.message} />
          <Controller
            control={form.control}
            name="amount"
            render={({ field }) => (
              <NumberInput label="Amount" min={0} decimalScale={2} value={field.value ?? ''} onChange={(value) => field.onChange(typeof value === 'number' ? value : undefined)} error={form.formState.errors.amount?.message} />
            )}
          />
          <TextInput label="Currency" w={90} {...form.register('currency')} error={form.formState.errors.currency?.message} />
          <Controller
            control={form.control}
            name="period"
            render={({ field }) => <Select label="Period" data={['monthly', 'quarterly', 'yearly']} value={field.value} onChange={(value) => field.onChange(value ?? 'monthly')} allowDeselect={false} w={130} />}
          />
          <Button type="submit" mt={25} loading={create.isPending}>
            Add budget
          </Button>
        </Group>
        {create.isError && (
          <Text c="red" size="sm" role="alert">
            {create.error.message}
          </Text>
        )}
      </form>
    </Paper>
  );
}

function BudgetCard({ budget }: { budget: BudgetDetail }) {
  const period = budget.current_period;
  const used = period?.percent_used ?? 0;
  return (
    <Paper withBorder p="md">
      <Group justify="space-between">
        <Title order={3} size="h4">
          {budget.name}
        </Title>
        <Badge variant="light">{budget.period}</Badge>
      </Group>
      <Text size="sm" mt="xs">
        {money(period?.spend, budget.currency)} of {money(budget.amount, budget.currency)}
        {period?.forecast ? `, forecast ${money(period.forecast, budget.currency)}` : ''}
      </Text>
      <Progress my="xs" value={Math.min(used, 100)} color={used >= 100 ? 'red' : used >= 80 ? 'orange' : 'blue'} aria-label={`${budget.name}: ${used.toFixed(0)}% used`} />
      {budget.alerts.length === 0 ? (
        <Text size="sm" c="dimmed">
          No alert on this budget.
        </Text>
      ) : (
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Alert at</Table.Th>
              <Table.Th>On</Table.Th>
              <Table.Th>Last fired</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {budget.alerts.map((alert) => (
              <Table.Tr key={alert.id}>
                <Table.Td>{alert.threshold}%</Table.Td>
                <Table.Td>{alert.threshold_type}</Table.Td>
                <Table.Td>{dateTime(alert.last_fired_at)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

export default function Budgets() {
  const budgets = useQuery({
    queryKey: ['cost', 'budgets', 'details'],
    queryFn: async () => {
      const page = await api<Page<Budget>>('cost', '/budgets', { query: { limit: 100 } });
      return Promise.all(page.items.map((budget) => api<BudgetDetail>('cost', `/budgets/${budget.id}`)));
    },
  });
  return (
    <Stack>
      <Title order={2}>Budgets and alerts</Title>
      <NewBudget />
      <QueryState query={budgets} label="budgets" isEmpty={(items) => items.length === 0} empty="No budget yet: add one above.">
        {(items) => (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            {items.map((budget) => (
              <BudgetCard key={budget.id} budget={budget} />
            ))}
          </SimpleGrid>
        )}
      </QueryState>
    </Stack>
  );
}
