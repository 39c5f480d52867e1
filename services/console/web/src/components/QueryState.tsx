import type { ReactNode } from 'react';
import { Alert, Center, Loader, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';

interface Props<T> {
  query: UseQueryResult<T>;
  /** What counts as nothing to show (an empty list). */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  label: string;
  children: (data: T) => ReactNode;
}

/** Loading, error and empty states, the same everywhere. */
export function QueryState<T>({ query, isEmpty, empty, label, children }: Props<T>) {
  if (query.isPending) {
    return (
      <Center py="lg" aria-busy="true">
        <Loader size="sm" role="status" aria-label={`Loading ${label}`} />
      </Center>
    );
  }
  if (query.isError) {
    return (
      <Alert color="red" title={`Could not load ${label}`} role="alert">
        {query.error.message}
      </Alert>
    );
  }
  if (isEmpty?.(query.data)) {
    return (
      <Text c="dimmed" py="md" data-testid="empty-state">
        {empty ?? `No ${label} yet.`}
      </Text>
    );
  }
  return <>{children(query.data)}</>;
}
