import { bootstrapService } from '@clearance/platform';
import { AppModule } from './app.module';

void bootstrapService(AppModule, {
  service: 'audit',
  title: 'Clearance audit',
  description:
    'Append-only store of every access.* event, per-request records, and the read-only auditor API.',
});
