import type * as ClassValidator from 'class-validator';

/**
 * The parts of class-validator the service uses, each required from its own
 * file: the package's index loads every one of its decorators, with
 * validator.js and libphonenumber-js behind them (about 320 modules, some
 * 50 ms of every start-up), where these need about 30. The files are the
 * ones the index itself re-exports, so the metadata storage is the same.
 * Import class-validator from here, not from the package.
 */
type Api = typeof ClassValidator;
const from = <K extends keyof Api>(file: string, name: K): Api[K] =>
  (require(`class-validator/cjs/${file}`) as Pick<Api, K>)[name];

export type { ValidationError, ValidatorOptions } from 'class-validator';
export const IsArray = from('decorator/typechecker/IsArray', 'IsArray');
export const IsBoolean = from('decorator/typechecker/IsBoolean', 'IsBoolean');
export const IsIn = from('decorator/common/IsIn', 'IsIn');
export const IsInt = from('decorator/typechecker/IsInt', 'IsInt');
export const IsObject = from('decorator/typechecker/IsObject', 'IsObject');
export const IsOptional = from('decorator/common/IsOptional', 'IsOptional');
export const IsString = from('decorator/typechecker/IsString', 'IsString');
export const Length = from('decorator/string/Length', 'Length');
export const Max = from('decorator/number/Max', 'Max');
export const MaxLength = from('decorator/string/MaxLength', 'MaxLength');
export const Min = from('decorator/number/Min', 'Min');
export const ValidateNested = from('decorator/common/ValidateNested', 'ValidateNested');
export const getMetadataStorage = from('metadata/MetadataStorage', 'getMetadataStorage');

const { Validator } = require('class-validator/cjs/validation/Validator') as { Validator: new () => InstanceType<Api['Validator']> };
const { getFromContainer } = require('class-validator/cjs/container') as Pick<Api, 'getFromContainer'>;

/** class-validator's validateSync (the index's own is this call). */
export function validateSync(object: object, options?: ClassValidator.ValidatorOptions): ClassValidator.ValidationError[] {
  return getFromContainer(Validator).validateSync(object, options);
}
