/** Names derived from the model's snake_case identifiers, the same for every target. */

const IRREGULAR: Record<string, string> = {
  people: 'person',
  children: 'child',
  men: 'man',
  women: 'woman',
  data: 'datum',
};

/** A simple English singular of a snake_case plural: categories → category, order_items → order_item. */
export function singular(name: string): string {
  const parts = name.split('_');
  const last = parts.pop() as string;
  let one = last;
  if (IRREGULAR[last]) one = IRREGULAR[last] as string;
  else if (/[^aeiou]ies$/.test(last)) one = `${last.slice(0, -3)}y`;
  else if (/(ss|x|ch|sh|zz|us)es$/.test(last)) one = last.slice(0, -2);
  else if (/ses$/.test(last) && !/sses$/.test(last)) one = last.slice(0, -1);
  else if (/[^s]s$/.test(last) && !/(us|is)$/.test(last)) one = last.slice(0, -1);
  return [...parts, one].join('_');
}

/** snake_case → PascalCase: order_item → OrderItem. */
export function pascal(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
}
