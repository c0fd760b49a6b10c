#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql, type CompiledQuery } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '@parley/test-infra';
import { DEFAULT_SEARCH_LIMIT } from '@parley/protocol';
import { ProjectionWriter, SearchRepository, WorkerPGlite, indexTokens, migrateToLatest, queryTerms, type Database } from '@parley/store';
import type { ParleyEvent } from '@parley/schemas';
import { percentiles } from './percentiles.js';
import { random } from './scenarios.js';

// `node bench/dist/search.js --mode single|distributed [--messages 1000000] [--conversations 10000]`: message
// search at scale (issue 13, "Speed"), straight on the store (no HTTP, no log): what the single node runs
// (PGlite in a worker thread, on disk) or the distributed query app (PostgreSQL started by
// @parley/test-infra, fsync off).
//
// 1. Projector throughput: the same --sample messages (in --sample / 100 conversations) applied with
//    ProjectionWriter.applyBatch in batches of --batch into a fresh database, without the search projection
//    (searchIndex: false) and with it, alternately, --rounds times each: messages/s and the ratio.
// 2. The corpus: --messages MessageSent events over --conversations conversations, a seeded mix of English,
//    Chinese and mixed text, applied the same way (the realistic path; the time is the index build time),
//    then the table and index sizes, a rebuild of the GIN index from scratch, and the latency of
//    SearchRepository.search (first page, DEFAULT_SEARCH_LIMIT) for common, rare, partial-CJK and no-match
//    queries as a user in 100 of the conversations, after 10 warm-up runs each: 30 runs on the database as
//    loaded, --runs after VACUUM ANALYZE (PGlite has no autovacuum), and on PostgreSQL --runs again on
//    connections without parallel workers; each query's EXPLAIN ANALYZE on stderr with --plans.
// --data-dir DIR (single mode) keeps the PGlite database there, and measures a corpus found there without
// building it again. One JSON report on stdout; progress on stderr.

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'single' },
    messages: { type: 'string', default: '1000000' },
    conversations: { type: 'string', default: '10000' },
    sample: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '2' },
    runs: { type: 'string', default: '200' },
    only: { type: 'string', default: 'all' },
    plans: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
  },
});
function int(name: string, min: number, max: number): number {
  const n = Number(values[name as keyof typeof values]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}
const mode = values.mode;
if (mode !== 'single' && mode !== 'distributed') throw new Error('--mode is single or distributed');
if (!['all', 'throughput', 'corpus'].includes(values.only!)) throw new Error('--only is all, throughput or corpus');
const messages = int('messages', 1000, 10_000_000);
const conversations = int('conversations', 100, 1_000_000);
const sample = int('sample', 1000, 10_000_000);
const batch = int('batch', 1, 100_000);
const rounds = int('rounds', 1, 10);
const runs = int('runs', 1, 100_000);
if (conversations % 100 !== 0 || sample % 10_000 !== 0) throw new Error('--conversations must be a multiple of 100, --sample of 10000 (the searcher is in every (n/100)th conversation)');

const log = (line: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

// ---- The corpus -------------------------------------------------------------------------------------------

const EN_CORE = `the to i you a and it is for in of we that on this be have can will do with at not so just are me my what
but get if about all up out there your they was meeting tomorrow today time now send team call project need know think
good see work update please thanks let go back new release code review deadline doc check before after week lunch coffee
bug fix test deploy server client message search build plan idea design ok yes no maybe later soon morning night weekend
friday monday office home train late sorry great nice cool sure done ready issue ticket customer data report slides
budget question answer problem chat photo video link file email parley database index query latency`.split(/\s+/);

const ZH_CORE = `的 了 是 我 你 他 我们 你们 他们 这个 那个 什么 怎么 今天 明天 昨天 现在 时间 工作 项目 会议 开会 消息 搜索 测试 问题
需要 可以 没有 知道 觉得 一下 已经 还是 因为 所以 但是 如果 数据库 服务器 客户 发布 代码 审查 文档 周末 晚上 早上 中午 吃饭
咖啡 下班 上班 同事 老板 团队 计划 设计 版本 修复 部署 用户 手机 电脑 网络 系统 功能 接口 性能 报告 预算 会议室 周五 周一
谢谢 好的 没问题 辛苦 加油 哈哈 收到 马上 稍等 请 帮忙 检查 更新 邮件 文件 图片 视频 链接 北京 上海 深圳 天气 下雨 出差
火车 飞机 搜索引擎 消息队列`.split(/\s+/);

/** A vocabulary: the core words first (most frequent), then `tail` made-up words, all distinct. */
function vocabulary(core: readonly string[], tail: number, word: (rnd: () => number) => string, rnd: () => number): string[] {
  const words = new Set(core);
  while (words.size < core.length + tail) words.add(word(rnd));
  return [...words];
}
const SYLLABLES = 'ka ri to mu se na lo vi pe zu ha be no ta ki ru mi so de ga fu yo'.split(' ');
const vocabRnd = random(13);
const EN = vocabulary(EN_CORE, 30_000, (r) => Array.from({ length: 2 + Math.floor(r() * 3) }, () => SYLLABLES[Math.floor(r() * SYLLABLES.length)]).join(''), vocabRnd);
// Made-up Chinese words: two or three of the first 3,000 CJK unified ideographs (U+4E00...).
const ZH = vocabulary(ZH_CORE, 20_000, (r) => String.fromCodePoint(...Array.from({ length: 2 + Math.floor(r() * 2) }, () => 0x4e00 + Math.floor(r() * 3000))), vocabRnd);

/** Draws word ranks with probability 1/rank (Zipf, s = 1), the shape of word frequencies in text. */
function zipf(n: number): (rnd: () => number) => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let r = 0; r < n; r++) cumulative[r] = sum += 1 / (r + 1);
  return (rnd) => {
    const x = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}
const enRank = zipf(EN.length);
const zhRank = zipf(ZH.length);
const ZH_PUNCTUATION = ['，', '。', '！', '？'];

/** One message: 55% English (4 to 19 words), 35% Chinese (3 to 14 words, no spaces), 10% Chinese with English words in it. */
function content(rnd: () => number): string {
  const kind = rnd();
  if (kind < 0.55) {
    const n = 4 + Math.floor(rnd() * 16);
    const words = Array.from({ length: n }, () => EN[enRank(rnd)]!);
    return `${words[0]!.charAt(0).toUpperCase()}${words.join(' ').slice(1)}${rnd() < 0.3 ? '?' : '.'}`;
  }
  const n = 3 + Math.floor(rnd() * 12);
  let text = '';
  for (let i = 0; i < n; i++) {
    text += kind >= 0.9 && rnd() < 0.2 ? ` ${EN[enRank(rnd)]!} ` : ZH[zhRank(rnd)]!;
    if (i < n - 1 && rnd() < 0.12) text += ZH_PUNCTUATION[Math.floor(rnd() * 2)]!;
  }
  return text.trim() + ZH_PUNCTUATION[1 + Math.floor(rnd() * 3)]!;
}

const SEARCHER = { userId: 'bench-searcher', username: 'searcher' };
const USERS = 5000;
const T0 = Date.UTC(2025, 0, 1);
const YEAR = 365 * 24 * 3600 * 1000;
const GW = { gatewayId: 'bench', connectionId: 'bench/1' };

interface Corpus {
  /** The ConversationCreated events, in order (the searcher is a member of every (n/100)th conversation). */
  created: ParleyEvent[];
  /** The MessageSent events conversation after conversation, in batches of `batch` (made as they are taken). */
  batches(): Generator<ParleyEvent[]>;
  messages: number;
}

/**
 * `messages` messages over `conversationCount` conversations (prefix `prefix`), seeded: conversation sizes are
 * exponentially distributed (a few busy ones, many quiet ones), each conversation has three members of
 * USERS (the searcher as one of them in every (n/100)th), each message a random member's, its timestamps
 * spread over 2025 in order.
 */
function corpus(prefix: string, messageCount: number, conversationCount: number, seed: number): Corpus {
  const rnd = random(seed);
  const weights = Array.from({ length: conversationCount }, () => -Math.log(1 - rnd()));
  const total = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.floor((messageCount * w) / total));
  sizes[0]! += messageCount - sizes.reduce((a, b) => a + b, 0);
  const every = conversationCount / 100;
  const members = sizes.map((_, i) => {
    const ids = new Set<number>();
    while (ids.size < 3) ids.add(Math.floor(rnd() * USERS));
    const list = [...ids].map((u) => ({ userId: `bench-u${u}`, username: `user${u}` }));
    if (i % every === 0) list[0] = SEARCHER;
    return list;
  });
  const stream = (i: number): string => `${prefix}${String(i).padStart(6, '0')}`;
  const created = members.map((list, i): ParleyEvent => ({
    eventId: `${stream(i)}-created`,
    stream: stream(i),
    seq: 0,
    ts: T0 - 1000,
    commandId: `${stream(i)}-create`,
    actor: list[0]!,
    origin: null,
    payload: { type: 'ConversationCreated', kind: 'group', name: `Group ${i}`, createdBy: list[0]!.userId, members: list },
  }));
  return {
    created,
    messages: messageCount,
    *batches() {
      const text = random(seed + 1);
      let out: ParleyEvent[] = [];
      for (let i = 0; i < conversationCount; i++) {
        const s = stream(i);
        const n = sizes[i]!;
        for (let seq = 1; seq <= n; seq++) {
          const by = members[i]![Math.floor(text() * 3)]!;
          out.push({
            eventId: `${s}-e${seq}`,
            stream: s,
            seq,
            ts: T0 + Math.floor((YEAR * (seq - 1 + text())) / n),
            commandId: `${s}-c${seq}`,
            actor: by,
            origin: GW,
            payload: { type: 'MessageSent', id: `${s}-m${seq}`, senderId: by.userId, senderName: by.username, clientMsgId: `k${seq}`, kind: 'text', content: content(text) },
          });
          if (out.length === batch) {
            yield out;
            out = [];
          }
        }
      }
      if (out.length > 0) yield out;
    },
  };
}

