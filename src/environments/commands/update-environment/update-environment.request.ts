import { EnvironmentFieldsRequest } from '../../http/environment.request';

/** POST /v1/environments/{id}: any subset of the fields; omitted ones are preserved. */
export class UpdateEnvironmentRequest extends EnvironmentFieldsRequest {}
