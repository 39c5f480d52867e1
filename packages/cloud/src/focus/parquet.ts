import { asyncBufferFromFile, parquetMetadataAsync, parquetScan, parquetSchema, type AsyncBuffer, type FileMetaData, type SchemaElement } from 'hyparquet';
import { BatchCollector, FocusFileError, FocusRowReader, type FocusBatch, type FocusReadOptions } from './rows.ts';

/** How a column's values become the text a CSV export would have held. */
type Cell = (value: unknown) => string | undefined;

const utf8 = new TextDecoder();

/**
 * A FOCUS Parquet export as batches, like readFocusCsv; `line` is the row number + 1 (the first
 * row is line 2), as it would read in the same data as CSV. Parquet keeps its index at the end of
 * the file, hence a path (read piece by piece) or the bytes. Only the FOCUS columns are read, one
 * row group at a time: memory is bounded by the file's largest row group.
 */
export async function* readFocusParquet(source: string | Uint8Array | ArrayBuffer, options: FocusReadOptions = {}): AsyncGenerator<FocusBatch> {
  const batches = new BatchCollector(options.batchSize);
  const file: AsyncBuffer =
    typeof source === 'string'
      ? await asyncBufferFromFile(source)
      : source instanceof Uint8Array
        ? // A copy of the range: a Buffer's slice() is a view whose .buffer is the whole pool.
          { byteLength: source.byteLength, slice: (start, end) => new Uint8Array(source.subarray(start, end)).buffer }
        : source;
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new FocusFileError(`not a Parquet file: ${(error as Error).message}`);
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element);
  const reader = new FocusRowReader(
    columns.map((column) => column.name),
    options,
  );
  const read = reader.positions.map((position) => columns[position]!);
  const cells = read.map(cellOf);
  const scan = await parquetScan({ file, metadata: withRawDecimals(metadata, read), columns: read.map((column) => column.name), utf8: false });

  const record: (string | undefined)[] = new Array(columns.length);
  for (const { rowStart, rowEnd } of scan.ranges) {
    const data = await Promise.all(read.map((column) => scan.readColumn({ column: column.name, rowStart, rowEnd })));
    for (let row = 0; row < rowEnd - rowStart; row++) {
      for (let c = 0; c < read.length; c++) record[reader.positions[c]!] = cells[c]!(data[c]![row]);
      const result = reader.read(record);
      batches.add(rowStart + row + 2, result, typeof result === 'string' ? reader.facts(record) : undefined);
      if (batches.full) yield batches.take();
    }
  }
  yield batches.finish();
}

function decimalScale(column: SchemaElement): number | undefined {
  if (column.logical_type?.type === 'DECIMAL') return column.logical_type.scale;
  return column.converted_type === 'DECIMAL' ? (column.scale ?? 0) : undefined;
}

/**
 * hyparquet turns DECIMAL values into floats (unscaled * 10^-scale), which loses digits past the
 * 15th; read without the annotation, they arrive as the exact unscaled integers.
 */
function withRawDecimals(metadata: FileMetaData, read: SchemaElement[]): FileMetaData {
  const decimals = new Set(read.filter((column) => decimalScale(column) !== undefined));
  return {
    ...metadata,
    schema: metadata.schema.map((element) => (decimals.has(element) ? { ...element, converted_type: undefined, logical_type: undefined } : element)),
  };
}

function cellOf(column: SchemaElement): Cell {
  const scale = decimalScale(column);
  if (scale !== undefined) {
    return (value) => {
      if (value === null || value === undefined) return undefined;
      const unscaled = value instanceof Uint8Array ? fromTwosComplement(value) : BigInt(value as number | bigint);
      return scaled(unscaled, scale);
    };
  }
  if (column.type === 'FLOAT') return (value) => (typeof value === 'number' ? shortestFloat32(value) : text(value));
  return text;
}

/** Other cells: doubles as their shortest round-trip text (String does that), dates as ISO text. */
function text(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  // Byte arrays without a string annotation: old writers leave text unannotated.
  if (value instanceof Uint8Array) return utf8.decode(value);
  // A MAP or JSON Tags column arrives as an object; the reader parses the JSON text like a CSV cell's.
  if (typeof value === 'object') return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
  return String(value);
}

/** A FLOAT widened to a double shows noise (0.1 -> 0.10000000149011612): print the digits a float32 holds. */
function shortestFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = value.toPrecision(digits);
    if (Math.fround(Number(candidate)) === value) return candidate;
  }
  return value.toPrecision(9);
}

function fromTwosComplement(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return bytes.length > 0 && bytes[0]! >= 0x80 ? value - (1n << BigInt(bytes.length * 8)) : value;
}

/** The decimal text of unscaled * 10^-scale, exactly; the reader canonicalises it. */
function scaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const point = digits.length - scale;
  return `${negative ? '-' : ''}${digits.slice(0, point)}${scale > 0 ? `.${digits.slice(point)}` : ''}`;
}
