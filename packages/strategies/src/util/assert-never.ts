/** The default branch of an exhaustive switch: unreachable when the types are honest. */
export function assertNever(value: never): never {
  throw new TypeError(`unhandled case ${JSON.stringify(value)}`);
}
