import { text } from '@stratus/http';

/**
 * A text field checked by a parser (the match language, a schedule spec): its positioned error
 * becomes the field's 400 message, e.g. `body.match at 14: expected a value after '=', found end of input`.
 */
export function parsedBy(parse: (value: string) => unknown, errorType: new (...args: never[]) => Error) {
  return text({ min: 1, max: 2_000 }).superRefine((value, ctx) => {
    try {
      parse(value);
    } catch (error) {
      if (!(error instanceof errorType)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, input: value });
    }
  });
}
