/** A free TCP port on 127.0.0.1 (see ports.cjs). */
export function freePort(): Promise<number>;
/** Whether something accepts TCP connections on 127.0.0.1:`port` now. */
export function accepts(port: number): Promise<boolean>;
