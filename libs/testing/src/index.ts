export * from './ports';
export * from './poll';
export * from './service.process';
export * from './test-kafka';
export * from './event.factories';
export * from './private-infra';
export * from './kafka-cluster';
export * from './request.tracer';
