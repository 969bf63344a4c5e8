// The policy lib's test entry (`@clearance/policy/testing`), apart from its public index so production code
// never pulls a factory in. It stays here rather than in @clearance/testing because the policy lib's own specs
// use it and the policy lib may depend on nothing but contracts.
export {
  anEnrichedEvent,
  ENRICHED_EVENT_DECIDE_AT,
  type EnrichedEventOverrides,
} from './enriched-event.factory';
