/**
 * given events / when command / then events, for a pure decider (emmett's
 * DeciderSpecification): every scenario starts from events, never from a
 * hand-built state.
 *
 *   const spec = DeciderSpecification.for(decider);
 *   spec.given([created]).when(update).then([modified]);
 *   spec.given([]).when(update).thenThrows('environment_not_found');
 */

export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** An error with a machine-readable code (a domain error). */
type CodedError = Error & { code: unknown };

/** What a failing command must throw: an error code, or a predicate over the error. */
export type ThrowsCheck = string | ((error: unknown) => boolean);

export interface Then<Event, State, E extends Error> {
  /** Exactly these events are decided. */
  then(expected: Event[]): void;
  /** Nothing is decided, and the state is exactly the given one. */
  thenNothing(): void;
  /**
   * The command is refused with the specification's error type; with a code,
   * that code; with a predicate, an error it accepts; with `messageContains`,
   * a message naming it. Returns the error for further checks.
   */
  thenThrows(check?: ThrowsCheck, messageContains?: string): E;
  /** The decided events, for checks of their own. */
  events(): Event[];
  /** The state after the decided events are folded onto the given ones (never the empty state). */
  state(): NonNullable<State>;
}

export interface Given<Command, Event, State, E extends Error> {
  /** The state the given events fold to. */
  readonly state: State;
  when(command: Command): Then<Event, State, E>;
}

export interface Specification<Command, Event, State, E extends Error> {
  given(events: readonly Event[]): Given<Command, Event, State, E>;
}

function thrownBy(run: () => unknown): { threw: boolean; error: unknown } {
  try {
    run();
  } catch (error) {
    return { threw: true, error };
  }
  return { threw: false, error: undefined };
}

export const DeciderSpecification = {
  for<Command, Event, State, E extends Error = CodedError>(
    decider: Decider<Command, Event, State>,
    options: { errorType?: abstract new (...args: never[]) => E } = {},
  ): Specification<Command, Event, State, E> {
    const fold = (events: readonly Event[]): State => events.reduce(decider.evolve, decider.initialState());
    return {
      given(history) {
        const state = fold(history);
        return {
          state,
          when(command) {
            const run = () => decider.decide(command, state);
            return {
              then(expected) {
                expect(run()).toEqual(expected);
              },
              thenNothing() {
                const events = run();
                expect(events).toEqual([]);
                expect(fold([...history, ...events])).toEqual(state);
              },
              thenThrows(check, messageContains) {
                const { threw, error } = thrownBy(run);
                expect(threw).toBe(true);
                if (options.errorType) expect(error).toBeInstanceOf(options.errorType);
                if (typeof check === 'string') expect((error as CodedError).code).toBe(check);
                if (typeof check === 'function') expect(check(error)).toBe(true);
                if (messageContains !== undefined) expect((error as Error).message).toContain(messageContains);
                return error as E;
              },
              events: run,
              state() {
                const next = fold([...history, ...run()]);
                if (next === null || next === undefined) throw new Error('expected a state after the command');
                return next as NonNullable<State>;
              },
            };
          },
        };
      },
    };
  },
};
