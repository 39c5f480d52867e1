import { useState } from 'react';
import { Alert, Badge, Button, Code, Group, NumberInput, Paper, Select, Stack, Tabs, Text, TextInput, Title } from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { createColumnHelper } from '@tanstack/react-table';
import { QRCodeSVG } from 'qrcode.react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { meQueryKey, useMe } from '../api/auth.ts';
import { api, request } from '../api/client.ts';
import { useCloudAccounts } from '../api/queries.ts';
import { ROLES, type ApiToken, type CloudAccount, type ConsoleUser, type Notification, type Page, type Role } from '../api/types.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { DataTable } from '../components/DataTable.tsx';
import { dateTime } from '../components/format.ts';
import { QueryState } from '../components/QueryState.tsx';

const accountColumn = createColumnHelper<CloudAccount>();
const accountColumns = [
  accountColumn.accessor('name', { header: 'Name' }),
  accountColumn.accessor('provider', { header: 'Provider' }),
  accountColumn.accessor('account_id', { header: 'Account id' }),
  accountColumn.accessor('status', { header: 'Status', cell: (info) => <Badge variant="light">{info.getValue()}</Badge> }),
  accountColumn.accessor('last_sync', { header: 'Last sync', cell: (info) => dateTime(info.getValue()) }),
  accountColumn.accessor('last_sync_error', { header: 'Last error', cell: (info) => info.getValue() ?? '—' }),
];

function LinkedAccounts() {
  const accounts = useCloudAccounts();
  return (
    <Stack>
      <QueryState query={accounts} label="linked accounts" isEmpty={(page) => page.items.length === 0} empty="No cloud account linked: link one with scripts/stratus accounts link.">
        {(page) => <DataTable data={page.items} columns={accountColumns} caption="Linked cloud accounts" getRowId={(row) => row.id} />}
      </QueryState>
      <ApiTokens />
    </Stack>
  );
}

const tokenSchema = z.object({
  name: z.string().trim().min(1, 'Name the token after what uses it').max(200),
  role: z.enum(ROLES),
  expires_in_days: z.number().int().min(1).max(3650).optional(),
});
type NewToken = z.infer<typeof tokenSchema>;

function CreateToken() {
  const queryClient = useQueryClient();
  const form = useForm<NewToken>({ resolver: zodResolver(tokenSchema), defaultValues: { name: '', role: 'viewer', expires_in_days: 90 } });
  const create = useMutation({
    mutationFn: (values: NewToken) => request<{ token: string; expires_at: string | null }>('/auth/tokens', { method: 'POST', body: values }),
    onSuccess: () => {
      form.reset();
      return queryClient.invalidateQueries({ queryKey: ['auth', 'tokens'] });
    },
  });
  return (
    <form onSubmit={form.handleSubmit((values) => create.mutate(values))} noValidate aria-label="New API token">
      <Group align="flex-start">
        <TextInput label="Token name" placeholder="e.g. ci deploys" {...form.register('name')} error={form.formState.errors.name?.message} />
        <Controller control={form.control} name="role" render={({ field }) => <Select label="Token role" data={ROLES} value={field.value} onChange={(value) => field.onChange(value ?? 'viewer')} allowDeselect={false} w={130} />} />
        <Controller
          control={form.control}
          name="expires_in_days"
          render={({ field }) => (
            <NumberInput
              label="Expires in (days)"
              description="empty: never"
              min={1}
              max={3650}
              value={field.value ?? ''}
              onChange={(value) => field.onChange(typeof value === 'number' ? value : undefined)}
              error={form.formState.errors.expires_in_days?.message}
              w={150}
            />
          )}
        />
        <Button type="submit" mt={25} loading={create.isPending}>
          Create token
        </Button>
      </Group>
      {create.isError && (
        <Alert color="red" mt="sm" role="alert">
          {create.error.message}
        </Alert>
      )}
      {create.data && (
        <Alert color="green" mt="sm" role="status" title="Token created: copy it now, it is not shown again">
          <Code data-testid="new-token">{create.data.token}</Code>
        </Alert>
      )}
    </form>
  );
}

