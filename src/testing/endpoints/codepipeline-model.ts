import { CODEPIPELINE_MODEL } from './codepipeline-model.generated';

interface Shape {
  readonly type: string;
  readonly required?: readonly string[];
  readonly members?: Readonly<Record<string, string>>;
  readonly key?: string;
  readonly value?: string;
  readonly member?: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}

const SHAPES: Readonly<Record<string, Shape>> = CODEPIPELINE_MODEL.shapes;

/** The operations the endpoint serves, with the error codes the model lets each return. */
export const OPERATIONS: Readonly<Record<string, { readonly input: string; readonly errors: readonly string[] }>> = CODEPIPELINE_MODEL.operations;

/** The JSON protocol's X-Amz-Target is `<prefix>.<operation>`. */
export const TARGET_PREFIX = `${CODEPIPELINE_MODEL.metadata.targetPrefix}.`;

/** A request the service would refuse before looking at it, as the JSON protocol reports it. */
export interface ModelViolation {
  readonly code: 'ValidationException' | 'SerializationException';
  readonly message: string;
}

/**
 * Checks an operation's input against the API model as the service does: type, required members,
 * lengths, ranges, enums and patterns (matched against the whole value, as AWS services match them).
 * Violations are reported in the service's wording: "1 validation error detected: Value ... at ... failed
 * to satisfy constraint: ...".
 */
export function checkAgainstModel(operation: string, input: unknown): ModelViolation | undefined {
  const errors: string[] = [];
  try {
    checkShape(OPERATIONS[operation].input, input, '', errors);
  } catch (error) {
    return { code: 'SerializationException', message: (error as Error).message };
  }
  if (errors.length === 0) {
    return undefined;
  }
  const count = errors.length === 1 ? '1 validation error detected' : `${errors.length} validation errors detected`;
  return { code: 'ValidationException', message: `${count}: ${errors.join('; ')}` };
}

function checkShape(name: string, value: unknown, at: string, errors: string[]): void {
  const shape = SHAPES[name];
  const fail = (constraint: string) => errors.push(`Value ${describe(value)} at '${at}' failed to satisfy constraint: ${constraint}`);
  switch (shape.type) {
    case 'structure': {
      expectType(value !== null && typeof value === 'object' && !Array.isArray(value), name, at);
      const record = value as Record<string, unknown>;
      for (const [member, target] of Object.entries(shape.members ?? {})) {
        const path = at ? `${at}.${member}` : member;
        if (record[member] === undefined || record[member] === null) {
          if (shape.required?.includes(member)) {
            errors.push(`Value null at '${path}' failed to satisfy constraint: Member must not be null`);
          }
        } else {
          checkShape(target, record[member], path, errors);
        }
      }
      return;
    }
    case 'map': {
      expectType(value !== null && typeof value === 'object' && !Array.isArray(value), name, at);
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(entries.length, shape, fail);
      for (const [key, entryValue] of entries) {
        checkShape(shape.key!, key, `${at}.${key}.member.key`, errors);
        checkShape(shape.value!, entryValue, `${at}.${key}.member.value`, errors);
      }
      return;
    }
    case 'list': {
      expectType(Array.isArray(value), name, at);
      checkLength((value as unknown[]).length, shape, fail);
      (value as unknown[]).forEach((item, index) => checkShape(shape.member!, item, `${at}.${index + 1}.member`, errors));
      return;
    }
    case 'string': {
      expectType(typeof value === 'string', name, at);
      const text = value as string;
      // The service is Java: a length is a count of UTF-16 code units.
      checkLength(text.length, shape, fail);
      if (shape.enum && !shape.enum.includes(text)) {
        fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
      }
      if (shape.pattern && !new RegExp(`^(?:${shape.pattern})$`, 'u').test(text)) {
        fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      return;
    }
    case 'integer':
    case 'long': {
      expectType(Number.isInteger(value), name, at);
      if (shape.min !== undefined && (value as number) < shape.min) {
        fail(`Member must have value greater than or equal to ${shape.min}`);
      }
      if (shape.max !== undefined && (value as number) > shape.max) {
        fail(`Member must have value less than or equal to ${shape.max}`);
      }
      return;
    }
    case 'timestamp':
      expectType(typeof value === 'number', name, at);
      return;
    case 'boolean':
      expectType(typeof value === 'boolean', name, at);
      return;
    default:
      throw new Error(`The model shape ${name} has type ${shape.type}, which the loopback endpoint does not check`);
  }
}

function checkLength(length: number, shape: Shape, fail: (constraint: string) => void) {
  if (shape.min !== undefined && length < shape.min) {
    fail(`Member must have length greater than or equal to ${shape.min}`);
  }
  if (shape.max !== undefined && length > shape.max) {
    fail(`Member must have length less than or equal to ${shape.max}`);
  }
}

function expectType(matches: boolean, shape: string, at: string) {
  if (!matches) {
    throw new Error(`Unexpected value type for '${at || 'input'}': the model's ${shape} is a ${SHAPES[shape].type}`);
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value.length > 100 ? `${value.slice(0, 100)}…` : value}'` : JSON.stringify(value);
}
