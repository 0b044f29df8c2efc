import type { ReadinessReport } from './healthServer';
import { describeError } from './runtimeError';
import type { ReadinessCheck, RunningService, ServiceDefinition } from './service';

export interface ReadinessInput {
  readonly phase: ReadinessReport['phase'];
  readonly services: readonly ServiceDefinition[];
  readonly running: ReadonlyMap<string, RunningService>;
  readonly timeoutMs: number;
  readonly scrub: (text: string) => string;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(check), timeout]);
    return result === false ? 'not ready' : 'ok';
  } catch (error) {
    return describeError(error);
  } finally {
    clearTimeout(timer);
  }
}

async function checkService(input: ReadinessInput, name: string): Promise<Record<string, string>> {
  const running = input.running.get(name);
  if (running === undefined) return { service: 'not started' };
  if (input.phase !== 'running') return { service: input.phase };
  const checks = Object.entries(running.checks ?? {});
  const results = await Promise.all(checks.map(([, check]) => runCheck(check, input.timeoutMs)));
  const report: Record<string, string> = { service: 'ok' };
  checks.forEach(([check], i) => (report[check] = input.scrub(results[i]!)));
  return report;
}

/** Runs every check of every service concurrently, each bounded by the timeout. */
export async function evaluateReadiness(input: ReadinessInput): Promise<ReadinessReport> {
  const names = input.services.map((s) => s.name);
  const results = await Promise.all(names.map((name) => checkService(input, name)));
  const services = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  if (input.phase !== 'running') {
    return { ready: false, phase: input.phase, services, reasons: [`process is ${input.phase}`] };
  }
  const reasons: string[] = [];
  for (const [name, checks] of Object.entries(services)) {
    for (const [check, result] of Object.entries(checks)) {
      if (result !== 'ok') reasons.push(`${name}: ${check}: ${result}`);
    }
  }
  return { ready: reasons.length === 0, phase: input.phase, services, reasons };
}
