import { bootstrapService } from '@clearance/platform';
import { ACCESS_REQUESTS_PATH } from './access-requests/access-request.controller';
import { AppModule } from './app.module';

/** Single requests are small (64 KiB); a batch of 500 needs more. */
const BODY_LIMIT = 64 * 1024;
const BATCH_BODY_LIMIT = 1024 * 1024;

void bootstrapService(AppModule, {
  service: 'ingest',
  title: 'Clearance ingest',
  description:
    'The authenticated HTTP front door: validates access requests and publishes them to access.requested.v1; ' +
    'optionally waits for the decision (Prefer: wait=N). Authenticate with Authorization: Bearer <API key>.',
  bodyLimit: BODY_LIMIT,
  // the address limits answer 429 on every /v1 route, and any route may find a dependency down
  problemStatuses: [429, 503],
  configure: (app) => {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        if (route.url === `${ACCESS_REQUESTS_PATH}/batch`) route.bodyLimit = BATCH_BODY_LIMIT;
      });
  },
});
