#!/usr/bin/env node
// `npx bridge …`: runs the TypeScript CLI under tsx's loader, so a fresh clone needs no build step.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// The loader is resolved from this package, so agent hosts may start the CLI from any directory.
const tsx = pathToFileURL(require.resolve('tsx')).href;
const result = spawnSync(process.execPath, ['--import', tsx, join(__dirname, 'bridge.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exitCode = result.status ?? 1;
