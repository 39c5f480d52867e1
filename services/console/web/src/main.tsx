import '@mantine/core/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { ApiError, setUnauthorizedHandler } from './api/client.ts';
import { createRouter } from './routes.tsx';
import { cssVariablesResolver, theme } from './theme.ts';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // A refused request (4xx) will not succeed on its own: only retry what may be transient.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status < 500),
    },
  },
});
const router = createRouter();

setUnauthorizedHandler(() => {
  if (window.location.pathname === '/sign-in') return;
  const next = window.location.pathname + window.location.search;
  // Who was signed in is forgotten by the sign-in page: forgetting it here would let the layout
  // redirect first (a query update outruns the router's transition), without the notice.
  void router.navigate(`/sign-in?expired=1&next=${encodeURIComponent(next)}`, { replace: true });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
