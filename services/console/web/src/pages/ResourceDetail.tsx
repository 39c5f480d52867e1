import { useState } from 'react';
import { Badge, Code, Grid, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api } from '../api/client.ts';
import { useBreakdown } from '../api/queries.ts';
import type { Action, ActionType, Page, Recommendation, Resource } from '../api/types.ts';
import { TrendChart } from '../components/charts.tsx';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { dateTime, isoDay, money } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

const TREND_DAYS = 30;

function ResourceActions({ resource }: { resource: Resource }) {
  const queryClient = useQueryClient();
  const [size, setSize] = useState('');
  const request = useMutation({
    mutationFn: (body: { action_type: ActionType; parameters?: Record<string, unknown> }) =>
      api<{ action_id: string }>('action-executor', '/actions', { method: 'POST', body: { resource_id: resource.id, ...body } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['action-executor'] }),
  });
  const name = resource.name ?? resource.provider_resource_id;
  return (
    <Group>
      <ConfirmButton label="Start" title={`Start ${name}?`} message="The resource is started; its running cost resumes." onConfirm={() => request.mutateAsync({ action_type: 'start' })} />
      <ConfirmButton label="Stop" color="orange" title={`Stop ${name}?`} message="The resource is stopped: whatever runs on it becomes unavailable until it is started again." onConfirm={() => request.mutateAsync({ action_type: 'stop' })} />
      <ConfirmButton
        label="Scale"
        variant="light"
        title={`Scale ${name}`}
        message="The resource is resized; it may restart."
        onConfirm={() => request.mutateAsync({ action_type: 'scale', parameters: { size } })}
      >
        <TextInput label="New size" placeholder="e.g. t3.small" value={size} onChange={(event) => setSize(event.currentTarget.value)} required />
      </ConfirmButton>
      {request.data && (
        <Text size="sm" role="status">
          Requested: the action is in the history below once the executor records it.
        </Text>
      )}
    </Group>
  );
}

function Properties({ resource }: { resource: Resource }) {
  const rows: Array<[string, React.ReactNode]> = [
    ['Provider', resource.provider],
    ['Provider id', <Code key="id">{resource.provider_resource_id}</Code>],
    ['Type', resource.type],
    ['Region', resource.region ?? '—'],
    ['Zone', resource.zone ?? '—'],
    ['State', resource.state ?? '—'],
    ['Cost per day', money(resource.cost_daily)],
    ['Cost per month', money(resource.cost_monthly)],
    ['Tags', Object.entries(resource.tags).map(([key, value]) => <Badge key={key} variant="outline" mr={4}>{`${key}=${value}`}</Badge>)],
    ['Discovered', dateTime(resource.discovered_at)],
    ['Last seen', dateTime(resource.last_seen)],
    ...Object.entries(resource.metadata).map(([key, value]): [string, React.ReactNode] => [key, typeof value === 'object' ? JSON.stringify(value) : String(value)]),
  ];
  return (
    <Table>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row" w={180}>
              {label}
            </Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

export default function ResourceDetail() {
  const { id = '' } = useParams();
  const resource = useQuery({ queryKey: ['ingestion', 'resources', id], queryFn: () => api<Resource>('ingestion', `/resources/${id}`) });
  const account = resource.data?.cloud_account_id;
  const from = isoDay(new Date(Date.now() - TREND_DAYS * 86_400_000));
  // The cost API filters by account, not by resource: group by resource and keep this one's lines.
  const trend = useBreakdown({ granularity: 'day', group_by: 'resource', account, region: resource.data?.region, from, limit: 500 }, account !== undefined);
  const recommendations = useQuery({
    queryKey: ['recommendation', 'recommendations', { resource_id: id }],
    queryFn: () => api<Page<Recommendation>>('recommendation', '/recommendations', { query: { resource_id: id, limit: 50 } }),
    select: (page) => page.items,
  });
  const actions = useQuery({
    queryKey: ['action-executor', 'actions', { resource_id: id }],
    queryFn: () => api<Page<Action>>('action-executor', '/actions', { query: { resource_id: id, limit: 50 } }),
  });

  return (
    <QueryState query={resource} label="the resource">
      {(data) => (
        <Stack>
          <Group justify="space-between">
            <Title order={2}>{data.name ?? data.provider_resource_id}</Title>
            <ResourceActions resource={data} />
          </Group>
          <Grid>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Paper withBorder p="md">
                <Title order={3} size="h4">
                  Properties
                </Title>
                <Properties resource={data} />
              </Paper>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Stack>
                <Paper withBorder p="md">
                  <Title order={3} size="h4" mb="sm">
                    Cost, last {TREND_DAYS} days
                  </Title>
                  <QueryState
                    query={trend}
                    label="the cost trend"
                    isEmpty={(page) => !page.items.some((item) => Object.values(item.group).includes(id))}
                    empty="No cost line for this resource in the last 30 days."
                  >
                    {(page) => (
                      <TrendChart
                        items={page.items.filter((item) => Object.values(item.group).includes(id))}
                        currency={page.items[0]?.currency ?? 'USD'}
                        label="Daily cost of this resource"
                        height={200}
                      />
                    )}
                  </QueryState>
                </Paper>
                <Paper withBorder p="md">
                  <Title order={3} size="h4" mb="sm">
                    Recommendations
                  </Title>
                  <QueryState query={recommendations} label="recommendations" isEmpty={(items) => items.length === 0} empty="No recommendation for this resource.">
                    {(items) => (
                      <Stack gap="xs">
                        {items.map((item) => (
                          <Text key={item.id} size="sm">
                            <Badge mr="xs">{item.status}</Badge>
                            {item.title}: {money(item.estimated_savings, item.currency ?? 'USD')}/month
                          </Text>
                        ))}
                      </Stack>
                    )}
                  </QueryState>
                </Paper>
                <Paper withBorder p="md">
                  <Title order={3} size="h4" mb="sm">
                    Action history
                  </Title>
                  <QueryState query={actions} label="actions" isEmpty={(page) => page.items.length === 0} empty="No action on this resource yet.">
                    {(page) => (
                      <Table>
                        <Table.Thead>
                          <Table.Tr>
                            <Table.Th>Action</Table.Th>
                            <Table.Th>Status</Table.Th>
                            <Table.Th>Requested</Table.Th>
                          </Table.Tr>
                        </Table.Thead>
                        <Table.Tbody>
                          {page.items.map((action) => (
                            <Table.Tr key={action.id}>
                              <Table.Td>{action.action_type}</Table.Td>
                              <Table.Td>{action.status.replaceAll('_', ' ')}</Table.Td>
                              <Table.Td>{dateTime(action.created_at)}</Table.Td>
                            </Table.Tr>
                          ))}
                        </Table.Tbody>
                      </Table>
                    )}
                  </QueryState>
                </Paper>
              </Stack>
            </Grid.Col>
          </Grid>
        </Stack>
      )}
    </QueryState>
  );
}