function ApiTokens() {
  const me = useMe();
  const queryClient = useQueryClient();
  const isAdmin = me.data?.user.role === 'admin';
  const tokens = useQuery({ queryKey: ['auth', 'tokens'], queryFn: () => request<{ data: ApiToken[] }>('/auth/tokens'), enabled: isAdmin });
  if (!isAdmin) return <Text size="sm">API tokens are for machines; an admin creates and revokes them.</Text>;
  const column = createColumnHelper<ApiToken>();
  const columns = [
    column.accessor('name', { header: 'Token' }),
    column.accessor('token_prefix', { header: 'Starts with', cell: (info) => <Code>{info.getValue()}</Code> }),
    column.accessor('role', { header: 'Role' }),
    column.accessor('last_used_at', { header: 'Last used', cell: (info) => dateTime(info.getValue()) }),
    column.accessor('expires_at', { header: 'Expires', cell: (info) => (info.getValue() ? dateTime(info.getValue()) : 'never') }),
    column.display({
      id: 'revoke',
      header: 'Status',
      cell: (info) =>
        info.row.original.revoked_at ? (
          <Badge color="gray" variant="light">
            revoked
          </Badge>
        ) : (
          <ConfirmButton
            label="Revoke"
            color="red"
            variant="light"
            title={`Revoke "${info.row.original.name}"?`}
            message="Whatever uses this token is refused from now on (a read already under way may be served for up to 30 seconds). This cannot be undone: create a new token instead."
            confirmLabel="Revoke"
            onConfirm={async () => {
              await request(`/auth/tokens/${info.row.original.id}`, { method: 'DELETE' });
              await queryClient.invalidateQueries({ queryKey: ['auth', 'tokens'] });
            }}
          />
        ),
    }),
  ];
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h4" mb="sm">
        API tokens
      </Title>
      <Stack>
        <CreateToken />
        <QueryState query={tokens} label="API tokens" isEmpty={(result) => result.data.length === 0} empty="No API token yet.">
          {(result) => <DataTable data={result.data} columns={columns} caption="API tokens for machines" getRowId={(row) => row.id} />}
        </QueryState>
      </Stack>
    </Paper>
  );
}

const inviteSchema = z.object({ email: z.email('Enter an email address'), name: z.string().trim().min(1, 'Enter a name').max(200), role: z.enum(ROLES) });
type Invite = z.infer<typeof inviteSchema>;

function InviteUser() {
  const queryClient = useQueryClient();
  const form = useForm<Invite>({ resolver: zodResolver(inviteSchema), defaultValues: { email: '', name: '', role: 'viewer' } });
  const invite = useMutation({
    mutationFn: (values: Invite) => request<{ invitation_url: string; expires_at: string }>('/auth/invitations', { method: 'POST', body: values }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['auth', 'users'] }),
  });
  return (
    <Paper withBorder p="md">
      <Title order={3} size="h4" mb="sm">
        Invite someone
      </Title>
      <form onSubmit={form.handleSubmit((values) => invite.mutate(values))} noValidate>
        <Group align="flex-start">
          <TextInput label="Email" type="email" {...form.register('email')} error={form.formState.errors.email?.message} />
          <TextInput label="Name" {...form.register('name')} error={form.formState.errors.name?.message} />
          <Controller control={form.control} name="role" render={({ field }) => <Select label="Role" data={ROLES} value={field.value} onChange={(value) => field.onChange(value ?? 'viewer')} allowDeselect={false} w={130} />} />
          <Button type="submit" mt={25} loading={invite.isPending}>
            Invite
          </Button>
        </Group>
      </form>
      {invite.isError && (
        <Alert color="red" mt="sm" role="alert">
          {invite.error.message}
        </Alert>
      )}
      {invite.data && (
        <Alert color="green" mt="sm" role="status" title="Invitation created">
          Send this one-time link (valid until {dateTime(invite.data.expires_at)}): <Code>{invite.data.invitation_url}</Code>
        </Alert>
      )}
    </Paper>
  );
}

function RoleSelect({ user, disabled }: { user: ConsoleUser; disabled: boolean }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: (role: Role) => request(`/auth/users/${user.id}`, { method: 'PATCH', body: { role } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['auth', 'users'] }),
  });
  return (
    <Select
      aria-label={`Role of ${user.email}`}
      data={ROLES}
      value={user.role}
      disabled={disabled || change.isPending}
      error={change.error?.message}
      onChange={(value) => value && change.mutate(value as Role)}
      allowDeselect={false}
      w={130}
    />
  );
}

function Users() {
  const me = useMe();
  const isAdmin = me.data?.user.role === 'admin';
  const users = useQuery({ queryKey: ['auth', 'users'], queryFn: () => request<{ data: ConsoleUser[] }>('/auth/users'), enabled: isAdmin });
  if (!isAdmin) return <Text>Only an admin manages users and their roles.</Text>;
  const column = createColumnHelper<ConsoleUser>();
  const columns = [
    column.accessor('email', { header: 'Email' }),
    column.accessor('name', { header: 'Name', cell: (info) => info.getValue() ?? '—' }),
    column.accessor('role', { header: 'Role', cell: (info) => <RoleSelect user={info.row.original} disabled={info.row.original.id === me.data?.user.id} /> }),
    column.accessor('status', { header: 'Status' }),
    column.accessor('mfa_enabled', { header: 'Second factor', cell: (info) => (info.getValue() ? 'on' : 'off') }),
    column.accessor('last_login', { header: 'Last sign-in', cell: (info) => dateTime(info.getValue()) }),
  ];
  return (
    <Stack>
      <InviteUser />
      <QueryState query={users} label="users" isEmpty={(result) => result.data.length === 0}>
        {(result) => <DataTable data={result.data} columns={columns} caption="People who can sign in" getRowId={(row) => row.id} />}
      </QueryState>
    </Stack>
  );
}

