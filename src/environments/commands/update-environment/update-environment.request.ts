import { EnvironmentFieldsRequest } from '../environment-fields.request';

/** POST /v1/environments/{id}: any subset of the fields; omitted ones are preserved. */
export class UpdateEnvironmentRequest extends EnvironmentFieldsRequest {}
