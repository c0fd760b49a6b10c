import { createHash } from 'node:crypto';
import express from 'express';
import { ParleyError } from '@parley/core';
import { CONVERSATION_ID, DEFAULT_SEARCH_LIMIT, SearchQuery, compile, type SearchResponse } from '@parley/protocol';
import { highlightRanges, queryTerms, type SearchPosition } from '@parley/store';
import { validQuery } from '../validate.js';
import { methodNotAllowed } from '../method-guards.js';
import type { RouteKit } from './route-kit.js';

const check = { search: compile(SearchQuery) };

/**
 * Message search (docs/openapi.yaml, tag "search"; docs/adr/0011-search-tokens.md). The store finds what the
 * caller can read now (SearchRepository); the route turns the query into terms, pages by an opaque cursor
 * and marks where the terms are in each result's content.
 */
export function searchRoutes(kit: RouteKit): express.Router {
  const { deps, requireAuth, claims } = kit;
  const router = express.Router();

  router
    .route('/search/messages')
    .get(requireAuth, async (req, res) => {
      const query = validQuery(check.search, req.query);
      const terms = queryTerms(query.q);
      if (terms.length === 0) throw new ParleyError('bad_request', '"q" has no word to look for (only spaces, punctuation or emoji)', { details: { field: 'q' } });
      const filters = {
        ...(query.conversation !== undefined ? { conversation: query.conversation } : {}),
        ...(query.sender !== undefined ? { sender: query.sender } : {}),
        ...(query.kind !== undefined ? { kind: query.kind } : {}),
        ...(query.after !== undefined ? { after: query.after } : {}),
        ...(query.before !== undefined ? { before: query.before } : {}),
      };
      // A cursor answers one query: the same q and filters (not limit).
      const scope = queryScope(query.q, filters);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);
      const limit = query.limit ?? DEFAULT_SEARCH_LIMIT;
      const { hits, more } = await deps.search.search(claims(res).userId, terms, filters, { limit, ...(after ? { after } : {}) });
      const last = hits[hits.length - 1];
      const body: SearchResponse = {
        results: hits.map((h) => ({ ...h, highlights: highlightRanges(h.content, terms) })),
        ...(more && last ? { next: encodeCursor({ ts: last.ts, conversation: last.conversation, seq: last.seq }, scope) } : {}),
      };
      res.json(body);
    })
    .all(methodNotAllowed);

  return router;
}

/** What a cursor is bound to: a short hash of the query and its filters. */
export function queryScope(q: string, filters: object): string {
  return createHash('sha256').update(JSON.stringify([q, filters])).digest('base64url').slice(0, 12);
}

/**
 * The cursor: base64url of the JSON array [ts, conversation, seq, scope] of the previous page's last
 * result and the query it answered (queryScope). Opaque to clients; the only promise is that it resumes
 * the same query after that result.
 */
export function encodeCursor(p: SearchPosition, scope: string): string {
  return Buffer.from(JSON.stringify([p.ts, p.conversation, p.seq, scope])).toString('base64url');
}

/** A cursor encodeCursor made for this query (`scope`); anything else is 400 `bad_request` naming the field `cursor`. */
export function decodeCursor(cursor: string, scope: string): SearchPosition {
  let value: unknown;
  try {
    value = /^[A-Za-z0-9_-]+$/.test(cursor) ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : undefined;
  } catch {
    value = undefined;
  }
  if (Array.isArray(value) && value.length === 4 && value[3] === scope) {
    const [ts, conversation, seq] = value as unknown[];
    if (Number.isSafeInteger(ts) && (ts as number) >= 0 && typeof conversation === 'string' && CONVERSATION_ID.test(conversation) && Number.isSafeInteger(seq) && (seq as number) >= 1) {
      return { ts: ts as number, conversation, seq: seq as number };
    }
  }
  throw new ParleyError('bad_request', '"cursor" is not a cursor this search answered (the same q and filters)', { details: { field: 'cursor' } });
}
