import { useQuery } from '@tanstack/react-query';
import { ApiError, forgetCsrfToken, request } from './client.ts';
import type { Me } from './types.ts';

export const meQueryKey = ['auth', 'me'] as const;

/** Who is signed in; `null` when nobody is (the 401 is the answer, not an error). */
export function useMe() {
  return useQuery({
    queryKey: meQueryKey,
    queryFn: async (): Promise<Me | null> => {
      try {
        return await request<Me>('/auth/me', { expectUnauthorized: true });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

export interface Credentials {
  email: string;
  password: string;
  totp_code?: string;
}

export async function signIn(credentials: Credentials): Promise<Me> {
  const me = await request<Me>('/auth/login', { method: 'POST', body: credentials, expectUnauthorized: true });
  forgetCsrfToken();
  return me;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('/auth/logout', { method: 'POST', expectUnauthorized: true });
  } finally {
    forgetCsrfToken();
  }
}
