// A tiny module with planted problems (see README.md).
import { readFileSync } from 'node:fs';

export function isAdmin(user) {
  // Planted: loose equality (eslint eqeqeq).
  return user.role == 'admin';
}

export function calculate(expression) {
  // Planted: eval of caller input (eslint no-eval).
  return eval(expression);
}

export function total(items) {
  const unused = 42;
  return items.reduce((sum, item) => sum + item.price, 0) + taxRate;
}