// ---- Databases -------------------------------------------------------------------------------------------

interface Opened {
  db: Kysely<Database>;
  /** PostgreSQL only: the database's URL. */
  url?: string;
  /** The last query the store sent (for EXPLAIN ANALYZE). */
  last(): CompiledQuery | undefined;
  close(): Promise<void>;
}

let postgres: Promise<PostgresServer> | undefined;
let opened = 0;

/** A fresh, migrated database of the mode: PGlite in a worker thread on a temporary directory, or a new database on one PostgreSQL. */
async function open(keep?: string): Promise<Opened> {
  let last: CompiledQuery | undefined;
  const logQuery = (event: { level: string; query: CompiledQuery }): void => {
    if (event.level === 'query') last = event.query;
  };
  let db: Kysely<Database>;
  let cleanup = async (): Promise<void> => undefined;
  let url: string | undefined;
  if (mode === 'single') {
    const dir = keep ?? (await mkdtemp(join(tmpdir(), 'parley-search-bench-')));
    await mkdir(dir, { recursive: true });
    const pglite = await WorkerPGlite.open(join(dir, 'pg'));
    db = new Kysely<Database>({ dialect: new PGliteDialect(pglite as unknown as PGlite), log: logQuery });
    if (keep === undefined) cleanup = () => rm(dir, { recursive: true, force: true });
  } else {
    postgres ??= startPostgres((line) => log(line));
    url = await (await postgres).createDatabase(`search_bench_${process.pid}_${++opened}`);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }), log: logQuery });
  }
  await migrateToLatest(db as Kysely<unknown>);
  return {
    db,
    ...(url !== undefined ? { url } : {}),
    last: () => last,
    close: async () => {
      await db.destroy();
      await cleanup();
    },
  };
}

