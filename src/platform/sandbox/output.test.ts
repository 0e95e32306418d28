import { describe, expect, it } from 'vitest';
import { CappedBuffer } from './output.ts';

describe('CappedBuffer', () => {
  it('keeps everything under the cap', () => {
    const b = new CappedBuffer(10);
    expect(b.push(Buffer.from('hello'))).toBe(true);
    expect(b.push(Buffer.from('world'))).toBe(true);
    expect(b.text()).toBe('helloworld');
    expect(b.truncated).toBe(false);
  });

  it('keeps exactly the first cap bytes and flags the rest as cut', () => {
    const b = new CappedBuffer(8);
    b.push(Buffer.from('hello'));
    expect(b.push(Buffer.from('world'))).toBe(false);
    expect(b.push(Buffer.from('more'))).toBe(false);
    expect(b.text()).toBe('hellowor');
    expect(b.truncated).toBe(true);
  });
});
