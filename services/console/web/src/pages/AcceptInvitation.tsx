import { useState } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useLocation, useNavigate } from 'react-router';
import { z } from 'zod';
import { forgetCsrfToken, request } from '../api/client.ts';
import { meQueryKey } from '../api/auth.ts';
import type { Me } from '../api/types.ts';

const schema = z.object({
  name: z.string().max(200).optional(),
  password: z.string().min(12, 'At least 12 characters').max(256, 'At most 256 characters'),
});
type Form = z.infer<typeof schema>;

export default function AcceptInvitation() {
  // The token travels in the link's #fragment, which no server (nor its logs) ever receives.
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [failure, setFailure] = useState<string>();
  const form = useForm<Form>({ resolver: zodResolver(schema), defaultValues: { name: '', password: '' } });
  const token = new URLSearchParams(location.hash.slice(1)).get('token');

  const onSubmit = form.handleSubmit(async (values) => {
    setFailure(undefined);
    try {
      const me = await request<Me>('/auth/invitations/accept', {
        method: 'POST',
        body: { token, password: values.password, ...(values.name ? { name: values.name } : {}) },
        expectUnauthorized: true,
      });
      forgetCsrfToken();
      queryClient.clear();
      queryClient.setQueryData(meQueryKey, me);
      await navigate('/', { replace: true });
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    }
  });

  return (
    <Center mih="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380}>
        <form onSubmit={onSubmit} noValidate>
          <Stack>
            <Title order={1} size="h2">
              Join Stratus
            </Title>
            {!token && <Alert color="red">This invitation link has no token.</Alert>}
            {failure && (
              <Alert color="red" role="alert">
                {failure}
              </Alert>
            )}
            <TextInput label="Your name" {...form.register('name')} />
            <PasswordInput label="Choose a password" autoComplete="new-password" {...form.register('password')} error={form.formState.errors.password?.message} />
            <Button type="submit" disabled={!token} loading={form.formState.isSubmitting}>
              Accept the invitation
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
