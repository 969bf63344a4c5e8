import type { FieldError } from './problem-details.filter';

/** Deepest nesting of objects and arrays a JSON body may have; Clearance bodies need 4. */
export const MAX_JSON_DEPTH = 32;

interface Frame {
  kind: 'object' | 'array';
  path: string;
  keys: Set<string>;
  expectKey: boolean;
  lastKey: string;
  index: number;
}

function childPath(parent: Frame | undefined): string {
  if (parent === undefined) return '';
  if (parent.kind === 'array') return `${parent.path}[${parent.index}]`;
  return parent.path === '' ? parent.lastKey : `${parent.path}.${parent.lastKey}`;
}

/**
 * What JSON.parse lets through but a decision must not see: a key given twice in one object (the last one wins
 * silently, so two readers of the same bytes may disagree) and nesting deeper than `maxDepth` (class-transformer
 * and the validators recurse, and overflow the stack at a few thousand levels). One linear pass over the text,
 * without recursion; text that is not JSON is left to JSON.parse to report.
 */
export function jsonShapeProblem(text: string, maxDepth = MAX_JSON_DEPTH): FieldError | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    switch (c) {
      case 0x22 /* " */: {
        let j = i + 1;
        while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
        if (top?.kind === 'object' && top.expectKey) {
          let key: string;
          try {
            key = JSON.parse(text.slice(i, j + 1)) as string;
          } catch {
            return undefined;
          }
          if (top.keys.has(key)) {
            const field = top.path === '' ? key : `${top.path}.${key}`;
            return { field, message: `${key} is given more than once` };
          }
          top.keys.add(key);
          top.lastKey = key;
          top.expectKey = false;
        }
        i = j;
        break;
      }
      case 0x7b /* { */:
      case 0x5b /* [ */:
        if (stack.length >= maxDepth) {
          return { field: childPath(top), message: `JSON nested deeper than ${maxDepth} levels` };
        }
        stack.push({
          kind: c === 0x7b ? 'object' : 'array',
          path: childPath(top),
          keys: new Set(),
          expectKey: c === 0x7b,
          lastKey: '',
          index: 0,
        });
        break;
      case 0x7d /* } */:
      case 0x5d /* ] */:
        stack.pop();
        break;
      case 0x2c /* , */:
        if (top?.kind === 'object') top.expectKey = true;
        else if (top) top.index++;
        break;
      default:
        break;
    }
  }
  return undefined;
}

/** The `charset` parameter of a Content-Type header, lower case, or undefined when there is none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}
