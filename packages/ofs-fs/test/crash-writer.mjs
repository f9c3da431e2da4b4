// Child process of the crash test: writes objects crash/obj-0000 … crash/obj-0999 through the
// built fs object store, printing each finished index. The parent SIGKILLs it at random points.
// On a rerun it verifies every object that already exists and completes the set.
import { createFsObjectStore } from '../dist/index.js';

export const COUNT = 1000;

/** The deterministic bytes of object `i` (sizes vary from 512 B to ~64 KB). */
export function expectedBytes(i) {
  const size = 512 + ((i * 7919) % 65000);
  const bytes = new Uint8Array(size);
  for (let j = 0; j < size; j++) bytes[j] = (i * 31 + j * 17 + (j >> 8)) & 0xff;
  return bytes;
}

export function keyOf(i) {
  return `crash/obj-${String(i).padStart(4, '0')}.bin`;
}

function equal(a, b) {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function main(root) {
  const store = createFsObjectStore({ root });
  for (let i = 0; i < COUNT; i++) {
    const bytes = expectedBytes(i);
    const result = await store.putIfAbsent(keyOf(i), bytes);
    if (!result.created && !equal(result.existing, bytes)) {
      process.stderr.write(`object ${i} exists with different bytes\n`);
      process.exit(3);
    }
    process.stdout.write(`${i}\n`);
  }
}

if (process.argv[2]) {
  main(process.argv[2]).then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`${error?.stack ?? error}\n`);
      process.exit(2);
    },
  );
}
