/** The API as a client sees it, served by a real dispatcher in this process: tests call methods by name without a transport. */
import { ApiError, type MethodName, type RequestOf, type ResponseOf } from '../../common/api.js';
import { ApiDispatcher } from '../api/dispatch.js';
import type { Workbench } from '../workbench/workbench.js';

const ipc = { transport: 'ipc' as const };

export class DispatchedApi {
  private readonly dispatcher: ApiDispatcher;

  constructor(workbench: Workbench) {
    this.dispatcher = new ApiDispatcher(workbench);
  }

  /** The result, or the error thrown, as either transport's client gives them. */
  async call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    const reply = await this.dispatcher.call(method, request, ipc);
    if (!reply.ok) throw new ApiError(reply.error.code, reply.error.message, reply.error.issues);
    return reply.result as ResponseOf<M>;
  }

  /** The error a call must end in (a call that answers fails the test). */
  async error(method: MethodName, request: { id: string }): Promise<ApiError> {
    const reply = await this.dispatcher.call(method, request, ipc);
    if (reply.ok) throw new Error(`${method} answered instead of failing`);
    return new ApiError(reply.error.code, reply.error.message);
  }
}