function SecondFactor() {
  const me = useMe();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const setup = useMutation({ mutationFn: () => request<{ secret: string; otpauth_url: string }>('/auth/totp/setup', { method: 'POST' }) });
  const change = useMutation({
    mutationFn: (verb: 'enable' | 'disable') => request(`/auth/totp/${verb}`, { method: 'POST', body: { code } }),
    onSuccess: async () => {
      setCode('');
      setup.reset();
      await queryClient.invalidateQueries({ queryKey: meQueryKey });
    },
  });
  const enabled = me.data?.user.mfa_enabled ?? false;
  const codeField = <TextInput label="Code from your authenticator app" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(event) => setCode(event.currentTarget.value)} w={260} />;
  return (
    <Stack maw={560}>
      <Text>
        Second factor (TOTP): <Badge color={enabled ? 'green' : 'gray'}>{enabled ? 'on' : 'off'}</Badge>
      </Text>
      {change.isError && (
        <Alert color="red" role="alert">
          {change.error.message}
        </Alert>
      )}
      {enabled ? (
        <Group align="flex-end">
          {codeField}
          <Button color="red" variant="light" onClick={() => change.mutate('disable')} loading={change.isPending}>
            Turn off
          </Button>
        </Group>
      ) : setup.data ? (
        <Stack>
          <Text size="sm">Scan this code with an authenticator app, or enter the secret by hand, then type the code it shows.</Text>
          <QRCodeSVG value={setup.data.otpauth_url} size={180} title="QR code of the authenticator secret" marginSize={2} />
          {/* Focusable: a long URL scrolls, and a keyboard must reach it. */}
          <Code block data-testid="otpauth-url" tabIndex={0}>
            {setup.data.otpauth_url}
          </Code>
          <Group align="flex-end">
            {codeField}
            <Button onClick={() => change.mutate('enable')} loading={change.isPending}>
              Turn on
            </Button>
          </Group>
        </Stack>
      ) : (
        <Button w={220} onClick={() => setup.mutate()} loading={setup.isPending}>
          Set up a second factor
        </Button>
      )}
      {setup.isError && (
        <Alert color="red" role="alert">
          {setup.error.message}
        </Alert>
      )}
    </Stack>
  );
}

function Notifications() {
  const queryClient = useQueryClient();
  const notifications = useQuery({ queryKey: ['audit', 'notifications'], queryFn: () => api<Page<Notification>>('audit', '/notifications', { query: { mine: true, limit: 50 } }) });
  const markRead = useMutation({
    mutationFn: (id: string) => api('audit', `/notifications/${id}`, { method: 'PATCH', body: { status: 'read' } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['audit', 'notifications'] }),
  });
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        Budget alerts choose their channels (in the app, email, webhook); what reached you in the app is listed here.
      </Text>
      <QueryState query={notifications} label="notifications" isEmpty={(page) => page.items.length === 0} empty="No notification.">
        {(page) => (
          <Stack gap="xs">
            {page.items.map((item) => (
              <Paper key={item.id} withBorder p="sm">
                <Group justify="space-between">
                  <div>
                    <Text fw={item.status === 'unread' ? 700 : 400}>{item.title}</Text>
                    <Text size="sm">{item.message}</Text>
                    <Text size="xs" c="dimmed">
                      {dateTime(item.created_at)}
                    </Text>
                  </div>
                  {item.status === 'unread' && (
                    <Button size="xs" variant="subtle" onClick={() => markRead.mutate(item.id)}>
                      Mark read
                    </Button>
                  )}
                </Group>
              </Paper>
            ))}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}

export default function Settings() {
  return (
    <Stack>
      <Title order={2}>Settings</Title>
      <Paper withBorder p="md">
        <Tabs defaultValue="accounts" keepMounted={false}>
          <Tabs.List>
            <Tabs.Tab value="accounts">Linked accounts and tokens</Tabs.Tab>
            <Tabs.Tab value="users">Users</Tabs.Tab>
            <Tabs.Tab value="security">Second factor</Tabs.Tab>
            <Tabs.Tab value="notifications">Notifications</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="accounts" pt="md">
            <LinkedAccounts />
          </Tabs.Panel>
          <Tabs.Panel value="users" pt="md">
            <Users />
          </Tabs.Panel>
          <Tabs.Panel value="security" pt="md">
            <SecondFactor />
          </Tabs.Panel>
          <Tabs.Panel value="notifications" pt="md">
            <Notifications />
          </Tabs.Panel>
        </Tabs>
      </Paper>
    </Stack>
  );
}
