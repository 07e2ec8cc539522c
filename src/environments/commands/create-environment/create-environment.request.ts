import { EnvironmentFieldsRequest } from '../environment-fields.request';

/** POST /v1/environments. `name` is required; the domain says so with the field named. */
export class CreateEnvironmentRequest extends EnvironmentFieldsRequest {}
