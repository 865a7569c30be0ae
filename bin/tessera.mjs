#!/usr/bin/env node
// The operator command runs the TypeScript sources directly, through tsx, so it can never be out of date.
import { register } from 'tsx/esm/api';

register();
await import('../server/cli.ts');
