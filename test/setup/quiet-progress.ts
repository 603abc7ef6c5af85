// fit prints Keras's progress lines by default (verbose "auto"), as Keras does; in the suite's log they
// would bury the test output, so the suite drops them here. test/train/progress.test.ts and
// test/examples.test.ts check them.
const PROGRESS = /^(Epoch \d+\/\d+\n|\r?\s*\d+\/\d+ (- |\[)[^\n]*\n?)$/;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: unknown, ...rest: unknown[]) =>
  typeof chunk === "string" && PROGRESS.test(chunk)
    ? true
    : (write as (...a: unknown[]) => boolean)(chunk, ...rest)) as typeof process.stdout.write;
