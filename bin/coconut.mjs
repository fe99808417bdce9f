#!/usr/bin/env node
// The `coconut` command. It runs the TypeScript sources through tsx so that a checkout needs no
// build step before the CLI works.
import { register } from 'tsx/esm/api';

register();
await import('../src/node/cli/main.ts');
