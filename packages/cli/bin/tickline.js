#!/usr/bin/env node
// Runs the built CLI: `npm run build` first (the `tickline` bin of @tickline/cli, so `npx tickline`).
require('../dist/main.js');
