// A real worker process for the dead-worker test: it executes runs from DATABASE_URL until it is killed.
import { openDatabase } from '../../src/platform/db/client.ts';
import { testEngine } from './engine.ts';

const database = await openDatabase({ url: process.env.DATABASE_URL });
await testEngine(database, { workers: true, heartbeatMs: Number(process.env.HEARTBEAT_MS ?? 500) });
process.stdout.write('ready\n');
