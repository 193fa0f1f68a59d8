// Zod schemas written as source code from a shape. Query strings carry only text, so the
// inputs of GET routes coerce numbers, booleans and dates; outputs keep dates as Date, which
// JSON turns into ISO strings.
import type { Shape } from './shapes.ts';

export interface ZodSourceOptions {
  /** Inputs read from a query string. */
  coerce: boolean;
  /** Inputs accept ISO strings for dates; outputs hold Date values. */
  side: 'input' | 'output';
}

export function zodSource(shape: Shape, options: ZodSourceOptions): string {
  switch (shape.kind) {
    case 'string':
      return 'z.string()';
    case 'number':
      return options.coerce ? 'z.coerce.number()' : 'z.number()';
    case 'boolean':
      return options.coerce
        ? "z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean())"
        : 'z.boolean()';
    case 'date':
      return options.side === 'input' ? 'z.coerce.date()' : 'z.date()';
    case 'null':
      return 'z.null()';
    case 'void':
      return 'z.void()';
    case 'literal':
      return `z.literal(${JSON.stringify(shape.value)})`;
    case 'array':
      return `z.array(${zodSource(shape.items, options)})`;
    case 'record':
      return `z.record(z.string(), ${zodSource(shape.values, options)})`;
    case 'object': {
      const fields = shape.properties.map(
        (p) => `${JSON.stringify(p.name)}: ${zodSource(p.shape, options)}${p.optional ? '.optional()' : ''}`,
      );
      return `z.object({ ${fields.join(', ')} })`;
    }
    case 'union': {
      const nonNull = shape.options.filter((o) => o.kind !== 'null');
      const nullable = nonNull.length < shape.options.length;
      let inner: string;
      if (nonNull.length === 1) inner = zodSource(nonNull[0]!, options);
      else if (nonNull.every((o) => o.kind === 'literal' && typeof o.value === 'string'))
        inner = `z.enum(${JSON.stringify(nonNull.map((o) => (o as { value: string }).value))})`;
      else inner = `z.union([${nonNull.map((o) => zodSource(o, options)).join(', ')}])`;
      return nullable ? `${inner}.nullable()` : inner;
    }
  }
}
