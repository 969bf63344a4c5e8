import { bootstrapService } from '@clearance/platform';
import { AppModule } from './app.module';

void bootstrapService(AppModule, {
  service: 'verification',
  title: 'Clearance verification',
  description:
    'Subject registry (users, approved domestic entities, history), KYC webhooks and denied-party screening. ' +
    'Admin endpoints need an admin bearer token.',
});
