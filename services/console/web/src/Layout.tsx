import { AppShell, Burger, Button, Center, Group, Loader, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, NavLink as RouterLink, Outlet, useLocation, useNavigate } from 'react-router';
import { meQueryKey, signOut, useMe } from './api/auth.ts';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/inventory', label: 'Inventory' },
  { to: '/recommendations', label: 'Recommendations' },
  { to: '/actions', label: 'Actions & approvals' },
  { to: '/automation', label: 'Automation rules' },
  { to: '/costs', label: 'Cost explorer' },
  { to: '/budgets', label: 'Budgets' },
  { to: '/activity', label: 'Activity & audit' },
  { to: '/settings', label: 'Settings' },
];

export function Layout() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [opened, { toggle }] = useDisclosure();

  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader role="status" aria-label="Loading the console" />
      </Center>
    );
  }
  if (me.isError) {
    return (
      <Center h="100vh" role="alert">
        <Text>The console server did not answer: {me.error.message}</Text>
      </Center>
    );
  }
  if (me.data === null) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;

  const onSignOut = async () => {
    await signOut().catch(() => undefined);
    queryClient.clear();
    queryClient.setQueryData(meQueryKey, null);
    await navigate('/sign-in', { replace: true });
  };

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={1} size="h3">
              Stratus
            </Title>
            <Text size="sm" c="dimmed">
              {me.data.organization.name}
            </Text>
          </Group>
          <Group>
            <Text size="sm" data-testid="signed-in-user">
              {me.data.user.email} ({me.data.user.role})
            </Text>
            <Button variant="default" size="xs" onClick={onSignOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {NAV.map((item) => (
          <NavLink
            key={item.to}
            component={RouterLink}
            to={item.to}
            end={item.to === '/'}
            label={item.label}
            active={item.to === '/' ? location.pathname === '/' : location.pathname.startsWith(item.to)}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