/** Applies the corpus's conversations, then its messages (timed), as a projector would; answers the messages' seconds. */
async function load(db: Kysely<Database>, c: Corpus, searchIndex: boolean, progress = false): Promise<{ conversationsSeconds: number; messagesSeconds: number }> {
  const writer = new ProjectionWriter(db, undefined, { searchIndex });
  let offset = 0;
  const t0 = performance.now();
  for (let i = 0; i < c.created.length; i += 1000) {
    const events = c.created.slice(i, i + 1000);
    await writer.applyBatch('parley.events', 0, events, (offset += events.length));
  }
  const t1 = performance.now();
  let done = 0;
  let lastReport = t1;
  for (const events of c.batches()) {
    await writer.applyBatch('parley.events', 0, events, (offset += events.length));
    done += events.length;
    if (progress && performance.now() - lastReport > 30_000) {
      lastReport = performance.now();
      log(`  ${done} messages in ${round((lastReport - t1) / 1000)} s (${Math.round(done / ((lastReport - t1) / 1000))}/s)`);
    }
  }
  return { conversationsSeconds: round((t1 - t0) / 1000, 2), messagesSeconds: round((performance.now() - t1) / 1000, 2) };
}

// ---- 1. Projector throughput ------------------------------------------------------------------------------

async function throughput(): Promise<Record<string, unknown>> {
  const c = corpus('bench-t', sample, sample / 100, 7);
  const rates: Record<'without' | 'with', number[]> = { without: [], with: [] };
  for (let r = 0; r < rounds; r++) {
    for (const searchIndex of [false, true]) {
      const { db, close } = await open();
      try {
        const loaded = await load(db, c, searchIndex);
        // The GIN index's pending list holds entries not merged yet: the with-search run pays for merging them.
        const merge = performance.now();
        if (searchIndex) await sql`select gin_clean_pending_list('message_search_tsv')`.execute(db);
        const messagesSeconds = loaded.messagesSeconds + (performance.now() - merge) / 1000;
        const rate = Math.round(sample / messagesSeconds);
        rates[searchIndex ? 'with' : 'without'].push(rate);
        log(`throughput: ${sample} messages ${searchIndex ? 'with' : 'without'} the search index: ${messagesSeconds} s, ${rate}/s`);
      } finally {
        await close();
      }
    }
  }
  // The tokenizer alone over the same contents (the projector runs it on its own thread, before the inserts).
  const t = performance.now();
  let tokens = 0;
  for (const events of c.batches()) for (const e of events) if (e.payload.type === 'MessageSent') tokens += indexTokens(e.payload.content).length;
  const tokenizerSeconds = round((performance.now() - t) / 1000, 2);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    messages: sample,
    conversations: sample / 100,
    batch,
    withoutSearchIndexPerSecond: rates.without,
    withSearchIndexPerSecond: rates.with,
    ratio: round(median(rates.with) / median(rates.without), 3),
    tokenizerSeconds,
    tokensPerMessage: round(tokens / sample),
  };
}

