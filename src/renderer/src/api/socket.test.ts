import { describe, expect, it } from 'vitest';
import { SocketMux, type SocketLike } from './socket';

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;

  constructor(readonly url: string) {}
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: Array<() => void> = [];
  const mux = new SocketMux('ws://host/ws', (url) => {
    const s = new FakeSocket(url);
    sockets.push(s);
    return s;
  }, {
    backoff: () => 10,
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => undefined,
  });
  return { mux, sockets, timers };
}

describe('SocketMux', () => {
  it('subscribes once the socket opens and routes messages by id', () => {
    const { mux, sockets } = setup();
    const a: unknown[] = [];
    const b: unknown[] = [];
    mux.subscribe('runs', {}, (m) => a.push(m), () => undefined, () => undefined);
    mux.subscribe('run', { id: 'r1' }, (m) => b.push(m), () => undefined, () => undefined);
    expect(sockets).toHaveLength(1);
    expect(mux.connectionState()).toBe('connecting');
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([
      { op: 'subscribe', id: 1, topic: 'runs', params: {} },
      { op: 'subscribe', id: 2, topic: 'run', params: { id: 'r1' } },
    ]);
    sockets[0]!.receive({ id: 2, message: 'hello' });
    sockets[0]!.receive({ id: 1, message: 'world' });
    sockets[0]!.receive({ id: 9, message: 'nobody' });
    expect(a).toEqual(['world']);
    expect(b).toEqual(['hello']);
  });

  it('reconnects after a drop, re-subscribes and tells the subscriber', () => {
    const { mux, sockets, timers } = setup();
    const states: string[] = [];
    mux.onConnectionChange((s) => states.push(s));
    let resubscribed = 0;
    mux.subscribe('run', { id: 'r1' }, () => undefined, () => undefined, () => resubscribed++);
    sockets[0]!.open();
    sockets[0]!.drop();
    expect(mux.connectionState()).toBe('reconnecting');
    expect(timers).toHaveLength(1);
    timers.shift()!();
    expect(sockets).toHaveLength(2);
    sockets[1]!.drop(); // still down: back off again
    timers.shift()!();
    sockets[2]!.open();
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    expect(resubscribed).toBe(1);
    expect(sockets[2]!.sent).toEqual([{ op: 'subscribe', id: 1, topic: 'run', params: { id: 'r1' } }]);
  });

  it('re-subscribes with the params the subscriber gives then (its cursor), asked after it heard of the reconnect', () => {
    const { mux, sockets, timers } = setup();
    let held = 0;
    const order: string[] = [];
    mux.subscribe(
      'run',
      { id: 'r1' },
      () => (held += 1),
      () => undefined,
      () => order.push('resubscribed'),
      () => (order.push('params'), { id: 'r1', after: { events: held, stdout: 0, stderr: 0 } }),
    );
    sockets[0]!.open();
    expect(sockets[0]!.sent).toEqual([{ op: 'subscribe', id: 1, topic: 'run', params: { id: 'r1' } }]);
    sockets[0]!.receive({ id: 1, message: 'event' });
    sockets[0]!.receive({ id: 1, message: 'event' });
    sockets[0]!.drop();
    timers.shift()!();
    sockets[1]!.open();
    expect(order).toEqual(['resubscribed', 'params']);
    expect(sockets[1]!.sent).toEqual([{ op: 'subscribe', id: 1, topic: 'run', params: { id: 'r1', after: { events: 2, stdout: 0, stderr: 0 } } }]);
  });

  it('unsubscribes on the wire and stops delivering', () => {
    const { mux, sockets } = setup();
    const got: unknown[] = [];
    const stop = mux.subscribe('runs', {}, (m) => got.push(m), () => undefined, () => undefined);
    sockets[0]!.open();
    stop();
    sockets[0]!.receive({ id: 1, message: 'late' });
    expect(got).toEqual([]);
    expect(sockets[0]!.sent.at(-1)).toEqual({ op: 'unsubscribe', id: 1 });
  });

  it('reports a subscription error and does not re-send it after a reconnect', () => {
    const { mux, sockets, timers } = setup();
    const errors: string[] = [];
    mux.subscribe('run', { id: 'nope' }, () => undefined, (e) => errors.push(`${e.code}: ${e.message}`), () => undefined);
    sockets[0]!.open();
    sockets[0]!.receive({ id: 1, error: { code: 'not_found', message: 'no run nope', issues: [] } });
    expect(errors).toEqual(['not_found: no run nope']);
    sockets[0]!.drop();
    timers.shift()!();
    sockets[1]!.open();
    expect(sockets[1]!.sent).toEqual([]);
  });
});
