// Real databases, real processes, a shared 2-core machine: a generous default
// limit per test (tests never assert on timing). Files may set a larger one.
jest.setTimeout(60_000);
