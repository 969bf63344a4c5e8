import type { ValidateFunction } from 'ajv';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { DataFileError } from './data-file.error';
import { describeAjvErrors } from './schema.errors';
import type { PolicyIssue } from './policy.types';

export interface ReadOptions {
  /** What an empty document (no content, only comments) reads as; by default it is validated as `null`. */
  whenEmpty?: unknown;
  /** The error a file with problems throws (default DataFileError). */
  refuse?: (issues: PolicyIssue[]) => Error;
}

/** A parsed YAML file that can say where a JSON path of its content is written. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Parses `text`; YAML syntax errors come back as located issues. */
  static parse(file: string, text: string): { source: YamlSource; value: unknown; issues: PolicyIssue[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    const source = new YamlSource(file, doc, lines);
    const issues: PolicyIssue[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return {
        file,
        line: pos?.line ?? 0,
        column: pos?.col ?? 0,
        path: '',
        message: `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      };
    });
    return { source, value: issues.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 }), issues };
  }

  /**
   * Parses `text` and checks it against its JSON Schema: the one way a policy, the country groups and a service's
   * YAML data set are read. Throws (DataFileError unless `refuse` says otherwise) naming every syntax or schema
   * problem's `file:line:column` and JSON pointer.
   */
  static read<T>(
    file: string,
    text: string,
    validate: ValidateFunction<T>,
    { whenEmpty = null, refuse = (issues) => new DataFileError(issues) }: ReadOptions = {},
  ): { source: YamlSource; doc: T } {
    const { source, value, issues } = YamlSource.parse(file, text);
    if (issues.length > 0) throw refuse(issues);
    const doc = value ?? whenEmpty;
    if (!validate(doc)) throw refuse(describeAjvErrors(source, validate.errors ?? []));
    return { source, doc };
  }

  /** An issue located at the deepest node of `path` that exists in the document. */
  issue(path: readonly (string | number)[], message: string): PolicyIssue {
    let at = [...path];
    for (;;) {
      const node = at.length === 0 ? this.doc.contents : this.doc.getIn(at, true);
      if (isNode(node) && node.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { file: this.file, line, column: col, path: toPointer(path), message };
      }
      if (at.length === 0) return { file: this.file, line: 1, column: 1, path: toPointer(path), message };
      at = at.slice(0, -1);
    }
  }
}

export function toPointer(path: readonly (string | number)[]): string {
  return path.length === 0
    ? ''
    : '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

export function fromPointer(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}
