import { DataFileError, describeAjvErrors, YamlSource } from '@clearance/policy';
import type { ValidateFunction } from 'ajv';

/**
 * Parses a YAML data file and checks it against its JSON Schema, as libs/policy reads a policy; throws
 * DataFileError naming every problem's `file:line:column` and JSON pointer. An empty file reads as `{}`.
 */
export function readYamlData<T>(
  file: string,
  text: string,
  validate: ValidateFunction<T>,
): { source: YamlSource; doc: T } {
  const { source, value, issues } = YamlSource.parse(file, text);
  if (issues.length > 0) throw new DataFileError(issues);
  const doc = value ?? {};
  if (!validate(doc)) throw new DataFileError(describeAjvErrors(source, validate.errors ?? []));
  return { source, doc };
}
