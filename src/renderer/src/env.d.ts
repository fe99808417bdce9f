/// <reference types="vite/client" />
import type { IpcBridge } from '../../common/transport';

declare global {
  interface Window {
    /** Set by the Electron preload script; absent when the UI is served over HTTP. */
    coconutIpc?: IpcBridge;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

export {};
