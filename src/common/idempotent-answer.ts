/** A stored answer to replay (the same Idempotency-Key, API key and request): sent as it was, with `idempotent-replayed: true`. */
export class ReplayedAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('replayed answer');
    this.name = 'ReplayedAnswer';
  }
}

/** What the error filter tells the request's Idempotency-Key claim about a failed request, before answering. */
export interface FailedAnswerSink {
  failed(status: number, body: unknown): Promise<void>;
}

export const IDEMPOTENCY_CLAIM = Symbol('idempotencyClaim');

export function failedAnswerSinkOf(request: object): FailedAnswerSink | undefined {
  return (request as { [IDEMPOTENCY_CLAIM]?: FailedAnswerSink })[IDEMPOTENCY_CLAIM];
}
