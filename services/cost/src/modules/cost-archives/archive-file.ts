import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData, type SchemaElement } from 'hyparquet';
import type { ObjectStore } from '@stratus/object-store';
import { amountColumn, ParquetStream, textColumn, timestampColumn } from '../../parquet-stream.ts';

/**
 * One organisation's month of cost_data as one Parquet file: every column of the table, exact.
 * Timestamps are microseconds since the epoch (TIMESTAMP_MICROS, as PostgreSQL keeps them), the
 * amount a DECIMAL(38, 24) like cost_data's numeric(38, 24), `dimensions` the jsonb's text.
 */
export interface ArchivedLine {
  id: string;
  organization_id: string;
  cloud_account_id: string;
  resource_id: string | null;
  provider: string;
  service: string | null;
  region: string | null;
  timestamp_us: bigint;
  /** Units of 10^-24 of the currency (toUnits of @stratus/db). */
  amount_units: bigint;
  currency: string;
  granularity: string;
  dimensions: string;
  created_at_us: bigint;
  import_id: string | null;
  provider_resource_id: string | null;
}

type Column = keyof ArchivedLine;

const COLUMNS: SchemaElement[] = [
  textColumn('id'),
  textColumn('organization_id'),
  textColumn('cloud_account_id'),
  textColumn('resource_id', true),
  textColumn('provider'),
  textColumn('service', true),
  textColumn('region', true),
  timestampColumn('timestamp_us'),
  amountColumn('amount_units'),
  textColumn('currency'),
  textColumn('granularity'),
  textColumn('dimensions'),
  timestampColumn('created_at_us'),
  textColumn('import_id', true),
  textColumn('provider_resource_id', true),
];

/** Streams the archive's row groups to the object store through a multipart upload as they are encoded. */
export class ArchiveFileWriter {
  readonly #parquet = new ParquetStream(COLUMNS, 'stratus cost archive');
  readonly #upload: Promise<void>;

  constructor(store: ObjectStore, key: string) {
    this.#upload = store.put(key, this.#parquet.body, { contentType: 'application/vnd.apache.parquet' });
    // Until awaited in finish(), a failed upload would be an unhandled rejection.
    this.#upload.catch(() => undefined);
  }

  get rows(): number {
    return this.#parquet.rows;
  }

  get size(): number {
    return this.#parquet.size;
  }

  write(lines: readonly ArchivedLine[]): Promise<void> {
    return this.#parquet.write(COLUMNS.map((column) => ({ name: column.name, data: lines.map((line) => line[column.name as Column]) })));
  }

  async finish(): Promise<void> {
    await this.#parquet.finish();
    await this.#upload;
  }

  /** Fails the upload (nothing is left in the bucket: multipart parts are aborted). */
  async abort(error: Error): Promise<void> {
    this.#parquet.body.destroy(error);
    await this.#upload.catch(() => undefined);
  }
}

/** A Parquet object read by byte ranges: the footer first, then one row group at a time. */
export async function openArchiveFile(store: ObjectStore, key: string): Promise<{ metadata: FileMetaData; file: AsyncBuffer }> {
  const head = await store.head(key);
  if (!head) throw new Error(`the archive object ${key} is missing from bucket ${store.bucket}`);
  const file: AsyncBuffer = {
    byteLength: head.size,
    slice: async (start, end = head.size) => {
      const bytes = await store.range(key, start, end);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
  return { metadata: await parquetMetadataAsync(file), file };
}

/** The archived lines, a row group at a time. */
export async function* readArchiveFile(store: ObjectStore, key: string): AsyncGenerator<ArchivedLine[]> {
  const { metadata, file } = await openArchiveFile(store, key);
  // Without its DECIMAL annotation the amount arrives as its exact two's-complement bytes (hyparquet
  // would scale it through a float).
  const raw: FileMetaData = {
    ...metadata,
    schema: metadata.schema.map((element) =>
      element.name === 'amount_units' ? { ...element, converted_type: undefined, logical_type: undefined } : element,
    ),
  };
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file,
      metadata: raw,
      rowStart,
      rowEnd,
      parsers: { timestampFromMicroseconds: (value: bigint) => value },
    });
    yield rows.map((row) => ({ ...row, amount_units: fromTwosComplement(row.amount_units as Uint8Array) }) as ArchivedLine);
    rowStart = rowEnd;
  }
}

function fromTwosComplement(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return bytes[0]! >= 0x80 ? value - (1n << BigInt(bytes.length * 8)) : value;
}
