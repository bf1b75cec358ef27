/** Test Worker: a compression Worker whose codec crashes on the 41st basket it is handed. */
import "../../../src/formats/root/_compress_worker.ts";

const scope = self as unknown as { onmessage: ((e: MessageEvent) => unknown) | null };
const real = scope.onmessage!;
let baskets = 0;

scope.onmessage = (e) => {
  if (++baskets > 40) throw new Error("codec crashed (test)");
  return real(e);
};
