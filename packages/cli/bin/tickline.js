#!/usr/bin/env -S node --max-semi-space-size=64
// Runs the built CLI: `npm run build` first (the `tickline` bin of @tickline/cli, so `npx tickline`).
// The young generation is raised to 64 MB: bus batches keep many thousand decoded records alive at once,
// and V8's default semi-space would copy and promote them (README, "Performance").
require('../dist/main.js');
