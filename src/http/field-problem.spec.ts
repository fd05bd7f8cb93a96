import { z } from 'zod';
import { fieldProblemParams } from './field-problem';

// Shaped like the routes' schemas: custom English sentences, limits, choices, a strict body.
const schema = z
  .object({
    url: z.string({ message: 'url is required: the address of a video page or file' }),
    password: z.string().min(8, 'the password must be at least 8 characters').max(1024).optional(),
    role: z.enum(['admin', 'user'], { message: 'role must be admin or user' }).optional(),
    intervalMinutes: z.number({ message: 'intervalMinutes must be a number of minutes' }).int('intervalMinutes must be a whole number').optional(),
    secret: z.string().regex(/^[\x21-\x7e]+$/, 'secret must be printable ASCII without spaces').optional(),
    events: z.array(z.string()).min(1, 'events must name at least one event').optional(),
    limit: z.coerce.number().int().min(1).max(100).optional(),
  })
  .strict();

/** The params parseOr400 sends with its 400, for the first problem with `input`. */
function paramsFor(input: unknown, of: z.ZodType = schema) {
  const parsed = of.safeParse(input);
  if (parsed.success) throw new Error('accepted');
  return fieldProblemParams(parsed.error.issues[0], input);
}

const base = { url: 'https://example.com/v' };

describe('fieldProblemParams', () => {
  it('names the field, what is wrong, and the limit or the choices', () => {
    expect(paramsFor({})).toEqual({ field: 'url', problem: 'required' });
    expect(paramsFor({ ...base, password: 'short' })).toEqual({ field: 'password', problem: 'too_small', minimum: 8, origin: 'string' });
    expect(paramsFor({ ...base, password: 'x'.repeat(1025) })).toEqual({ field: 'password', problem: 'too_big', maximum: 1024, origin: 'string' });
    expect(paramsFor({ ...base, role: 'root' })).toEqual({ field: 'role', problem: 'one_of', values: 'admin, user' });
    expect(paramsFor({ ...base, intervalMinutes: 1.5 })).toEqual({ field: 'intervalMinutes', problem: 'type', expected: 'int' });
    expect(paramsFor({ ...base, intervalMinutes: 'soon' })).toEqual({ field: 'intervalMinutes', problem: 'type', expected: 'number' });
    expect(paramsFor({ ...base, secret: 'with spaces in it' })).toEqual({ field: 'secret', problem: 'format' });
    expect(paramsFor({ ...base, events: [] })).toEqual({ field: 'events', problem: 'too_small', minimum: 1, origin: 'array' });
    expect(paramsFor({ ...base, limit: '500' })).toEqual({ field: 'limit', problem: 'too_big', maximum: 100, origin: 'number' });
  });

  it('has no field for a problem with the whole body: a field it does not take, a rule across fields', () => {
    expect(paramsFor({ ...base, surprise: 1 })).toEqual({ problem: 'unknown_field', fields: 'surprise' });
    const either = z.object({ a: z.string().optional(), b: z.string().optional() }).refine((p) => p.a || p.b, 'give a or b');
    expect(paramsFor({}, either)).toEqual({ problem: 'invalid' });
  });

  it('says "required" for a value sent as null, and "type" for one of the wrong kind', () => {
    expect(paramsFor({ url: null })).toEqual({ field: 'url', problem: 'required' });
    expect(paramsFor({ url: 5 })).toEqual({ field: 'url', problem: 'type', expected: 'string' });
  });

  it('finds a nested field by its path', () => {
    const nested = z.object({ items: z.array(z.object({ name: z.string() })) });
    expect(paramsFor({ items: [{ name: 'a' }, {}] }, nested)).toEqual({ field: 'items.1.name', problem: 'required' });
  });
});
