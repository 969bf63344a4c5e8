import { bootstrapService } from '@clearance/platform';
import { AppModule } from './app.module';

void bootstrapService(AppModule, { service: 'decision', title: 'Clearance decision' });
