import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Debian's headless Chromium, driven by playwright-core (no browser download).
const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Starts the machine's Chromium; throws, saying how to install it, when it is missing. */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: \`bash scripts/services.sh up\` installs it (Debian package chromium)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 60_000 });
}
