import { apiKeyFamily } from '../auth/projections/api-key-family';
import { environmentFamily } from '../environments/projections/environment-family';
import type { ProjectionFamily } from '../event-store/projection-family';
import { freezeFamily } from '../organizations/projections/freeze-family';
import { environmentKeyFamily, workFamily } from '../work/projections/work-families';

/** Every family of projections of the log: what `projections rebuild` and `verify` (and an import) replay. */
export const FAMILIES: readonly ProjectionFamily[] = [environmentFamily, apiKeyFamily, freezeFamily, environmentKeyFamily, workFamily] as readonly ProjectionFamily[];

/** Every read model, with its family. */
export function readModels() {
  return FAMILIES.flatMap((family) => Object.entries(family.readModels).map(([key, model]) => ({ family, key, ...model })));
}
