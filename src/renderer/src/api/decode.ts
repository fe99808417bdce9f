/** Turns raw replies and topic messages into typed values, checked against the contract's schemas. */
import type { z } from 'zod';
import {
  ApiError,
  ApiErrorSchema,
  ApiReplySchema,
  apiMethods,
  apiTopics,
  issuesFromZod,
  type MethodName,
  type ResponseOf,
  type TopicMessageOf,
  type TopicName,
} from '../../../common/api';

/** Decodes an `ApiReply`: the typed result, or a thrown `ApiError` (the host's, or ours when malformed). */
export function decodeReply<M extends MethodName>(method: M, raw: unknown): ResponseOf<M> {
  const reply = ApiReplySchema.safeParse(raw);
  if (!reply.success) {
    throw new ApiError('internal', `The host sent a malformed reply to ${method}.`);
  }
  if (!reply.data.ok) {
    const { code, message, issues } = reply.data.error;
    throw new ApiError(code, message, issues);
  }
  const schema = apiMethods[method].response as z.ZodType;
  const parsed = schema.safeParse(reply.data.result);
  if (!parsed.success) {
    throw new ApiError('internal', `The host's answer to ${method} does not match the API schema.`, issuesFromZod(parsed.error));
  }
  return parsed.data as ResponseOf<M>;
}

/** Checks one message of a topic; returns an `ApiError` instead of throwing so a stream survives one bad message. */
export function decodeTopicMessage<T extends TopicName>(topic: T, raw: unknown): TopicMessageOf<T> | ApiError {
  const schema = apiTopics[topic].message as z.ZodType;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return new ApiError('internal', `A ${topic} message does not match the API schema.`, issuesFromZod(parsed.error));
  }
  return parsed.data as TopicMessageOf<T>;
}

/** The error body a transport carries, as an `ApiError` (malformed bodies become `internal`). */
export function toApiError(raw: unknown): ApiError {
  const parsed = ApiErrorSchema.safeParse(raw);
  if (!parsed.success) return new ApiError('internal', 'The host reported an error in an unknown format.');
  return new ApiError(parsed.data.code, parsed.data.message, parsed.data.issues);
}
