export { defaultDeps, runCli } from './cli';
export { CliError } from './cliError';
export { createProgram, type CliDeps } from './program';
export { resolveServices, serviceRegistry, type ServiceEntry, type ServiceRegistry } from './serviceRegistry';
