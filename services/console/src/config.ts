import { z } from 'zod';
import { booleanFlag, port, serviceEnv } from '@stratus/config';
import { credentialsKeys } from '@stratus/vault';

/** The services the gateway fronts, with the dev launcher's default ports (STRATUS_PORT_BASE 8081 onwards). */
export const GATEWAY_SERVICES = {
  ingestion: { variable: 'CONSOLE_INGESTION_URL', url: 'http://127.0.0.1:8081' },
  cost: { variable: 'CONSOLE_COST_URL', url: 'http://127.0.0.1:8082' },
  recommendation: { variable: 'CONSOLE_RECOMMENDATION_URL', url: 'http://127.0.0.1:8083' },
  'action-executor': { variable: 'CONSOLE_ACTION_EXECUTOR_URL', url: 'http://127.0.0.1:8084' },
  audit: { variable: 'CONSOLE_AUDIT_URL', url: 'http://127.0.0.1:8085' },
} as const;

export type GatewayService = keyof typeof GATEWAY_SERVICES;

const serviceUrl = (service: GatewayService) => z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).default(GATEWAY_SERVICES[service].url);

export const env = serviceEnv.extend({
  PORT: port.default(8086),
  /** Seals people's TOTP secrets: the keyring of cloud credentials, so one `stratus credentials rotate` covers them. */
  CREDENTIALS_KEYS: credentialsKeys,
  /** Off on loopback (http); on wherever the console is served over https, so the cookie never travels in clear. */
  CONSOLE_SECURE_COOKIES: booleanFlag.default(false),
  /** A session unused this long is gone; each request through it starts the count again. */
  CONSOLE_SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
  /** A session ends this long after sign-in however busy it is (and its API token expires with it). */
  CONSOLE_SESSION_ABSOLUTE_HOURS: z.coerce.number().positive().default(12),
  /** Where people reach the console: invitation links start with it. */
  CONSOLE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s):// URL' }).default('http://127.0.0.1:8086'),
  /** The built web app (`pnpm --filter @stratus/console-web build` writes it). */
  CONSOLE_WEB_DIST: z.string().min(1).default(new URL('../web/dist', import.meta.url).pathname),
  CONSOLE_INGESTION_URL: serviceUrl('ingestion'),
  CONSOLE_COST_URL: serviceUrl('cost'),
  CONSOLE_RECOMMENDATION_URL: serviceUrl('recommendation'),
  CONSOLE_ACTION_EXECUTOR_URL: serviceUrl('action-executor'),
  CONSOLE_AUDIT_URL: serviceUrl('audit'),
});

export type ConsoleConfig = z.infer<typeof env>;
