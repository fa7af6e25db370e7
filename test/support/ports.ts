/** Ports for tests that need a server nobody runs. */
import { createServer, type AddressInfo } from 'node:net';

/** A loopback port nothing listens on (it was free a moment ago): connecting to it is refused. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
