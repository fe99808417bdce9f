/**
 * The one entry point both transports call: validate the request, run the handler, validate the
 * response, and turn any failure into an `ApiReply` error. A malformed request never throws here.
 */
import type { ApiReply, MethodName, TopicMessageOf, TopicName, TopicParamsOf } from '../../common/api.js';
import { ApiError, apiMethods, apiTopics, issuesFromZod } from '../../common/api.js';
import type { Workbench } from '../workbench/workbench.js';
import { createHandlers, type CallContext } from './handlers.js';

export class ApiDispatcher {
  private readonly handlers;

  constructor(private readonly workbench: Workbench) {
    this.handlers = createHandlers(workbench);
  }

  async call(method: string, request: unknown, context: CallContext): Promise<ApiReply> {
    try {
      if (!Object.hasOwn(apiMethods, method)) throw new ApiError('not_found', `no API method named ${JSON.stringify(method)}`);
      const name = method as MethodName;
      const spec = apiMethods[name];
      const parsed = spec.request.safeParse(request ?? {});
      if (!parsed.success) {
        throw new ApiError('bad_request', `invalid request for ${name}`, issuesFromZod(parsed.error));
      }
      const handler = this.handlers[name] as (request: unknown, context: CallContext) => unknown;
      const result = await handler(parsed.data, context);
      const checked = spec.response.safeParse(result);
      if (!checked.success) {
        throw new ApiError('internal', `the ${name} handler returned an invalid response`, issuesFromZod(checked.error));
      }
      return { ok: true, result: checked.data };
    } catch (error) {
      return { ok: false, error: toApiError(error).toBody() };
    }
  }

  /** Starts a subscription; throws `ApiError` when the topic or params are invalid. */
  subscribe<T extends TopicName>(topic: string, params: unknown, onMessage: (message: TopicMessageOf<T>) => void): () => void {
    if (!Object.hasOwn(apiTopics, topic)) throw new ApiError('not_found', `no topic named ${JSON.stringify(topic)}`);
    const name = topic as TopicName;
    const parsed = apiTopics[name].params.safeParse(params ?? {});
    if (!parsed.success) throw new ApiError('bad_request', `invalid parameters for ${name}`, issuesFromZod(parsed.error));
    const send = onMessage as (message: unknown) => void;
    switch (name) {
      case 'run': {
        const { id, after } = parsed.data as TopicParamsOf<'run'>;
        return this.workbench.jobs.subscribeRun(id, send, after);
      }
      case 'runs':
        return this.workbench.jobs.subscribeRuns(send);
      case 'datasetJobs':
        return this.workbench.datasetJobs.subscribe(send);
      case 'exportJobs':
        return this.workbench.exports.subscribe(send);
      case 'gpus':
        return this.workbench.gpus.subscribe(send);
    }
  }
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError('internal', error instanceof Error ? error.message : String(error));
}
