/**
 * An error a domain raises: a code from the domain's own enum and a message
 * for people. Nothing here knows about HTTP: src/http/error-mapping.ts maps
 * each code to its answer in one exhaustive switch per domain.
 */
export class CodedError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
