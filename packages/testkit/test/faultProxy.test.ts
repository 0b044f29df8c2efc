import { connect, createServer, type Server, type Socket } from 'node:net';
import { FaultProxy, waitFor } from '@tickline/testkit';

/** An echo server that also records what reached it. */
async function echoServer(): Promise<{ server: Server; port: number; received: () => string }> {
  let received = '';
  const server = createServer((socket) => {
    socket.on('data', (chunk) => {
      received += chunk.toString();
      socket.write(chunk);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { server, port, received: () => received };
}

function client(port: number): Promise<{ socket: Socket; got: () => string; closed: () => boolean }> {
  return new Promise((resolve) => {
    let got = '';
    let closed = false;
    const socket = connect(port, '127.0.0.1', () =>
      resolve({ socket, got: () => got, closed: () => closed }),
    );
    socket.on('data', (chunk) => (got += chunk.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('FaultProxy', () => {
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let proxy: FaultProxy;
  beforeEach(async () => {
    echo = await echoServer();
    proxy = await FaultProxy.start({ port: echo.port });
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise((resolve) => echo.server.close(resolve));
  });

  test('pass forwards both ways', async () => {
    const c = await client(proxy.port);
    c.socket.write('hello');
    await waitFor(() => c.got() === 'hello', { what: 'echo through the proxy' });
    c.socket.destroy();
  });

  test('latency delays bytes but keeps their order', async () => {
    proxy.latency(30);
    const c = await client(proxy.port);
    for (const part of ['a', 'b', 'c', 'd']) c.socket.write(part);
    await waitFor(() => c.got().length === 4, { what: 'delayed echo' });
    expect(c.got()).toBe('abcd');
    c.socket.destroy();
  });

  test('stall holds bytes both ways and releases them in order on pass', async () => {
    const c = await client(proxy.port);
    proxy.stall();
    c.socket.write('one');
    c.socket.write('two');
    await settle();
    expect(echo.received()).toBe('');
    expect(c.got()).toBe('');
    proxy.pass();
    await waitFor(() => c.got() === 'onetwo', { what: 'released bytes' });
    c.socket.destroy();
  });

  test('half-stall forwards requests and drops replies', async () => {
    const c = await client(proxy.port);
    proxy.halfStall();
    c.socket.write('ping');
    await waitFor(() => echo.received() === 'ping', { what: 'the request at the server' });
    await settle();
    expect(c.got()).toBe('');
    proxy.pass();
    c.socket.write('!');
    await waitFor(() => c.got() === '!', { what: 'replies after half-stall' });
    c.socket.destroy();
  });

  test('cut destroys open connections and refuses new ones until the mode changes', async () => {
    const c = await client(proxy.port);
    proxy.cut();
    await waitFor(() => c.closed(), { what: 'the cut connection to close' });
    const refused = await client(proxy.port);
    await waitFor(() => refused.closed(), { what: 'a new connection to be refused' });
    proxy.pass();
    const again = await client(proxy.port);
    again.socket.write('back');
    await waitFor(() => again.got() === 'back', { what: 'traffic after the cut' });
    again.socket.destroy();
  });
});
