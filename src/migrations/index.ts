import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { KeysFreezeSources1764600000000 } from './1764600000000-keys-freeze-sources';
import { IdempotencyRecords1764700000000 } from './1764700000000-idempotency-records';
import { CompactCreationChanges1764800000000 } from './1764800000000-compact-creation-changes';
import { WorkQueue1764900000000 } from './1764900000000-work-queue';
import { AuditSinks1765000000000 } from './1765000000000-audit-sinks';
import { AscendingListingIndexes1765100000000 } from './1765100000000-ascending-listing-indexes';
import { HistoryStoresPrevious1765200000000 } from './1765200000000-history-stores-previous';
import { ScopedAuditIndexes1765300000000 } from './1765300000000-scoped-audit-indexes';
import { HistoryKeyedByPosition1765400000000 } from './1765400000000-history-keyed-by-position';
import { DisjointListingIndexes1765500000000 } from './1765500000000-disjoint-listing-indexes';

/** Every migration, oldest first. Listed explicitly so that ts-node and the build agree. */
export const MIGRATIONS = [InitialSchema1763800000000, KeysFreezeSources1764600000000, IdempotencyRecords1764700000000, CompactCreationChanges1764800000000, WorkQueue1764900000000, AuditSinks1765000000000, AscendingListingIndexes1765100000000, HistoryStoresPrevious1765200000000, ScopedAuditIndexes1765300000000, HistoryKeyedByPosition1765400000000, DisjointListingIndexes1765500000000];
