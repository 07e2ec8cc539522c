import type { components } from './openapi';

type Schemas = components['schemas'];
export type Environment = Schemas['Environment'];
export type EnvironmentConfig = Schemas['EnvironmentConfig'];
export type EnvironmentVersion = Schemas['EnvironmentVersion'];
export type FieldChange = Schemas['FieldChange'];
export type CreatedBy = Schemas['CreatedBy'];
export type ApiKeyVersion = Schemas['ApiKeyVersion'];
export type Operation = EnvironmentVersion['operation'];
export const OPERATIONS: readonly Operation[] = ['created', 'modified', 'archived', 'deleted'];

type Verified = Schemas['AuditChainVerification'];
/** The newest signed checkpoint covering the organization (null: the service has no checkpoint directory). */
export type Checkpoint = NonNullable<Verified['checkpoint']>;
/** The verification; `checkpoint` is tolerated absent (a service from before checkpoints were reported). */
export type Verification = Omit<Verified, 'checkpoint'> & { checkpoint?: Checkpoint | null };

/** An API actor's key and where the request came from (other actors have only a type). */
export interface ApiActor {
  type: 'api_actor';
  api_key_id: string;
  ip_address: string | null;
  user_agent: string | null;
}

export function apiActor(actor: CreatedBy): ApiActor | null {
  return actor.type === 'api_actor' && 'api_key_id' in actor ? (actor as ApiActor) : null;
}
