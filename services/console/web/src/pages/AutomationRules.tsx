import { useState } from 'react';
import { Alert, Badge, Button, Code, Group, NumberInput, Paper, Select, Stack, Table, Text, TextInput, Textarea, Title, VisuallyHidden } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../api/client.ts';
import { ACTION_TYPES, type ActionType, type AutomationRule, type Page, type RulePreview } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { dateTime, money } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

const PREVIEW_ROWS = 10;
/** Expressions, JSON and cron are code: monospace in the field, not in its label. */
const CODE_INPUT = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

/** Where the match language says the expression went wrong (the API's details of a 400). */
interface SyntaxProblem {
  message: string;
  line: number;
  column: number;
}

function syntaxProblem(error: unknown): SyntaxProblem | undefined {
  if (!(error instanceof ApiError) || error.status !== 400) return undefined;
  const details = (error.body as { details?: { line?: number; column?: number } }).details;
  if (typeof details?.line !== 'number' || typeof details.column !== 'number') return undefined;
  return { message: error.message.replace(/^body\.match: /, ''), line: details.line, column: details.column };
}

/** The expression's faulty line with a caret under the column, as a compiler shows it. */
function Caret({ match, problem }: { match: string; problem: SyntaxProblem }) {
  const line = match.split('\n')[problem.line - 1] ?? '';
  return (
    <Alert color="red" title={`Syntax error at line ${problem.line}, column ${problem.column}`} role="alert" data-testid="match-error">
      <Code block>
        {line}
        {'\n'}
        {`${' '.repeat(Math.max(0, problem.column - 1))}^`}
      </Code>
      <Text size="sm" mt="xs">
        {problem.message}
      </Text>
    </Alert>
  );
}

