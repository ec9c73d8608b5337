#!/usr/bin/env node
// The `curator` command: registers tsx's ESM hooks, then runs the TypeScript entry, so it works
// from a clean clone after `npm ci` (npx curator …) without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/curator.ts');
