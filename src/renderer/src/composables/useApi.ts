import { inject, type InjectionKey } from 'vue';
import type { ClientApi } from '../api';

export const API_KEY: InjectionKey<ClientApi> = Symbol('coconut-api');

export function useApi(): ClientApi {
  const api = inject(API_KEY);
  if (!api) throw new Error('The API client was not provided (app.provide(API_KEY, createApi())).');
  return api;
}