// ---- 2. The corpus and the queries ------------------------------------------------------------------------

/** The queries, by what they stand for; the rare ones are words of the vocabulary's long tail. */
const QUERIES: Array<{ name: string; q: string }> = [
  { name: 'en, most common word', q: 'the' },
  { name: 'en, common word', q: 'meeting' },
  { name: 'en, two common words', q: 'project deadline' },
  { name: 'en, rare word', q: EN[3000]! },
  { name: 'zh, common word', q: '我们' },
  { name: 'zh, partial word (bigram 据库 of 数据库)', q: '据库' },
  { name: 'zh, rare word', q: ZH[2000]! },
  { name: 'mixed, parley的消息', q: 'parley的消息' },
  { name: 'mixed, an English and a Chinese word', q: 'bug 修复' },
  { name: 'no match', q: 'zzqxv' },
];

function tsquery(terms: readonly string[]): string {
  return terms.map((t) => `'${t.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`).join(' & ');
}

async function latencies(o: Opened, runsEach: number, budgetMs: number, explain: boolean): Promise<Record<string, unknown>> {
  const repo = new SearchRepository(o.db);
  const out: Record<string, unknown> = {};
  for (const { name, q } of QUERIES) {
    const terms = queryTerms(q);
    const search = () => repo.search(SEARCHER.userId, terms, {}, { limit: DEFAULT_SEARCH_LIMIT });
    for (let i = 0; i < 10; i++) await search();
    const samples: number[] = [];
    const start = performance.now();
    let hits = 0;
    while (samples.length < runsEach && performance.now() - start < budgetMs) {
      const t = performance.now();
      hits = (await search()).hits.length;
      samples.push(performance.now() - t);
    }
    const p = percentiles(samples);
    out[name] = { q, terms, runs: samples.length, hits, ...p };
    log(`  ${name} (${q}): p50 ${p.p50} p95 ${p.p95} p99 ${p.p99} ms over ${samples.length} runs`);
    const query = o.last();
    if (explain && query) {
      const { rows } = await o.db.executeQuery<{ 'QUERY PLAN': string }>({ ...query, sql: `explain (analyze, buffers) ${query.sql}` });
      process.stderr.write(`EXPLAIN ANALYZE ${q}:\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n\n`);
    }
  }
  return out;
}

async function sizes(db: Kysely<Database>): Promise<Record<string, number>> {
  const { rows } = await sql<Record<string, string | number>>`select
    pg_relation_size('messages') as messages_heap, pg_indexes_size('messages') as messages_indexes,
    pg_total_relation_size('messages') as messages_total,
    pg_relation_size('message_search') as search_heap, pg_relation_size('message_search_tsv') as search_gin,
    pg_relation_size('message_search_pk') as search_pk, pg_total_relation_size('message_search') as search_total`.execute(db);
  return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [`${k}MB`, round(Number(v) / 1024 / 1024)]));
}

