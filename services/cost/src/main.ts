import { runService } from '@stratus/runtime';
import { service } from './app.ts';

await runService(service);
