// Exact type equality for the type tests: Equal<A, B> is true only when A and B are the same type
// (not merely assignable either way, and `any` equals nothing else).
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export type Expect<T extends true> = T;
