import { describe, expect, it } from 'vitest';
import { buildJob } from '../../engine/api/job-definition.js';
import { planStages } from '../../engine/graph/stage-plan.js';
import { expectDocumentedOptions } from '../shared/testing/documented-options.js';
import contentPopularity, { ContentPopularityOptions } from './job.js';

const MINUTE = 60_000;

describe('content-popularity options', () => {
  it('has the documented defaults', () => {
    expect(ContentPopularityOptions.parse({})).toEqual({
      inputTopic: 'watch-events', outputTopic: 'trending', dlqTopic: 'watch-events-dlq', lateTopic: 'watch-events-late',
      window: 10 * MINUTE, slide: MINUTE, top: 10, outOfOrderness: 30_000, allowedLateness: 0, idleTimeout: MINUTE,
    });
    expect(ContentPopularityOptions.parse({ inputTopic: 'views', top: '25' })).toMatchObject({ dlqTopic: 'views-dlq', lateTopic: 'views-late', top: 25 });
  });

  it.each([
    [{ slide: '11m' }, 'slide'],
    [{ window: '5m', slide: '10m' }, 'slide'],
    [{ window: 'soon' }, 'window'],
    [{ top: 0 }, 'top'],
    [{ top: '1001' }, 'top'],
    [{ top: '2.5' }, 'top'],
    [{ outputTopic: 'no spaces' }, 'outputTopic'],
    [{ gap: '30m' }, 'gap'],
  ])('rejects %j, naming the field', (input, field) => {
    const r = ContentPopularityOptions.safeParse(input);
    expect(r.success).toBe(false);
    // An unknown option is named in the issue's keys, the others in its path.
    expect(r.error!.issues.map((i) => [...i.path, ...('keys' in i ? i.keys : [])])).toEqual([[field]]);
  });

  it('runs as the two documented stages: the input partitions, then one top-K merge', () => {
    const { graph } = buildJob(contentPopularity, {});
    expect(planStages(graph).stages.map((s) => s.id)).toEqual(['watch-events', 'top-k']);
  });

  it('docs/jobs.md lists exactly its options, with their defaults', () => {
    expectDocumentedOptions('content-popularity', ContentPopularityOptions);
  });
});
