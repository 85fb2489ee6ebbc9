/** The shapes the console reads from the JSON APIs (docs/http-api.md, docs/job-manager.md). */

export interface ConsoleInfo {
  mode: 'runner' | 'cluster';
  actions: boolean;
  /** Runner mode: its job, group and views. */
  job?: string;
  groupId?: string;
  views?: { name: string; param: string }[];
  /** Cluster mode: the jobs it may submit. */
  jobs?: { name: string; description: string; options: JsonSchema | null }[];
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
}

export interface RunStatus {
  job: string;
  groupId: string;
  state: string;
  startedAt: number;
  parallelism: number;
  restarts: number;
  records: number;
  deadLettered: number;
  checkpoints: { completed: number; failed: number; last: { completedAt: number; durationMs: number; sizeBytes: number } | null };
  members: { member: string; state: string; since: number; lastFailure: { error: string } | null }[];
}

/** The job manager's record of a job; `runner` is the runner's own status while it answers. */
export interface JobRecord {
  id: string;
  job: string;
  state: string;
  startedAt: number;
  endedAt: number | null;
  failure: string | null;
  options: Record<string, unknown>;
  savepoints: Savepoint[];
  runner: RunStatus | null;
}

export interface Savepoint {
  path: string;
  tasks: number;
  bytes: number;
  createdAt: number;
}

export interface Checkpoint {
  id: number;
  task: string;
  completedAt: number;
  durationMs: number;
  sizeBytes: number;
  outcome: string;
}

export interface LiveSample {
  at: number;
  recordsIn: number;
  recordsOut: number;
  lag: number;
  deadLetters: Record<string, number>;
  late: Record<string, number>;
  partitions: { partition: string; lag: number; watermark: number | null; records: number }[];
}

export interface DeadLetter {
  at: number;
  reason: string;
  detail: string;
  operator: string | null;
  topic: string | null;
  partition: number | null;
  offset: string | null;
  value: string | null;
}

export interface Plan {
  job: string;
  groupId: string;
  stages: { id: string; reads: string; tasks: string; nodes: string[]; writes: string[] }[];
}
