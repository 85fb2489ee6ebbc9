/**
 * Eddy's public API: everything a job module imports. Runtime internals stay behind this file.
 *
 * @example
 * import { defineJob, count, tumbling, jsonSerde } from '../../engine/index.js';
 */
export { defineJob, type DisplayViews, type JobDefinition } from './api/job-definition.js';
export { JobBuilder, DataStream, KeyedStream, WindowedStream, WindowResultStream } from './api/job-builder.js';
export type { SourceSpec, SinkSpec, TopKSpec, BuiltJob, KeyByOptions } from './api/job-builder.js';
export type { WindowResult, TopKResult, RankedEntry, EncodedRecord } from './api/functions.js';
export { valueState, mapState, listState, reducingState } from './api/process-function.js';
export type { KeyedProcessFunction, ProcessContext, ValueState, MapState, ListState, ReducingState, TimerService } from './api/process-function.js';
export { count, sum, min, max, avg, attribute, aggregates, type AggregateFunction } from './aggregate/aggregate-function.js';
export { tumbling, sliding, session, type WindowSpec } from './windows/window-spec.js';
export { durationMs, ratePerSecond, numberFlag, parseDuration, formatDuration } from './config/units.js';
export { jsonSerde, type JsonSerdeOptions, type Serde, type Decoded } from './api/serde.js';
export type { ViewSpec } from './views/latest-view.js';
export { counter, gauge, histogram, JobCounter, JobGauge, JobHistogram } from './api/job-metrics.js';
export type { JobMetric, Labels, CounterSpec, GaugeSpec, HistogramSpec } from './api/job-metrics.js';
