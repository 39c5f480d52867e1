export { runService, buildServiceApp, type BackgroundTask, type ServiceDefinition } from './run-service.ts';
export { openDependencies, checkDependencies, closeDependencies, StartupError, type ServiceDeps } from './dependencies.ts';
export { createLogger } from './logger.ts';
export { periodicTask } from './periodic-task.ts';
