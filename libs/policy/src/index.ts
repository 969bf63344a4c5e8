export * from './policy.types';
export { FACTS, FACT_NAMES, type FactDefinition, type FactType } from './policy.facts';
export { POLICY_SCHEMA, OPERATOR_NAMES } from './policy.schema';
export { compilePolicy, type PolicySource, type CompileOptions } from './policy.compiler';
export { parseCountryGroups, type CountryGroups } from './country-groups.loader';
// Shared with the services' own YAML data files, so every bad data file reads the same (file:line:column).
export { DataFileError } from './data-file.error';
export { YamlSource } from './yaml.source';
export { describeAjvErrors } from './schema.errors';
export {
  loadPolicyFile,
  resolveImport,
  DEFAULT_POLICY_PATH,
  BUILTIN_COUNTRY_GROUPS_PATH,
  type LoadedPolicy,
} from './policy.loader';
export {
  policyUnavailableDecision,
  evaluationErrorDecision,
  stageLatency,
  NO_POLICY,
} from './decision.builders';
