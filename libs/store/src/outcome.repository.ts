import type { ParleyDb } from './database.js';

export interface CommandOutcome {
  status: 'ok' | 'rejected';
  code: string | null;
  message: string | null;
  stream: string;
}

export class OutcomeRepository {
  constructor(private readonly db: ParleyDb) {}

  async get(commandId: string): Promise<CommandOutcome | undefined> {
    return this.db.selectFrom('command_outcomes').select(['status', 'code', 'message', 'stream']).where('command_id', '=', commandId).executeTakeFirst();
  }
}
