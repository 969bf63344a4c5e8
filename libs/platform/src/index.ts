export * from './base.env';
export * from './readiness';
export * from './problem-details.filter';
export * from './platform.options';
export * from './platform.module';
export * from './health.controller';
export * from './metrics.controller';
export * from './bootstrap';
