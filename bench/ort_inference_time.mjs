// Times ONNX Runtime (one thread, sequential) on one model: session creation, and the best of
// N runs of session.run on the given .npy input. Prints "create_s run_s" on one line.
//   node bench/ort_inference_time.mjs MODEL.onnx NAME=INPUT.npy [REPEATS]
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const oracles = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'oracles');
const ort = createRequire(path.join(oracles, 'package.json'))('onnxruntime-node');
const { readNpy } = await import(path.join(oracles, 'npy.mjs'));

const [model, feed, repeats = '3'] = process.argv.slice(2);
const [name, file] = feed.split('=');
const input = readNpy(file);
let start = process.hrtime.bigint();
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
});
const createSeconds = Number(process.hrtime.bigint() - start) / 1e9;
let best = Infinity;
for (let i = 0; i < Number(repeats); ++i) {
  start = process.hrtime.bigint();
  await session.run({ [name]: new ort.Tensor(input.dtype, input.data, input.shape) });
  best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
}
console.log(`${createSeconds.toFixed(3)} ${best.toFixed(3)}`);
