import { describe, expect, it } from 'vitest';
import { OutputCheck } from './engine-run.js';

const ranking = (views: number) => [{ rank: 1, contentId: 'c-1', views, watchSeconds: 3 }];
const record = (windowStart: number, category: string, views: number) => Buffer.from(JSON.stringify({ windowStart, windowEnd: windowStart + 10, category, rankings: ranking(views), emittedAt: 0 }));

describe('OutputCheck', () => {
  const expected = () => ({ maxEventTime: 100, rankings: new Map([['0|all', JSON.stringify(ranking(2))], ['10|all', JSON.stringify(ranking(1))]]) });

  it('accepts exactly the expected rankings and ignores flush-only windows', () => {
    const c = new OutputCheck(expected());
    c.add('all', record(0, 'all', 2));
    expect(c.complete).toBe(false);
    c.add('all', record(10, 'all', 1));
    c.add('~flush', record(500, '~flush', 64));
    expect(c.complete).toBe(true);
    expect(c.problems).toEqual([]);
  });

  it('reports duplicates, wrong counts, unexpected windows and wrong keys', () => {
    const c = new OutputCheck(expected());
    c.add('all', record(0, 'all', 2));
    c.add('all', record(0, 'all', 2));
    c.add('all', record(10, 'all', 5));
    c.add('all', record(20, 'all', 1));
    c.add('movies', record(10, 'all', 1));
    expect(c.problems.map((p) => p.split(' ')[0])).toEqual(['duplicate', 'wrong', 'unexpected', 'duplicate']);
  });

  it('names the windows and categories still missing', () => {
    const c = new OutputCheck({ maxEventTime: 100, rankings: new Map([['0|all', '[]'], ['0|news', '[]'], ['10|all', '[]'], ['20|news', '[]']]) });
    c.add('news', Buffer.from(JSON.stringify({ windowStart: 0, category: 'news', rankings: [] })));
    expect(c.progress()).toBe('1 of 4 rankings; missing from windows starting 0 (all), 10 (all), 20 (news)');
    for (const [start, category] of [[0, 'all'], [10, 'all'], [20, 'news']] as const) c.add(category, Buffer.from(JSON.stringify({ windowStart: start, category, rankings: [] })));
    expect(c.progress()).toBe('4 of 4 rankings');
  });
});
