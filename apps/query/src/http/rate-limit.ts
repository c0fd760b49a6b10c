import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { errorBody } from './http-errors.js';

/**
 * `limit` requests per client IP per minute, answered past it with 429 `rate_limited` and the IETF draft-8
 * `RateLimit` headers (docs/openapi.yaml RateLimited). Each call keeps its own count.
 */
export function perMinuteLimit(limit: number): RequestHandler {
  return rateLimit({ windowMs: 60_000, limit, standardHeaders: 'draft-8', legacyHeaders: false, handler: limited });
}

function limited(_req: Request, res: Response): void {
  res.status(429).json(errorBody('rate_limited', 'Too many requests; wait a minute and retry'));
}
