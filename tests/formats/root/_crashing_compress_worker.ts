/** Test Worker: a compression Worker that crashes when it is set up. */
const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null };

scope.onmessage = () => {
  throw new Error("worker crashed (test)");
};
