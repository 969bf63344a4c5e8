import { bootstrapService, ProblemException } from '@clearance/platform';
import { AppModule } from './app.module';

/** The console's export form: a download needs a navigation, which cannot carry a header (console.controller.ts). */
const CONSOLE_EXPORT_PATH = '/console/export';

void bootstrapService(AppModule, {
  service: 'audit',
  title: 'Clearance audit',
  description:
    'Append-only store of every access.* event, per-request records, and the read-only auditor API.',
  configure: (app) => {
    // every other body is strict JSON (the platform's only parser); this one route takes its text/plain form
    app
      .getHttpAdapter()
      .getInstance()
      .addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: 16 * 1024 }, (req, body, done) => {
        if (req.method === 'POST' && req.url.split('?')[0] === CONSOLE_EXPORT_PATH) done(null, body);
        else done(new ProblemException(415, 'send application/json'), undefined);
      });
  },
});
