import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { KeysFreezeSources1764600000000 } from './1764600000000-keys-freeze-sources';

/** Every migration, oldest first. Listed explicitly so that ts-node and the build agree. */
export const MIGRATIONS = [InitialSchema1763800000000, KeysFreezeSources1764600000000];
