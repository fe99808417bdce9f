/** A scripted `ClientApi` for composable tests: answers calls from a table, exposes subscriptions. */
import type { MethodName, RequestOf, ResponseOf, TopicMessageOf, TopicName } from '../../../common/api';
import type { ClientApi, SubscribeOptions, TopicSubscribeOptions } from '../api';

export interface FakeSubscription {
  topic: TopicName;
  params: unknown;
  push: (message: unknown) => void;
  options: SubscribeOptions & { resubscribeParams?: () => unknown };
  closed: boolean;
}

export type Handler = (request: unknown) => unknown;

export function fakeApi(handlers: Partial<Record<MethodName, Handler>>): ClientApi & { subs: FakeSubscription[]; calls: Array<[string, unknown]> } {
  const subs: FakeSubscription[] = [];
  const calls: Array<[string, unknown]> = [];
  return {
    transport: 'http',
    subs,
    calls,
    async call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
      calls.push([method, request]);
      const handler = handlers[method];
      if (!handler) throw new Error(`no fake for ${method}`);
      return (await handler(request)) as ResponseOf<M>;
    },
    subscribe<T extends TopicName>(topic: T, params: unknown, onMessage: (m: TopicMessageOf<T>) => void, options: TopicSubscribeOptions<T> = {}) {
      const sub: FakeSubscription = { topic, params, push: (m) => onMessage(m as TopicMessageOf<T>), options, closed: false };
      subs.push(sub);
      return () => {
        sub.closed = true;
      };
    },
    connectionState: () => 'open',
    onConnectionChange: () => () => undefined,
  };
}

export async function settle(ms = 0): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}
