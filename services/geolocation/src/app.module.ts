import { Module } from '@nestjs/common';
import { Topics } from '@clearance/contracts';
import { PlatformModule } from '@clearance/platform';
import { GeoDataProvider } from './geo-data.provider';
import { GeolocationEnv } from './geolocation.env';
import { GeolocationHandler } from './geolocation.handler';
import { Geolocator } from './geolocator';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'geolocation',
      env: GeolocationEnv,
      mongo: false,
      produces: [Topics.AccessGeolocated],
      readiness: [GeoDataProvider],
    }),
  ],
  controllers: [GeolocationHandler],
  providers: [GeoDataProvider, Geolocator],
})
export class AppModule {}
