/** JSON Schema of GET /v1/environment_versions/verify (AuditChainVerification). */
import type { ChainProblemKind } from '../audit-chain';

const PROBLEM_KINDS: readonly ChainProblemKind[] = ['altered', 'removed', 'inserted_or_reordered', 'broken_link', 'truncated', 'head_altered'];
const nullableInteger = { type: ['integer', 'null'] } as const;

export const auditChainVerificationSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'valid', 'events_checked', 'head', 'problem', 'checkpoint'],
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
    checkpoint: {
      description:
        'The newest signed checkpoint (by the checkpoints\' own chain) that covers this organization, checked against the ' +
        'audit public key and the log; null when the service has no checkpoint directory (SANDBASE_AUDIT_CHECKPOINT_DIR). ' +
        'With a directory but no checkpoint covering the organization, every field but `problems` is null.',
      anyOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['created_at', 'file', 'signature_valid', 'matches_chain', 'chain_seq', 'problems'],
          properties: {
            created_at: { type: ['string', 'null'], description: 'When the checkpoint was made.' },
            file: { type: ['string', 'null'], description: 'Its file name in the checkpoint directory.' },
            signature_valid: { type: ['boolean', 'null'], description: 'Whether its signature verifies; null when no audit public key is usable.' },
            matches_chain: {
              type: ['boolean', 'null'],
              description: 'Whether the log holds, at the signed chain sequence, the hash the checkpoint signed for this organization.',
            },
            chain_seq: { ...nullableInteger, description: 'The chain sequence the checkpoint signed for this organization.' },
            problems: { type: 'array', items: { type: 'string' }, description: 'Everything that did not check out, in sentences; empty when all did.' },
          },
        },
        { type: 'null' },
      ],
    },
  },
} as const;
