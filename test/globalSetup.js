// Fails fast, with the fix in the message, when a test run starts without Redis.
// PostgreSQL-dependent suites check their own connection (they may be skipped lanes later).
const net = require('node:net');

function reachable(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

module.exports = async function globalSetup() {
  const url = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const ok = await reachable(url.hostname, Number(url.port || 6379));
  if (!ok) {
    throw new Error(
      `Redis is not reachable at ${url.hostname}:${url.port || 6379}; start it with: bash scripts/services.sh up`,
    );
  }
};
