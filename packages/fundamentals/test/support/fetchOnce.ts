// Child process of the two-process lock test: one getFundamentals, then a JSON line saying what it served.
import { mockService } from './service';

async function main(): Promise<void> {
  const [root, fmp, yahoo, alphaVantage] = process.argv.slice(2) as [string, string, string, string];
  const service = mockService(root, { fmp, yahoo, alphaVantage });
  const result = await service.getFundamentals('AAPL');
  process.stdout.write(`${JSON.stringify(result.served.map((s) => [s.provider, s.origin]))}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
