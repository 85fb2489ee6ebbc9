import { describe, expect, it } from 'vitest';
import { counter, gauge, histogram } from '../api/job-metrics.js';
import { capturingLogger, quietLogger } from '../log/testing/log-capture.js';
import { JobMetricsRegistry, threadJobMetrics } from './job-metrics-registry.js';
import { RunnerMetrics } from './runner-metrics.js';

const samples = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

/** The same module-level declarations as each thread's own import of a job module makes them. */
function declare() {
  return {
    orders: counter({ name: 'shop_orders_total', help: 'Orders.', labels: ['region'] }),
    skipped: counter({ name: 'shop_skipped_total', help: 'Skipped.' }),
    carts: gauge({ name: 'shop_open_carts', help: 'Open carts.', labels: ['region'], aggregate: 'max', maxSeries: 2 }),
    basket: histogram({ name: 'shop_basket_items', help: 'Items.', buckets: [1, 5, 10] }),
  };
}

describe('a job\'s own metrics', () => {
  it('are exported from the start with job_name, unlabelled counters and histograms at 0', async () => {
    const m = declare();
    const r = new JobMetricsRegistry('shop', Object.values(m), quietLogger);
    const { body } = await new RunnerMetrics('shop').render([await r.collect()]);
    expect(samples(body, 'shop_skipped_total')).toEqual(['shop_skipped_total{job_name="shop"} 0']);
    expect(samples(body, 'shop_basket_items_count')).toEqual(['shop_basket_items_count{job_name="shop"} 0']);
    expect(body).toContain('# TYPE shop_open_carts gauge');
    expect(samples(body, 'eddy_job_metric_series_refused_total')).toContain('eddy_job_metric_series_refused_total{job_name="shop",metric="shop_open_carts"} 0');
  });

  it('are summed across threads (counters, histograms) or combined as declared (a max gauge)', async () => {
    const [a, b] = [declare(), declare()];
    const ra = new JobMetricsRegistry('shop', Object.values(a), quietLogger);
    const rb = new JobMetricsRegistry('shop', Object.values(b), quietLogger);
    a.orders.inc({ region: 'eu' }, 3);
    b.orders.inc({ region: 'eu' });
    b.orders.inc({ region: 'us' }, 2);
    a.carts.set({ region: 'eu' }, 7);
    b.carts.set({ region: 'eu' }, 4);
    a.basket.observe({}, 3);
    b.basket.observe({}, 30);
    const { body } = await new RunnerMetrics('shop').render([await ra.collect(), await rb.collect()]);
    expect(samples(body, 'shop_orders_total').sort()).toEqual(['shop_orders_total{job_name="shop",region="eu"} 4', 'shop_orders_total{job_name="shop",region="us"} 2']);
    expect(samples(body, 'shop_open_carts')).toEqual(['shop_open_carts{job_name="shop",region="eu"} 7']);
    expect(samples(body, 'shop_basket_items_bucket').find((l) => l.includes('le="5"'))).toMatch(/ 1$/);
    expect(samples(body, 'shop_basket_items_count')).toEqual(['shop_basket_items_count{job_name="shop"} 2']);
  });

  it('refuse a series past maxSeries and count it, and a removed series frees its place', async () => {
    const m = declare();
    const { logger, records } = capturingLogger();
    const r = new JobMetricsRegistry('shop', Object.values(m), () => logger);
    m.carts.set({ region: 'a' }, 1);
    m.carts.set({ region: 'b' }, 2);
    m.carts.set({ region: 'c' }, 3);
    m.carts.set({ region: 'd' }, 4);
    m.carts.set({ region: 'a' }, 5);
    let body = (await new RunnerMetrics('shop').render([await r.collect()])).body;
    expect(samples(body, 'shop_open_carts').sort()).toEqual(['shop_open_carts{job_name="shop",region="a"} 5', 'shop_open_carts{job_name="shop",region="b"} 2']);
    expect(samples(body, 'eddy_job_metric_series_refused_total')).toContain('eddy_job_metric_series_refused_total{job_name="shop",metric="shop_open_carts"} 2');
    expect(records.map((x) => [x.level, x.msg])).toEqual([['warn', expect.stringMatching(/^metric shop_open_carts has 2 series \(its maxSeries\)/)]]);
    m.carts.remove({ region: 'b' });
    m.carts.set({ region: 'c' }, 3);
    body = (await new RunnerMetrics('shop').render([await r.collect()])).body;
    expect(samples(body, 'shop_open_carts').sort()).toEqual(['shop_open_carts{job_name="shop",region="a"} 5', 'shop_open_carts{job_name="shop",region="c"} 3']);
  });

  it('refuse labels other than the declared ones', () => {
    const m = declare();
    new JobMetricsRegistry('shop', Object.values(m), quietLogger);
    expect(() => m.orders.inc({ region: 'eu', shop: 'x' } as never)).toThrow(/exactly the labels \[region\]/);
    expect(() => m.orders.inc({} as never)).toThrow(/exactly the labels \[region\]/);
  });

  it('refuse declarations that clash with Prometheus or Eddy', () => {
    expect(() => counter({ name: 'shop_orders', help: 'x' })).toThrow(/_total/);
    expect(() => gauge({ name: 'shop_orders_total', help: 'x' })).toThrow(/counters/);
    expect(() => counter({ name: 'shop_total', help: 'x', labels: ['job'] })).toThrow(/set by Prometheus or Eddy/);
    expect(() => histogram({ name: 'shop_h', help: 'x', buckets: [5, 1] })).toThrow(/increase/);
    expect(() => new JobMetricsRegistry('shop', [counter({ name: 'eddy_restarts_total', help: 'x' })])).toThrow(/one of Eddy's own/);
    const twice = [gauge({ name: 'shop_g', help: 'x' }), gauge({ name: 'shop_g', help: 'y' })];
    expect(() => new JobMetricsRegistry('shop', twice)).toThrow(/declared twice/);
  });

  it('go nowhere unbound, and a thread keeps one registry per job', async () => {
    const m = declare();
    const orders = async (r: JobMetricsRegistry) => (await r.collect()).find((x) => x.name === 'shop_orders_total')!.values.map((v) => `${v.labels.region} ${v.value}`);
    m.orders.inc({ region: 'eu' });
    const r = threadJobMetrics('shop', Object.values(m));
    expect(threadJobMetrics('shop', Object.values(m))).toBe(r);
    m.orders.inc({ region: 'us' });
    expect(await orders(r)).toEqual(['us 1']);
    threadJobMetrics('other', []);
    m.orders.inc({ region: 'us' });
    expect(await orders(r)).toEqual(['us 1']);
  });
});
