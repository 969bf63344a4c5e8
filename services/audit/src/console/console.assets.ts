import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { build } from 'esbuild';

export interface ConsoleAsset {
  body: string;
  type: string;
  /** Content hash, used as the ETag. */
  etag: string;
}

const WEB = join(__dirname, 'web');

const asset = (body: string, type: string): ConsoleAsset => ({
  body,
  type,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

/**
 * The console's page, script and style sheet. The script is bundled from `web/` (TypeScript, Chart.js) by
 * esbuild the first time it is asked for and kept in memory: nothing built is committed, so a fresh clone, `npm
 * start` and the tests all serve what the sources say.
 */
@Injectable()
export class ConsoleAssets {
  private readonly logger = new Logger(ConsoleAssets.name);
  private built?: Promise<Map<string, ConsoleAsset>>;

  get(name: string): Promise<ConsoleAsset | undefined> {
    this.built ??= this.build().catch((err: unknown) => {
      this.built = undefined; // a later request tries again
      throw err;
    });
    return this.built.then((assets) => assets.get(name));
  }

  private async build(): Promise<Map<string, ConsoleAsset>> {
    const started = Date.now();
    const [html, css, js] = await Promise.all([
      readFile(join(WEB, 'index.html'), 'utf8'),
      readFile(join(WEB, 'console.css'), 'utf8'),
      build({
        entryPoints: [join(WEB, 'console.main.ts')],
        bundle: true,
        write: false,
        format: 'iife',
        target: 'es2020',
        minify: true,
        legalComments: 'none',
        logLevel: 'silent',
      }).then((r) => r.outputFiles[0]!.text),
    ]);
    this.logger.log({ msg: 'console bundled', scriptBytes: js.length, ms: Date.now() - started });
    return new Map([
      ['index.html', asset(html, 'text/html; charset=utf-8')],
      ['console.css', asset(css, 'text/css; charset=utf-8')],
      ['console.js', asset(js, 'text/javascript; charset=utf-8')],
    ]);
  }
}
