// Runs a WASI command module under node's built-in WASI (V8), for the
// benchmark harness: `node --no-warnings bench/node-wasi.mjs module.wasm [args...]`.
// The guest sees only its arguments and an empty environment, with no
// directories preopened, the same view `wasmpipe exec` gives by default. The
// exit code is the guest's; a trap prints its message and exits with 134
// (the code of an abort), so the harness reports it as a failure.
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { WASI } from 'node:wasi';

const [path, ...args] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: node node-wasi.mjs module.wasm [args...]\n');
  process.exit(2);
}

let code;
try {
  const wasi = new WASI({ version: 'preview1', args: [path, ...args], env: {}, returnOnExit: true });
  const module = await WebAssembly.compile(await readFile(path));
  const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`node-wasi: ${path}: ${e && e.message ? e.message : e}\n`);
  code = 134;
}
process.exitCode = code;
