import { useEffect, useState } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { zodResolver } from '@hookform/resolvers/zod';
import { useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useNavigate, useSearchParams } from 'react-router';
import { z } from 'zod';
import { ApiError } from '../api/client.ts';
import { meQueryKey, signIn } from '../api/auth.ts';

const schema = z.object({
  email: z.email('Enter an email address'),
  password: z.string().min(1, 'Enter your password'),
  totp_code: z.string().regex(/^\d{6}$/, 'The code has 6 digits').optional(),
});
type Form = z.infer<typeof schema>;

function messageOf(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The console server did not answer. Try again.';
  switch (error.code) {
    case 'invalid_credentials':
      return 'Wrong email or password.';
    case 'invalid_totp':
      return 'Wrong authentication code. Try the current one.';
    default:
      return error.status === 429 ? 'Too many attempts. Wait a few minutes and try again.' : error.message;
  }
}

/** Only paths of this app: `next` comes from the address bar. */
const safeNext = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/');

export default function SignIn() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [needsCode, setNeedsCode] = useState(false);
  const [failure, setFailure] = useState<string>();
  const form = useForm<Form>({ resolver: zodResolver(schema), defaultValues: { email: '', password: '' } });
  // Whoever was signed in before (an expired session, a sign-out) is not who signs in next.
  useEffect(() => queryClient.removeQueries({ queryKey: meQueryKey }), [queryClient]);

  const onSubmit = form.handleSubmit(async (values) => {
    setFailure(undefined);
    try {
      const me = await signIn(needsCode ? values : { email: values.email, password: values.password });
      queryClient.clear();
      queryClient.setQueryData(meQueryKey, me);
      await navigate(safeNext(params.get('next')), { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'totp_required') {
        setNeedsCode(true);
        return;
      }
      setFailure(messageOf(error));
    }
  });

  return (
    <Center mih="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380}>
        <form onSubmit={onSubmit} noValidate>
          <Stack>
            <Title order={1} size="h2">
              Sign in to Stratus
            </Title>
            {params.get('expired') && !failure && (
              <Alert color="yellow" role="status">
                Your session has expired. Sign in again.
              </Alert>
            )}
            {failure && (
              <Alert color="red" role="alert">
                {failure}
              </Alert>
            )}
            <TextInput label="Email" type="email" autoComplete="username" {...form.register('email')} error={form.formState.errors.email?.message} />
            <PasswordInput label="Password" autoComplete="current-password" {...form.register('password')} error={form.formState.errors.password?.message} />
            {needsCode && (
              <TextInput
                label="Authentication code"
                description="The 6-digit code from your authenticator app"
                inputMode="numeric"
                autoComplete="one-time-code"
                autoFocus
                {...form.register('totp_code')}
                error={form.formState.errors.totp_code?.message}
              />
            )}
            <Button type="submit" loading={form.formState.isSubmitting}>
              {needsCode ? 'Verify and sign in' : 'Sign in'}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
