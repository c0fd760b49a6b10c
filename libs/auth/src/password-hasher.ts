import argon2 from 'argon2';

/**
 * argon2id with OWASP's baseline parameters (19 MiB, 2 iterations, 1 lane). Hashes are self-describing
 * PHC strings, so parameters can be raised later without breaking stored hashes.
 */
export class PasswordHasher {
  constructor(private readonly params: { memoryCost: number; timeCost: number; parallelism: number } = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.params });
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }
}
