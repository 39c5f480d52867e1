import type { ActionType } from '@stratus/db';
import type { OperationResult } from '@stratus/cloud';

/** The resource as the inventory last saw it, before the operation. */
export interface ResourceBefore {
  state: string | null;
  tags: Record<string, string>;
  metadata: Record<string, unknown>;
}

export type Undo =
  | { possible: true; action_type: ActionType; parameters: Record<string, unknown>; note?: string }
  | { possible: false; reason: string };

/** What an operation changed and how to take it back, kept in operations.result. */
export interface ChangeRecord {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  undo: Undo;
}

const SIZE_KEYS = ['instance_type', 'instance_class', 'sku', 'vm_size', 'machine_type', 'tier', 'node_size', 'size'] as const;

function sizeOf(metadata: Record<string, unknown>): unknown {
  for (const key of SIZE_KEYS) if (metadata[key] !== undefined) return metadata[key];
  return undefined;
}

const defined = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));

/**
 * Before and after, from the inventory's view and what the provider answered (the sim and the
 * adapters report previous_size, previous_state and the like where they know better), and the
 * operation that undoes it: stop <-> start, scale back to the previous size, tag back to the
 * previous values; a snapshot is undone by deleting it; a delete cannot be undone.
 */
export function changeRecord(operation: ActionType, params: Record<string, unknown>, before: ResourceBefore, result: OperationResult): ChangeRecord {
  const details = result.details;
  switch (operation) {
    case 'start':
    case 'stop':
      return {
        before: { state: details.previous_state ?? before.state },
        after: { state: result.state },
        undo: { possible: true, action_type: operation === 'stop' ? 'start' : 'stop', parameters: {} },
      };
    case 'scale': {
      const bySize = details.previous_size_gb !== undefined || typeof params.size === 'number';
      const previous = bySize ? (details.previous_size_gb ?? before.metadata.size_gb) : (details.previous_size ?? sizeOf(before.metadata));
      const after = bySize ? (details.size_gb ?? params.size) : (details.size ?? params.size);
      const undo: Undo =
        bySize ? { possible: false, reason: 'disks only grow: a disk cannot be scaled back to a smaller size' }
        : previous === undefined ? { possible: false, reason: 'the previous size is not known' }
        : { possible: true, action_type: 'scale', parameters: { size: previous } };
      return { before: defined({ size: previous, state: before.state }), after: defined({ size: after, state: result.state }), undo };
    }
    case 'tag': {
      const asked = (params.tags ?? {}) as Record<string, string>;
      const previous = Object.fromEntries(Object.keys(asked).filter((key) => key in before.tags).map((key) => [key, before.tags[key]!]));
      const added = Object.keys(asked).filter((key) => !(key in before.tags));
      const restore: Undo =
        Object.keys(previous).length === 0 ? { possible: false, reason: 'the operation only added tags, and a tag operation cannot remove them' }
        : { possible: true, action_type: 'tag', parameters: { tags: previous }, ...(added.length > 0 ? { note: `keys added by the operation stay: ${added.join(', ')}` } : {}) };
      return { before: { tags: before.tags }, after: { tags: (details.tags as Record<string, string> | undefined) ?? { ...before.tags, ...asked } }, undo: restore };
    }
    case 'snapshot':
      return {
        before: { state: before.state },
        after: defined({ state: result.state, snapshot_id: details.snapshot_id }),
        undo:
          details.snapshot_id === undefined
            ? { possible: false, reason: 'the provider did not name the snapshot' }
            : { possible: true, action_type: 'delete', parameters: { snapshot_id: details.snapshot_id }, note: 'delete the snapshot it created' },
      };
    case 'delete':
      return { before: { state: before.state, tags: before.tags }, after: { state: result.state }, undo: { possible: false, reason: 'a deleted resource cannot be restored' } };
  }
}
