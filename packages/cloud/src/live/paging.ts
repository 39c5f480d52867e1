import type { Call, CallOptions } from './call.ts';

/**
 * Follows a page stream to its end. `open(token)` starts the stream at a continuation token (an
 * SDK paginator's `startingToken`, or a loop over a list call): when fetching a page fails, the
 * stream is opened again from the token of the last page delivered, so a throttled page in the
 * middle of a listing costs that page, not the listing, and no page is delivered twice.
 */
export async function* resumablePages<Page>(
  call: Call,
  what: string,
  open: (token: string | undefined) => AsyncIterable<Page>,
  nextToken: (page: Page) => string | undefined,
  options: CallOptions = {},
): AsyncGenerator<Page> {
  let token: string | undefined;
  let pages: AsyncIterator<Page> | undefined;
  try {
    for (;;) {
      const next = await call(
        what,
        async () => {
          pages ??= open(token)[Symbol.asyncIterator]();
          try {
            return await pages.next();
          } catch (error) {
            pages = undefined;
            throw error;
          }
        },
        options,
      );
      if (next.done) return;
      yield next.value;
      token = nextToken(next.value);
    }
  } finally {
    await pages?.return?.();
  }
}

/** `resumablePages` over a call that takes a continuation token and returns one page. */
export function tokenPages<Page>(
  call: Call,
  what: string,
  fetchPage: (token: string | undefined) => Promise<Page>,
  nextToken: (page: Page) => string | undefined,
  options: CallOptions = {},
): AsyncGenerator<Page> {
  async function* from(token: string | undefined): AsyncGenerator<Page> {
    let current = token;
    do {
      const page = await fetchPage(current);
      yield page;
      current = nextToken(page);
    } while (current);
  }
  return resumablePages(call, what, from, nextToken, options);
}
