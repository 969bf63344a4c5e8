import { AccessRequestedV1 } from '@clearance/contracts';
import { plainToInstance, Type } from 'class-transformer';
import {
  getMetadataStorage,
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  MetadataStorage,
  Min,
  ValidateNested,
  validateSync,
  type ValidationError,
  type ValidatorOptions,
} from 'class-validator';
import { memoizeValidationMetadata } from './validation-metadata.cache';

class Part {
  @IsString() @MaxLength(3) code!: string;
}

class Base {
  @IsString() name!: string;
  @IsInt() @Min(1, { groups: ['strict'] }) count!: number;
  @IsOptional() @IsString({ always: true }) note?: string;
}

class Child extends Base {
  // redeclared: the child's own rule replaces the inherited one of the same type
  @IsString() @MaxLength(5) declare name: string;
  @ValidateNested() @Type(() => Part) @IsDefined() part!: Part;
}

class GrandChild extends Child {
  @IsInt({ groups: ['admin'] }) level!: number;
}

const TARGETS = [Part, Base, Child, GrandChild, AccessRequestedV1];
const ARGUMENTS: [schema: string | undefined, always: boolean, strict: boolean, groups?: string[]][] = [
  [undefined, false, false],
  [undefined, true, false],
  [undefined, false, true],
  [undefined, false, false, ['strict']],
  [undefined, false, true, ['admin']],
  [undefined, true, true, ['strict', 'admin']],
  ['', true, false],
];

const INPUTS: [new () => object, Record<string, unknown>][] = [
  [GrandChild, { name: 'a', count: 2, part: { code: 'ok' }, level: 3 }],
  [GrandChild, { name: 'far too long', count: 0, part: { code: 'long' }, level: 'x', extra: 1 }],
  [Child, { name: 1, count: 1.5, note: 4 }],
  [Child, { name: 'ok', count: 1, part: 'not an object' }],
  [Base, {}],
];
const OPTIONS: ValidatorOptions[] = [
  { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true },
  { groups: ['strict'], forbidUnknownValues: true },
  { groups: ['admin'], strictGroups: true },
  { always: true },
];

/** Errors as plain data (constraints, paths, values), comparable across runs. */
function verdicts(): unknown[] {
  const strip = (errors: ValidationError[]): unknown[] =>
    errors.map((e) => ({
      property: e.property,
      value: e.value as unknown,
      constraints: e.constraints,
      children: strip(e.children ?? []),
    }));
  return INPUTS.flatMap(([cls, plain]) =>
    OPTIONS.map((options) => strip(validateSync(plainToInstance(cls, plain), options))),
  );
}

describe(memoizeValidationMetadata.name, () => {
  const storage = getMetadataStorage();
  const original = MetadataStorage.prototype.getTargetValidationMetadatas;
  const before = verdicts();
  const sut = memoizeValidationMetadata();

  it('patches the one storage class-validator uses, once', () => {
    expect(sut).toBe(storage);
    const patched = storage.getTargetValidationMetadatas;
    expect(memoizeValidationMetadata()).toBe(storage);
    expect(storage.getTargetValidationMetadatas).toBe(patched);
    expect(patched).not.toBe(original);
  });

  it('answers what class-validator computes, inherited decorators and groups included, the same array each time', () => {
    for (const target of TARGETS) {
      for (const [schema, always, strict, groups] of ARGUMENTS) {
        const expected = original.call(storage, target, schema as string, always, strict, groups);
        const first = sut.getTargetValidationMetadatas(target, schema as string, always, strict, groups);
        expect(first).toEqual(expected);
        expect(sut.getTargetValidationMetadatas(target, schema as string, always, strict, groups)).toBe(
          first,
        );
        expect(sut.groupByPropertyName(first)).toEqual(
          MetadataStorage.prototype.groupByPropertyName.call(storage, expected),
        );
      }
    }
    // inheritance really is in play: the grandchild sees the base's fields and its own override of `name`
    const names = sut.getTargetValidationMetadatas(GrandChild, undefined as never, false, false);
    expect(new Set(names.map((m) => m.propertyName))).toEqual(
      new Set(['name', 'count', 'note', 'part', 'level']),
    );
  });

  it('keys by groups: a different group list is a different answer', () => {
    const admin = sut.getTargetValidationMetadatas(GrandChild, undefined as never, false, true, ['admin']);
    const none = sut.getTargetValidationMetadatas(GrandChild, undefined as never, false, true);
    expect(admin.some((m) => m.propertyName === 'level')).toBe(true);
    expect(none.some((m) => m.propertyName === 'level')).toBe(false);
  });

  it('validates, and rejects, exactly as before', () => {
    const after = verdicts();
    expect(after).toEqual(before);
    // the comparison is not vacuous: most inputs fail
    expect(after.filter((errors) => (errors as unknown[]).length > 0).length).toBeGreaterThan(10);
  });

  it('hands out frozen answers, so no caller can change what the next one gets', () => {
    const shared = sut.getTargetValidationMetadatas(Child, undefined as never, false, false);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(() => (shared as unknown[]).push(shared[0])).toThrow(TypeError);
  });

  it('sees decorators registered after the first look (a class loaded later)', () => {
    class Late {
      @IsString() first!: string;
    }
    expect(sut.getTargetValidationMetadatas(Late, undefined as never, false, false)).toHaveLength(1);
    class LateChild extends Late {
      @IsInt() second!: number;
    }
    // a new class's decorators must also reach the classes already answered for
    expect(sut.getTargetValidationMetadatas(LateChild, undefined as never, false, false)).toHaveLength(2);
    IsString()(Late.prototype, 'added');
    expect(sut.getTargetValidationMetadatas(Late, undefined as never, false, false)).toHaveLength(2);
    expect(validateSync(plainToInstance(Late, { first: 'a', added: 1 }))).toHaveLength(1);
  });
});
