import { PassThrough } from 'node:stream';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData, type SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ObjectStore } from '@stratus/object-store';

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

const text = (name: Column, optional = false): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: optional ? 'OPTIONAL' : 'REQUIRED',
});
const micros = (name: Column): SchemaElement => ({
  name,
  type: 'INT64',
  converted_type: 'TIMESTAMP_MICROS',
  logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  repetition_type: 'REQUIRED',
});

const COLUMNS: SchemaElement[] = [
  text('id'),
  text('organization_id'),
  text('cloud_account_id'),
  text('resource_id', true),
  text('provider'),
  text('service', true),
  text('region', true),
  micros('timestamp_us'),
  {
    name: 'amount_units',
    type: 'FIXED_LEN_BYTE_ARRAY',
    type_length: 16,
    converted_type: 'DECIMAL',
    precision: 38,
    scale: 24,
    logical_type: { type: 'DECIMAL', precision: 38, scale: 24 },
    repetition_type: 'REQUIRED',
  },
  text('currency'),
  text('granularity'),
  text('dimensions'),
  micros('created_at_us'),
  text('import_id', true),
  text('provider_resource_id', true),
];
const SCHEMA: SchemaElement[] = [{ name: 'schema', num_children: COLUMNS.length }, ...COLUMNS];

/** A ByteWriter whose buffer the Parquet writer hands on after each row group (it awaits flush()). */
class ChunkedByteWriter extends ByteWriter {
  readonly flush: () => Promise<void>;

  constructor(flush: () => Promise<void>) {
    super(1 << 20);
    this.flush = flush;
  }
}

/**
 * Writes row groups to the object store as they are encoded: the writer's buffer is handed to a
 * multipart upload after each group and emptied, so memory holds about one group, not the month.
 */
export class ArchiveFileWriter {
  readonly #body = new PassThrough();
  readonly #bytes = new ChunkedByteWriter(() => this.#drain());
  readonly #parquet: ParquetWriter;
  readonly #upload: Promise<void>;
  rows = 0;
  size = 0;

  constructor(store: ObjectStore, key: string) {
    this.#upload = store.put(key, this.#body, { contentType: 'application/vnd.apache.parquet' });
    // Until awaited in finish(), a failed upload would be an unhandled rejection.
    this.#upload.catch(() => undefined);
    this.#parquet = new ParquetWriter({ writer: this.#bytes, schema: SCHEMA, createdBy: 'stratus cost archive' });
  }

  async write(lines: readonly ArchivedLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.#parquet.write({
      columnData: COLUMNS.map((column) => ({ name: column.name, data: lines.map((line) => line[column.name as Column]) })),
      rowGroupSize: lines.length,
    });
    this.rows += lines.length;
  }

  async finish(): Promise<void> {
    await this.#parquet.finish();
    await this.#drain();
    this.#body.end();
    await this.#upload;
  }

  /** Fails the upload (nothing is left in the bucket: multipart parts are aborted). */
  async abort(error: Error): Promise<void> {
    this.#body.destroy(error);
    await this.#upload.catch(() => undefined);
  }

  async #drain(): Promise<void> {
    const chunk = Buffer.from(this.#bytes.getBytes());
    this.#bytes.index = 0;
    this.size += chunk.length;
    if (chunk.length > 0 && !this.#body.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        this.#body.once('drain', resolve);
        this.#body.once('error', reject);
      });
    }
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
