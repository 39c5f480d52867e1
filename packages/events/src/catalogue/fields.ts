import { z } from 'zod';
import { ACTION_TYPES, CLOUD_PROVIDERS } from '@stratus/db';

/**
 * Field types shared by the event schemas. Amounts are decimal strings, never floats, so a cost
 * survives JSON and every language without rounding; they match PostgreSQL `numeric` as text.
 */
export const id = z.uuid();
export const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, { error: 'expected a decimal number as a string, e.g. "12.50"' });
export const currency = z.string().regex(/^[A-Z]{3}$/, { error: 'expected an ISO 4217 currency code, e.g. "USD"' });
export const timestamp = z.iso.datetime({ offset: true });
export const day = z.iso.date();
export const provider = z.enum(CLOUD_PROVIDERS);
export const tags = z.record(z.string(), z.string());
export const jsonObject = z.record(z.string(), z.unknown());
export const actionType = z.enum(ACTION_TYPES);
