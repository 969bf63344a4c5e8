import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { ROOT } from './bench.support';

/** The workspaces the services run from (libs/testing is a development dependency only). */
const WORKSPACES = [
  'libs/contracts',
  'libs/kafka',
  'libs/platform',
  'libs/policy',
  'services/ingest',
  'services/geolocation',
  'services/verification',
  'services/decision',
  'services/audit',
];
/** Data the code finds from its own `__dirname`, as deploy/Dockerfile copies it into the image. */
const DATA = [
  'libs/policy/policies',
  'libs/policy/data',
  'services/geolocation/data',
  'services/verification/data',
  // the console's page, style sheet and the TypeScript esbuild bundles at the first request, beside the compiled
  // .js of the same files (the server imports console.filters.js; esbuild prefers the .ts)
  ...readdirSync(join(ROOT, 'services/audit/src/console/web'))
    .filter((f) => /\.(html|css|ts)$/.test(f) && !f.endsWith('.spec.ts'))
    .map((f) => `services/audit/src/console/web/${f}`),
];

function link(target: string, at: string): void {
  rmSync(at, { recursive: true, force: true });
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(relative(dirname(at), target), at);
}

/**
 * The production JavaScript, laid out as deploy/Dockerfile lays out its image, in `dist/`: `npm run build` (tsc
 * → dist/<workspace>/src/*.js), the data directories linked in, and `dist/node_modules/@clearance/<lib>` linking
 * to the compiled `src/` (node then loads its index.js) so that node resolves `@clearance/kafka` to dist/ before
 * it reaches the repository's node_modules, whose links point at the TypeScript. No package.json is written into
 * dist/: jest would see a second package of each name. Everything else resolves from the repository's
 * node_modules, as the image's production dependencies would. Returns the root to start
 * `services/<name>/src/main.js` from.
 */
export function buildCompiled(): string {
  const dist = join(ROOT, 'dist');
  const started = Date.now();
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.build.json')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  for (const ws of WORKSPACES) {
    const pkg = JSON.parse(readFileSync(join(ROOT, ws, 'package.json'), 'utf8')) as {
      name: string;
      main: string;
    };
    const entry = join(dist, ws, pkg.main.replace(/\.ts$/, '.js'));
    if (basename(entry) !== 'index.js' && !ws.startsWith('services/'))
      throw new Error(`${ws}: a lib's entry is expected at src/index.ts, not ${pkg.main}`);
    if (!existsSync(entry)) throw new Error(`npm run build wrote no ${relative(ROOT, entry)}`);
    link(dirname(entry), join(dist, 'node_modules', pkg.name));
  }
  for (const data of DATA) link(join(ROOT, data), join(dist, data));
  process.stdout.write(`compiled build in dist/ (${Date.now() - started} ms)\n`);
  return dist;
}
