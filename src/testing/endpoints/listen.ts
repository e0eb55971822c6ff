import * as http from 'http';
import { AddressInfo } from 'net';

/** Listens on a random port of 127.0.0.1; rejects, instead of crashing the process, when that fails. */
export function listenOnLoopback(server: http.Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

/** Stops the server, cutting its open connections (SDK clients keep them alive). */
export async function stopServer(server: http.Server): Promise<void> {
  if (!server.listening) {
    return;
  }
  server.closeAllConnections();
  await new Promise<void>(resolve => server.close(() => resolve()));
}
