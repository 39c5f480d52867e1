import { describe, expect, it } from 'vitest';
import { changeRecord, type ResourceBefore } from './change-record.ts';

const vm: ResourceBefore = { state: 'running', tags: { env: 'dev', team: 'web' }, metadata: { instance_type: 'm5.large' } };

describe('changeRecord', () => {
  it('undoes a stop with a start and a start with a stop', () => {
    expect(changeRecord('stop', {}, vm, { state: 'stopped', details: { previous_state: 'running' } })).toEqual({
      before: { state: 'running' },
      after: { state: 'stopped' },
      undo: { possible: true, action_type: 'start', parameters: {} },
    });
    expect(changeRecord('start', {}, { ...vm, state: 'stopped' }, { state: 'running', details: {} }).undo).toEqual({ possible: true, action_type: 'stop', parameters: {} });
  });

  it('scales back to the previous size, which the provider knows best', () => {
    const record = changeRecord('scale', { size: 't3.small' }, vm, { state: 'running', details: { previous_size: 'm5.xlarge', size: 't3.small' } });
    expect(record).toEqual({
      before: { size: 'm5.xlarge', state: 'running' },
      after: { size: 't3.small', state: 'running' },
      undo: { possible: true, action_type: 'scale', parameters: { size: 'm5.xlarge' } },
    });
    expect(changeRecord('scale', { size: 't3.small' }, vm, { state: 'running', details: {} }).undo).toEqual({ possible: true, action_type: 'scale', parameters: { size: 'm5.large' } });
  });

  it('cannot shrink a disk it grew', () => {
    const record = changeRecord('scale', { size: 200 }, { state: 'in-use', tags: {}, metadata: { size_gb: 100 } }, { state: 'in-use', details: { previous_size_gb: 100, size_gb: 200 } });
    expect(record.before).toEqual({ size: 100, state: 'in-use' });
    expect(record.after).toEqual({ size: 200, state: 'in-use' });
    expect(record.undo).toMatchObject({ possible: false });
  });

  it('tags back to the previous values, saying which added keys stay', () => {
    const record = changeRecord('tag', { tags: { env: 'prod', owner: 'ops' } }, vm, { state: 'running', details: { tags: { env: 'prod', team: 'web', owner: 'ops' } } });
    expect(record).toEqual({
      before: { tags: { env: 'dev', team: 'web' } },
      after: { tags: { env: 'prod', team: 'web', owner: 'ops' } },
      undo: { possible: true, action_type: 'tag', parameters: { tags: { env: 'dev' } }, note: 'keys added by the operation stay: owner' },
    });
    expect(changeRecord('tag', { tags: { owner: 'ops' } }, vm, { state: 'running', details: {} }).undo).toMatchObject({ possible: false });
  });

  it('undoes a snapshot by deleting it, and never a delete', () => {
    expect(changeRecord('snapshot', {}, vm, { state: 'running', details: { snapshot_id: 'snap-1' } }).undo).toEqual({
      possible: true,
      action_type: 'delete',
      parameters: { snapshot_id: 'snap-1' },
      note: 'delete the snapshot it created',
    });
    expect(changeRecord('delete', {}, vm, { state: 'terminated', details: {} })).toEqual({
      before: { state: 'running', tags: vm.tags },
      after: { state: 'terminated' },
      undo: { possible: false, reason: 'a deleted resource cannot be restored' },
    });
  });
});