async function searchCorpus(): Promise<Record<string, unknown>> {
  const c = corpus('bench-c', messages, conversations, 11);
  const o = await open(mode === 'single' ? values['data-dir'] : undefined);
  try {
    const { rows: present } = await sql<{ n: string | number }>`select count(*) as n from messages`.execute(o.db);
    if (Number(present[0]!.n) !== 0 && Number(present[0]!.n) !== messages) throw new Error(`--data-dir holds ${present[0]!.n} messages, not ${messages}`);
    if (Number(present[0]!.n) === messages) log(`corpus: already in ${values['data-dir']}, measuring the queries only`);
    else log(`corpus: applying ${conversations} conversations and ${messages} messages in batches of ${batch}...`);
    const built = Number(present[0]!.n) === messages ? { conversationsSeconds: 0, messagesSeconds: Number.NaN } : await load(o.db, c, true, true);
    log(`corpus: ${built.messagesSeconds} s (${Math.round(messages / built.messagesSeconds)} messages/s)`);
    const counts: Record<string, { corpus: number; searcher: number }> = {};
    for (const { q } of QUERIES) {
      const t = tsquery(queryTerms(q));
      const { rows } = await sql<{ all: string | number; mine: string | number }>`select count(*) as all,
        count(*) filter (where exists (select 1 from members m where m.conversation_id = s.conversation_id and m.user_id = ${SEARCHER.userId})) as mine
        from message_search s where s.tsv @@ ${t}::tsquery`.execute(o.db);
      counts[q] = { corpus: Number(rows[0]!.all), searcher: Number(rows[0]!.mine) };
    }
    const readable = await sql<{ n: string | number }>`select count(*) as n from messages m join members mb on mb.conversation_id = m.conversation_id where mb.user_id = ${SEARCHER.userId}`.execute(o.db);
    const sizesAsBuilt = await sizes(o.db);
    log(`corpus: sizes ${JSON.stringify(sizesAsBuilt)}`);
    log('queries before ANALYZE:');
    const beforeAnalyze = await latencies(o, Math.min(runs, 30), 20_000, values.plans!);
    const a = performance.now();
    await sql`vacuum analyze`.execute(o.db);
    const analyzeSeconds = round((performance.now() - a) / 1000, 2);
    log(`queries after VACUUM ANALYZE (${analyzeSeconds} s):`);
    const afterAnalyze = await latencies(o, runs, 120_000, values.plans!);
    let noParallel: Record<string, unknown> | undefined;
    if (o.url !== undefined) {
      // The same queries on connections that plan no parallel workers: starting one cost more than it saved.
      let last: CompiledQuery | undefined;
      const db = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: o.url, max: 2, options: '-c max_parallel_workers_per_gather=0' }) }),
        log: (event) => void (event.level === 'query' && (last = event.query)),
      });
      log('queries with max_parallel_workers_per_gather = 0:');
      try {
        noParallel = await latencies({ db, last: () => last, close: async () => undefined }, runs, 120_000, values.plans!);
      } finally {
        await db.destroy();
      }
    }
    const r = performance.now();
    await sql`drop index message_search_tsv`.execute(o.db);
    await sql`create index message_search_tsv on message_search using gin (tsv)`.execute(o.db);
    const ginRebuildSeconds = round((performance.now() - r) / 1000, 2);
    log(`GIN index rebuilt from scratch in ${ginRebuildSeconds} s`);
    return {
      messages,
      conversations,
      batch,
      build: { ...built, messagesPerSecond: Math.round(messages / built.messagesSeconds) },
      searcher: { conversations: 100, readableMessages: Number(readable.rows[0]!.n) },
      matches: counts,
      sizesAsBuilt,
      vacuumAnalyzeSeconds: analyzeSeconds,
      ginRebuildSeconds,
      sizesAfterGinRebuild: await sizes(o.db),
      latencyBeforeAnalyzeMs: beforeAnalyze,
      latencyMs: afterAnalyze,
      ...(noParallel ? { latencyNoParallelWorkersMs: noParallel } : {}),
    };
  } finally {
    await o.close();
  }
}

const report: Record<string, unknown> = { mode, date: new Date().toISOString(), options: values };
try {
  if (values.only !== 'corpus') report['projectorThroughput'] = await throughput();
  if (values.only !== 'throughput') report['corpus'] = await searchCorpus();
} finally {
  await (await postgres)?.stop();
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
process.exit(0);
