import { loadConfig } from '@tickline/config';
import { runServices } from '@tickline/runtime';
import { createSinkService } from '@tickline/sink-service';

// `tickline run sink` under a consumer name of its own (argv[2]): two sinks on one host would otherwise
// share `sink@<hostname>`. Config from the environment, as the CLI reads it.
void runServices([createSinkService({ consumer: process.argv[2] ?? 'sink' })], loadConfig());
