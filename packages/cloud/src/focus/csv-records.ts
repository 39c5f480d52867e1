import { FocusFileError } from './rows.ts';

/**
 * The records parsed from one piece of the input, each with the line it starts on (1-based). A
 * record has one cell per field; those of columns not picked are undefined.
 */
export interface CsvRecords {
  records: (string | undefined)[][];
  lines: number[];
}

/**
 * A record longer than this is refused rather than buffered: it is almost always a quote left open,
 * which would otherwise pull the rest of the file into memory.
 */
const MAX_RECORD_CHARS = 16 * 1024 * 1024;

const QUOTE = 34;
const COMMA = 44;
const CR = 13;
const LF = 10;

/**
 * Splits RFC 4180 CSV (comma-separated, double-quoted, LF or CRLF line ends, a UTF-8 BOM skipped)
 * into records as the input arrives, holding only the unfinished record between chunks. Blank lines
 * are skipped. The first record is the header: it goes to `pick`, which returns the positions of
 * the columns wanted, and is not yielded. Cells of the other columns are skipped over, not copied:
 * exports carry dozens of columns a reader ignores.
 *
 * Hand-written rather than csv-parse, which reads ~30 MB/s here, several times slower than a cost
 * import needs; searching with indexOf runs at hundreds of MB/s.
 */
export async function* csvRecords(
  input: AsyncIterable<Uint8Array | string>,
  pick: (header: readonly string[]) => readonly number[],
): AsyncGenerator<CsvRecords> {
  // Not fatal: a stray byte in a description should not cost the whole file; the header check
  // still rejects a file in another encoding.
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let line = 1;
  let started = false;
  let wanted: Uint8Array | undefined;
  for await (const chunk of input) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    // TextDecoder drops a BOM itself; text given as strings may still start with one.
    if (!started && text.length > 0) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const parsed = new Parser(pending + text, line, false, wanted);
    const records = parsed.run();
    pending = parsed.rest;
    line = parsed.line;
    wanted ??= header(records, pick);
    if (pending.length > MAX_RECORD_CHARS) {
      throw new FocusFileError(`line ${line}: a record longer than ${MAX_RECORD_CHARS / 1024 / 1024} MiB; is a quote left open?`);
    }
    if (records.records.length > 0) yield records;
  }
  const records = new Parser(pending + decoder.decode(), line, true, wanted).run();
  wanted ??= header(records, pick);
  if (records.records.length > 0) yield records;
}

/** Takes the header out of the first records parsed and turns the picked positions into a mask. */
function header(parsed: CsvRecords, pick: (header: readonly string[]) => readonly number[]): Uint8Array | undefined {
  const names = parsed.records.shift() as string[] | undefined;
  if (!names) return undefined;
  parsed.lines.shift();
  const mask = new Uint8Array(names.length);
  for (const position of pick(names)) mask[position] = 1;
  return mask;
}

/** One pass over the text at hand; stops at the first record that the text does not finish. */
class Parser {
  readonly text: string;
  readonly end: boolean;
  /** Which fields to copy out; all of them while the header is not known. */
  readonly wanted: Uint8Array | undefined;
  /** The line the unparsed rest starts on. */
  line: number;
  rest = '';
  pos = 0;
  /** The next line feed at or after `pos`, found once and reused by every field of a record. */
  lf: number;

  constructor(text: string, line: number, end: boolean, wanted: Uint8Array | undefined) {
    this.text = text;
    this.line = line;
    this.end = end;
    this.wanted = wanted;
    this.lf = text.indexOf('\n');
  }

  run(): CsvRecords {
    const records: (string | undefined)[][] = [];
    const lines: number[] = [];
    while (this.pos < this.text.length) {
      const start = this.pos;
      const line = this.line;
      const fields = this.record();
      if (!fields) {
        this.rest = this.text.slice(start);
        this.line = line;
        break;
      }
      if (fields.length > 0) {
        records.push(fields);
        lines.push(line);
      }
    }
    return { records, lines };
  }

  /** The fields of the record at `pos`, or undefined when the text ends inside it. */
  private record(): (string | undefined)[] | undefined {
    const { text, end, wanted } = this;
    const length = text.length;
    const fields: (string | undefined)[] = [];
    for (;;) {
      const pos = this.pos;
      const copy = wanted === undefined || wanted[fields.length] === 1;
      let next: number;
      if (text.charCodeAt(pos) === QUOTE) {
        let from = pos + 1;
        let quote = text.indexOf('"', from);
        let value = '';
        // A doubled quote is a quote inside the field.
        while (quote !== -1 && text.charCodeAt(quote + 1) === QUOTE) {
          if (copy) value += text.slice(from, quote + 1);
          from = quote + 2;
          quote = text.indexOf('"', from);
        }
        // A quote as the last character may be the first half of a doubled one.
        if (quote === -1 || (quote === length - 1 && !end)) {
          if (end) throw new FocusFileError(`line ${this.line}: a quoted field is not closed`);
          return undefined;
        }
        fields.push(copy ? value + text.slice(from, quote) : undefined);
        while (this.lf !== -1 && this.lf < quote) {
          this.line += 1;
          this.lf = text.indexOf('\n', this.lf + 1);
        }
        next = quote + 1;
        if (text.charCodeAt(next) === CR) {
          if (next + 1 === length && !end) return undefined;
          if (next + 1 < length && text.charCodeAt(next + 1) !== LF) {
            throw new FocusFileError(`line ${this.line}: unexpected text after the closing quote of a field`);
          }
          next += 1;
        } else if (next < length && text.charCodeAt(next) !== COMMA && text.charCodeAt(next) !== LF) {
          throw new FocusFileError(`line ${this.line}: unexpected text after the closing quote of a field`);
        }
      } else {
        const comma = text.indexOf(',', pos);
        const lf = this.lf;
        if (comma !== -1 && (lf === -1 || comma < lf)) {
          next = comma;
          fields.push(copy ? text.slice(pos, next) : undefined);
        } else {
          if (lf === -1 && !end) return undefined;
          next = lf === -1 ? length : lf;
          // The CR of a CRLF line end is not part of the last field.
          const stop = next > pos && text.charCodeAt(next - 1) === CR ? next - 1 : next;
          // A blank line is no record: it comes back without fields.
          if (stop > pos || fields.length > 0) fields.push(copy ? text.slice(pos, stop) : undefined);
        }
      }
      this.pos = next + 1;
      if (text.charCodeAt(next) === COMMA) continue;
      if (next < length) {
        this.line += 1;
        this.lf = text.indexOf('\n', this.pos);
      }
      return fields;
    }
  }
}
