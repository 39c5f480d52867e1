import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer';

export const textColumn = (name: string, optional = false): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: optional ? 'OPTIONAL' : 'REQUIRED',
});

/** Microseconds since the epoch (bigint), as PostgreSQL keeps timestamps; Dates are taken too. */
export const timestampColumn = (name: string): SchemaElement => ({
  name,
  type: 'INT64',
  converted_type: 'TIMESTAMP_MICROS',
  logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
  repetition_type: 'REQUIRED',
});

/** cost_data's numeric(38, 24) exactly: values are units of 10^-24 (toUnits of @stratus/db). */
export const amountColumn = (name: string): SchemaElement => ({
  name,
  type: 'FIXED_LEN_BYTE_ARRAY',
  type_length: 16,
  converted_type: 'DECIMAL',
  precision: 38,
  scale: 24,
  logical_type: { type: 'DECIMAL', precision: 38, scale: 24 },
  repetition_type: 'REQUIRED',
});

/** A ByteWriter whose buffer the Parquet writer hands on after each row group (it awaits flush()). */
class ChunkedByteWriter extends ByteWriter {
  readonly flush: () => Promise<void>;

  constructor(flush: () => Promise<void>) {
    super(1 << 20);
    this.flush = flush;
  }
}

/**
 * A Parquet file as a stream, produced a row group at a time: after each group the encoded bytes
 * go to `body` (waiting while its reader is behind) and the buffer is emptied, so memory holds
 * about one group, however long the file. `body` goes to a multipart upload or an HTTP response.
 */
export class ParquetStream {
  readonly body = new PassThrough();
  readonly #bytes = new ChunkedByteWriter(() => this.#drain());
  readonly #parquet: ParquetWriter;
  rows = 0;
  size = 0;

  /** `columns`: the leaf columns of a flat schema, in order. */
  constructor(columns: SchemaElement[], createdBy: string) {
    this.#parquet = new ParquetWriter({ writer: this.#bytes, schema: [{ name: 'schema', num_children: columns.length }, ...columns], createdBy });
  }

  /** One row group of these columns' values (all of one length). */
  async write(columnData: ColumnSource[]): Promise<void> {
    const rows = columnData[0]?.data.length ?? 0;
    if (rows === 0) return;
    await this.#parquet.write({ columnData, rowGroupSize: rows });
    this.rows += rows;
  }

  async finish(): Promise<void> {
    await this.#parquet.finish();
    await this.#drain();
    this.body.end();
  }

  async #drain(): Promise<void> {
    const chunk = Buffer.from(this.#bytes.getBytes());
    this.#bytes.index = 0;
    this.size += chunk.length;
    // events.once rejects on 'error' and removes both listeners: one pair per wait would pile up
    // on the stream (a 5M-line archive waits about a hundred times).
    if (chunk.length > 0 && !this.body.write(chunk)) await once(this.body, 'drain');
  }
}
