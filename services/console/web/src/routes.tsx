import { lazy, Suspense, type ComponentType } from 'react';
import { createBrowserRouter } from 'react-router';
import { Center, Loader } from '@mantine/core';
import { Layout } from './Layout.tsx';

// One chunk per page: the sign-in page does not load the charts, the inventory not the explorer.
function page(load: () => Promise<{ default: ComponentType }>) {
  const Page = lazy(load);
  return (
    <Suspense
      fallback={
        <Center py="xl">
          <Loader role="status" aria-label="Loading page" />
        </Center>
      }
    >
      <Page />
    </Suspense>
  );
}

export const createRouter = () =>
  createBrowserRouter([
    { path: '/sign-in', element: page(() => import('./pages/SignIn.tsx')) },
    { path: '/accept-invitation', element: page(() => import('./pages/AcceptInvitation.tsx')) },
    {
      element: <Layout />,
      children: [
        { index: true, element: page(() => import('./pages/Overview.tsx')) },
        { path: 'inventory', element: page(() => import('./pages/Inventory.tsx')) },
        { path: 'inventory/:id', element: page(() => import('./pages/ResourceDetail.tsx')) },
        { path: 'recommendations', element: page(() => import('./pages/Recommendations.tsx')) },
        { path: 'actions', element: page(() => import('./pages/Actions.tsx')) },
        { path: 'automation', element: page(() => import('./pages/AutomationRules.tsx')) },
        { path: 'costs', element: page(() => import('./pages/CostExplorer.tsx')) },
        { path: 'budgets', element: page(() => import('./pages/Budgets.tsx')) },
        { path: 'activity', element: page(() => import('./pages/Activity.tsx')) },
        { path: 'settings', element: page(() => import('./pages/Settings.tsx')) },
        { path: '*', element: page(() => import('./pages/NotFound.tsx')) },
      ],
    },
  ]);
