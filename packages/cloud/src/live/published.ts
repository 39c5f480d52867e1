/** Reads the providers' published examples kept under each adapter's fixtures/published (tests only). */
import { readFileSync } from 'node:fs';

export function publishedText(url: URL): string {
  return readFileSync(url, 'utf8');
}

export function publishedJson<T = unknown>(url: URL): T {
  return JSON.parse(publishedText(url)) as T;
}

/** An Azure REST API spec example (x-ms-examples): the body it documents for a status. */
export function exampleBody<T = Record<string, unknown>>(url: URL, status = '200'): T {
  const example = publishedJson<{ responses: Record<string, { body?: unknown }> }>(url);
  const response = example.responses[status];
  if (!response) throw new Error(`${url.pathname} documents no ${status} answer`);
  return response.body as T;
}
