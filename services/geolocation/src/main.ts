import { bootstrapService } from '@clearance/platform';
import { AppModule } from './app.module';

void bootstrapService(AppModule, { service: 'geolocation', title: 'Clearance geolocation' });
