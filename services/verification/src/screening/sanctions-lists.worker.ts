import { Worker } from 'node:worker_threads';
import { indexLists, type BuiltLists } from './name.screener';
import { loadSanctionsLists, type SanctionsSources } from './sanctions-lists.loader';
import { ScreeningIndex } from './screening.index';

/** Reads, parses and indexes the lists on the calling thread. */
export async function buildLists(sources: SanctionsSources): Promise<BuiltLists> {
  return indexLists(await loadSanctionsLists(sources));
}

// Loads this module in the worker: as TypeScript where the service runs from its sources, else as compiled.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.typescript) require('@swc-node/register');
require(workerData.module)
  .buildLists(workerData.sources)
  .then(
    (built) => parentPort.postMessage({ built }),
    (err) => parentPort.postMessage({ error: String((err && err.stack) || err) }),
  );
`;

/**
 * The same in a worker thread, whose heap holds the files' text, the parsed rows and the index's building maps and
 * goes away when it exits; only the packed index is copied to this thread. Parsed here, that garbage raised the
 * service's heap by ~100 MiB at every start and list reload, and V8 kept the heap it had grown to
 * (docs/performance.md, "The list-parsing peak").
 */
export function buildListsInWorker(sources: SanctionsSources): Promise<BuiltLists> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { module: __filename, typescript: __filename.endsWith('.ts'), sources },
    });
    worker.once('message', (m: { built?: BuiltLists; error?: string }) => {
      if (m.built) resolve({ versions: m.built.versions, index: ScreeningIndex.revive(m.built.index) });
      else reject(new Error(`sanctions lists not built: ${m.error}`));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      reject(new Error(`sanctions lists worker exited (${code}) without an answer`)),
    );
  });
}
