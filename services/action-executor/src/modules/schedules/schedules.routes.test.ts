/** Named schedules through the API on the real PostgreSQL: checked fields, names unique, next change shown. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExecutorApp, type ExecutorApp } from '../../../test/executor-app.ts';

let app: ExecutorApp;

beforeAll(async () => {
  app = await startExecutorApp();
});

afterAll(async () => {
  await app?.close();
});

const office = { name: 'office hours', match: 'env=dev AND type=vm', spec: 'off=(M-F,19);on=(M-F,7);tz=Europe/Paris', holidays: ['2026-12-25'] };

describe('/v1/schedules', () => {
  it('refuses a spec or a match that does not parse, naming the field and the position', async () => {
    const spec = await app.call('POST', '/v1/schedules', { body: { ...office, spec: 'off=(M-F,25)' } });
    expect(spec.status).toBe(400);
    expect(spec.body.message).toBe("body.spec: at 9: expected an hour from 0 to 23, found '25'");
    const match = await app.call('POST', '/v1/schedules', { body: { ...office, match: 'env=' } });
    expect(match.status).toBe(400);
    expect(match.body.message).toMatch(/^body\.match: at 4: expected/);
  });

  it('creates, lists, changes and deletes a schedule; a name is used once', async () => {
    const created = await app.call('POST', '/v1/schedules', { body: office });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...office, status: 'enabled', created_by: app.userId });
    expect(['running', 'stopped']).toContain(created.body.next_change.state);
    expect((await app.call('POST', '/v1/schedules', { body: office })).status).toBe(409);

    const id: string = created.body.id;
    expect((await app.call('GET', '/v1/schedules')).body.items.map((item: { id: string }) => item.id)).toEqual([id]);
    const disabled = await app.call('PATCH', `/v1/schedules/${id}`, { body: { status: 'disabled', holidays: [] } });
    expect(disabled.body).toMatchObject({ status: 'disabled', holidays: [], spec: office.spec });
    expect((await app.call('PATCH', `/v1/schedules/${id}`, { body: { spec: 'on=(U,99)' } })).status).toBe(400);
    expect((await app.call('DELETE', `/v1/schedules/${id}`)).status).toBe(204);
    expect((await app.call('GET', `/v1/schedules/${id}`)).status).toBe(404);
  });
});