/** What the expression selects now, asked of the API as the person types (debounced): nothing is acted on. */
function LivePreview({ match }: { match: string }) {
  const [debounced] = useDebouncedValue(match.trim(), 300);
  const preview = useQuery({
    queryKey: ['action-executor', 'automation-rules', 'preview', debounced],
    queryFn: () => api<RulePreview>('action-executor', '/automation-rules/preview', { method: 'POST', body: { match: debounced, limit: PREVIEW_ROWS } }),
    enabled: debounced !== '',
    placeholderData: keepPreviousData,
    retry: false,
  });
  if (debounced === '') return <Text size="sm" c="dimmed">Type a match expression, e.g. <Code>env=dev AND type=vm AND NOT tag:keep</Code>, to see what it selects.</Text>;
  if (preview.isError) {
    const problem = syntaxProblem(preview.error);
    return problem ? <Caret match={debounced} problem={problem} /> : <Alert color="red" role="alert" title="Could not preview the match">{preview.error.message}</Alert>;
  }
  if (!preview.data) return <Text size="sm" c="dimmed">Previewing...</Text>;
  return (
    <Stack gap="xs" data-testid="match-preview" aria-busy={preview.isFetching}>
      <Text size="sm">
        <strong>{preview.data.count}</strong> resources match <Code>{preview.data.match}</Code> now
        {preview.data.count > PREVIEW_ROWS ? `; the first ${PREVIEW_ROWS}:` : preview.data.count > 0 ? ':' : '.'}
      </Text>
      {preview.data.items.length > 0 && (
        <Table>
          <Table.Caption>Resources the match selects now</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th>Region</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Cost / month</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.data.items.map((resource) => (
              <Table.Tr key={resource.id}>
                <Table.Td>{resource.name ?? resource.id}</Table.Td>
                <Table.Td>{resource.type}</Table.Td>
                <Table.Td>{resource.region}</Table.Td>
                <Table.Td>{resource.state}</Table.Td>
                <Table.Td>{money(resource.cost_monthly)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

interface RuleDraft {
  name: string;
  match: string;
  action: ActionType;
  parameters: string;
  cron: string;
  timezone: string;
  max_resources: number;
}

const EMPTY: RuleDraft = { name: '', match: '', action: 'stop', parameters: '{}', cron: '0 20 * * 1-5', timezone: 'UTC', max_resources: 100 };

/**
 * The API names the field it refuses, in its validation issues or its message (`body.cron: ...`):
 * the message goes under that field.
 */
function fieldError(error: unknown, field: keyof RuleDraft): string | undefined {
  if (!(error instanceof ApiError) || error.status !== 400) return undefined;
  const named = (path: string) => path === `body.${field}` || path.startsWith(`body.${field}.`);
  const issues = (error.body as { details?: { issues?: { field: string; message: string }[] } }).details?.issues;
  const issue = issues?.find((candidate) => named(candidate.field));
  if (issue) return issue.message;
  const part = error.message.split('; ').find((candidate) => named(candidate.split(':')[0]!));
  return part?.slice(part.indexOf(':') + 2);
}

function RuleEditor() {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<RuleDraft>(EMPTY);
  const [parametersError, setParametersError] = useState<string>();
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]) => setDraft((current) => ({ ...current, [key]: value }));
  const create = useMutation({
    mutationFn: (parameters: Record<string, unknown>) =>
      api<AutomationRule>('action-executor', '/automation-rules', { method: 'POST', body: { ...draft, parameters, status: 'enabled' } }),
    onSuccess: async () => {
      setDraft(EMPTY);
      await queryClient.invalidateQueries({ queryKey: ['action-executor', 'automation-rules', 'list'] });
    },
  });
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    let parameters: unknown;
    try {
      parameters = JSON.parse(draft.parameters);
    } catch {
      setParametersError('Parameters are a JSON object, e.g. {"size": "t3.small"} for scale');
      return;
    }
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      setParametersError('Parameters are a JSON object, e.g. {} or {"tags": {"owner": "finops"}}');
      return;
    }
    setParametersError(undefined);
    create.mutate(parameters as Record<string, unknown>);
  };
  const refused = create.error;
  const unplaced = refused && !(['name', 'match', 'action', 'parameters', 'cron', 'timezone', 'max_resources'] as const).some((field) => fieldError(refused, field));

  return (
    <Paper withBorder p="md">
      <form onSubmit={submit} noValidate aria-label="New automation rule">
        <Stack>
          <Title order={3} size="h4">
            New rule
          </Title>
          <Group align="flex-start">
            <TextInput label="Name" required value={draft.name} onChange={(event) => set('name', event.currentTarget.value)} error={fieldError(refused, 'name')} w={260} />
            <Select label="Action" data={ACTION_TYPES} value={draft.action} onChange={(value) => set('action', (value ?? 'stop') as ActionType)} allowDeselect={false} w={130} />
            <TextInput
              label="Parameters"
              description="JSON, as POST /v1/actions takes them"
              value={draft.parameters}
              onChange={(event) => set('parameters', event.currentTarget.value)}
              error={parametersError ?? fieldError(refused, 'parameters')}
              styles={CODE_INPUT}
              w={260}
            />
          </Group>
          <Textarea
            label="Match"
            description="Which resources the rule acts on: name, type, provider, account, region, zone, state, cost_monthly > 100, any tag key (env=dev, tag:keep), IN (...), * wildcards, AND, OR, NOT, parentheses"
            required
            autosize
            minRows={2}
            styles={CODE_INPUT}
            value={draft.match}
            onChange={(event) => set('match', event.currentTarget.value)}
            error={fieldError(refused, 'match')}
          />
          <LivePreview match={draft.match} />
          <Group align="flex-start">
            <TextInput label="Schedule (cron)" description="minute hour day month weekday" value={draft.cron} onChange={(event) => set('cron', event.currentTarget.value)} error={fieldError(refused, 'cron')} styles={CODE_INPUT} w={200} />
            <TextInput label="Time zone" description="IANA, e.g. Europe/Paris" value={draft.timezone} onChange={(event) => set('timezone', event.currentTarget.value)} error={fieldError(refused, 'timezone')} w={200} />
            <NumberInput
              label="Blast radius"
              description="at most this many resources per run"
              min={1}
              value={draft.max_resources}
              onChange={(value) => set('max_resources', typeof value === 'number' ? value : 1)}
              error={fieldError(refused, 'max_resources')}
              w={200}
            />
          </Group>
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create rule
            </Button>
          </Group>
          {unplaced && (
            <Text c="red" size="sm" role="alert">
              {refused.message}
            </Text>
          )}
        </Stack>
      </form>
    </Paper>
  );
}

function RuleRow({ rule }: { rule: AutomationRule }) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['action-executor', 'automation-rules', 'list'] });
  const toggle = useMutation({
    mutationFn: () => api<AutomationRule>('action-executor', `/automation-rules/${rule.id}`, { method: 'PATCH', body: { status: rule.status === 'enabled' ? 'disabled' : 'enabled' } }),
    onSuccess: refresh,
  });
  return (
    <Table.Tr>
      <Table.Td>{rule.name}</Table.Td>
      <Table.Td>
        <Code>{rule.match}</Code>
      </Table.Td>
      <Table.Td>{rule.action}</Table.Td>
      <Table.Td>
        <Code>{rule.cron}</Code> {rule.timezone}
      </Table.Td>
      <Table.Td>{rule.next_runs[0] ? dateTime(rule.next_runs[0]) : '—'}</Table.Td>
      <Table.Td>
        <Badge variant="light" color={rule.status === 'enabled' ? 'green' : 'gray'}>
          {rule.status}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Button size="xs" variant="default" loading={toggle.isPending} onClick={() => toggle.mutate()}>
            {rule.status === 'enabled' ? 'Disable' : 'Enable'}
          </Button>
          <ConfirmButton
            label="Run now"
            variant="light"
            title={`Run "${rule.name}" now?`}
            message={`Requests ${rule.action} on every resource the match selects now (policy and approvals apply); nothing at all if more than ${rule.max_resources} match.`}
            confirmLabel="Run"
            onConfirm={async () => {
              await api('action-executor', `/automation-rules/${rule.id}/run`, { method: 'POST' });
              await refresh();
            }}
          />
          <ConfirmButton
            label="Delete"
            color="red"
            variant="light"
            title={`Delete "${rule.name}"?`}
            message="The rule, its runs and its schedule are removed. Actions it already requested stay."
            confirmLabel="Delete"
            onConfirm={async () => {
              await api('action-executor', `/automation-rules/${rule.id}`, { method: 'DELETE' });
              await refresh();
            }}
          />
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

export default function AutomationRules() {
  const rules = useQuery({
    queryKey: ['action-executor', 'automation-rules', 'list'],
    queryFn: () => api<Page<AutomationRule>>('action-executor', '/automation-rules', { query: { limit: 100 } }),
  });
  return (
    <Stack>
      <Title order={2}>Automation rules</Title>
      <RuleEditor />
      <QueryState query={rules} label="automation rules" isEmpty={(data) => data.items.length === 0} empty="No rule yet: write one above.">
        {(data) => (
          <Table.ScrollContainer minWidth={800}>
            <Table striped data-testid="rules-table">
              <Table.Caption>Automation rules</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Match</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Schedule</Table.Th>
                  <Table.Th>Next run</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((rule) => (
                  <RuleRow key={rule.id} rule={rule} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </QueryState>
    </Stack>
  );
}
