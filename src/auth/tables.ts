import { defineTable } from '../database/table';

export const organizationsTable = defineTable({
  name: 'organizations',
  columns: { id: 'id', name: 'text', created_at: 'timestamp' },
  primaryKey: 'id',
  unique: { organizations_name_unique: ['name'] },
});

/** Only a hash of each secret is stored. */
export const apiKeysTable = defineTable({
  name: 'api_keys',
  columns: {
    id: 'id',
    organization_id: 'id',
    key_hash: 'text',
    key_hint: 'text',
    created_at: 'timestamp',
    revoked_at: 'timestamp?',
  },
  primaryKey: 'id',
  unique: { api_keys_key_hash_unique: ['key_hash'] },
});
