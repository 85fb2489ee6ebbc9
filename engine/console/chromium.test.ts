import { afterEach, describe, expect, it } from 'vitest';
import { chromiumPath } from './chromium.js';

const before = process.env.EDDY_CHROMIUM;
afterEach(() => {
  if (before === undefined) delete process.env.EDDY_CHROMIUM;
  else process.env.EDDY_CHROMIUM = before;
});

describe('chromiumPath', () => {
  it('fails with how to install Chromium when it is missing (browser tests never skip)', () => {
    process.env.EDDY_CHROMIUM = '/nowhere/chromium';
    expect(() => chromiumPath()).toThrow(/Chromium is missing at \/nowhere\/chromium: install Debian's \(sudo apt-get install -y chromium/);
  });

  it('takes the binary EDDY_CHROMIUM names', () => {
    process.env.EDDY_CHROMIUM = process.execPath; // any file that exists
    expect(chromiumPath()).toBe(process.execPath);
  });
});
