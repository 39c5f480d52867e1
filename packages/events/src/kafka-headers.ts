import type { IHeaders } from 'kafkajs';

/** A header as text; kafkajs gives Buffers, and a repeated header's last value wins. */
export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const last = Array.isArray(value) ? value.at(-1) : value;
  return last === undefined ? undefined : last.toString();
}

export function headersText(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const name of Object.keys(headers ?? {})) {
    const value = headerText(headers, name);
    if (value !== undefined) text[name] = value;
  }
  return text;
}
