// Files of any size between two peers: both call channel('files'), in any order.
import type { ManagedConnection, PeerChannel } from 'rtcpool';

export interface Transfer {
  readonly channel: PeerChannel;
  /** Sends a file (read in slices) and resolves once all of it is handed to the transport. */
  send(file: Blob, signal?: AbortSignal): Promise<void>;
}

export async function fileTransfer(
  connection: ManagedConnection,
  onFile: (file: Blob) => void,
  onProgress: (direction: 'send' | 'receive', fraction: number) => void,
): Promise<Transfer> {
  const channel = await connection.channel('files', { maxMessageBytes: 512 * 1024 * 1024 });
  channel.messages$.subscribe((data) => onFile(new Blob([data])));
  channel.progress$.subscribe(({ direction, bytes, total }) => onProgress(direction, total === 0 ? 1 : bytes / total));
  channel.errors$.subscribe((error) => console.warn(`${error.code}: ${error.message}`)); // e.g. too-large
  return { channel, send: (file, signal) => channel.send(file, { signal }) };
}
