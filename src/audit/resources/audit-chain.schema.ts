/** JSON Schema of GET /v1/environment_versions/verify (AuditChainVerification). */
import type { ChainProblemKind } from '../audit-chain';

const PROBLEM_KINDS: readonly ChainProblemKind[] = ['altered', 'removed', 'inserted_or_reordered', 'broken_link', 'truncated', 'head_altered'];
const nullableInteger = { type: ['integer', 'null'] } as const;

export const auditChainVerificationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'valid', 'events_checked', 'head', 'problem'],
  properties: {
    type: { type: 'string', const: 'audit_chain_verification' },
    valid: { type: 'boolean' },
    events_checked: { type: 'integer', minimum: 0 },
    head: {
      description: 'The head recomputed from the events; null for an organization without events.',
      anyOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['chain_seq', 'hash', 'event_position'],
          properties: { chain_seq: { type: 'integer' }, hash: { type: 'string' }, event_position: { type: 'integer' } },
        },
        { type: 'null' },
      ],
    },
    problem: {
      description: 'The first place where the chain no longer verifies; null when it verifies.',
      anyOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['kind', 'event_position', 'event_id', 'chain_seq', 'message'],
          properties: {
            kind: { type: 'string', enum: [...PROBLEM_KINDS] },
            event_position: nullableInteger,
            event_id: { type: ['string', 'null'] },
            chain_seq: nullableInteger,
            message: { type: 'string' },
          },
        },
        { type: 'null' },
      ],
    },
  },
} as const;
