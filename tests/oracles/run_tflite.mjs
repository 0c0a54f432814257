// TFLite oracle: the TFLite runtime itself (npm @tensorflow/tfjs-tflite, TFLite + XNNPACK compiled
// to WebAssembly), single-threaded, in plain Node.
//
//   node run_tflite.mjs MODEL.tflite [--input NAME=FILE.npy ...] --out-dir D
//       runs one model; inputs are matched by tensor name, or given in order as --input #0=F;
//       writes output K as D/output<K>.npy (TFLite tensor names often exceed the file system's
//       255-byte limit), quantized tensors as their raw integers. Exit codes: 0 ok, 1 usage, 2 the model failed to load or run.
//       With --seed N, inputs given no file get seeded values (floats uniform in [-1, 1),
//       integers uniform over their type, a mulberry32 stream per input seeded N + index) and
//       are written as D/input<K>.npy for the other runtime; D/info.json lists inputs/outputs.
//   node run_tflite.mjs MODEL.tflite --info
//       prints the model's inputs and outputs (name, dtype, shape) as JSON.
//
// One process per model: a model that fails to load leaves the wasm heap corrupted.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

import { parseRunnerArgs, readNpy, writeNpy } from './npy.mjs';

const USAGE = 'run_tflite.mjs MODEL.tflite [--input NAME=FILE.npy ...] --out-dir D | --info';
const require = createRequire(import.meta.url);
const packageDir = path.dirname(require.resolve('@tensorflow/tfjs-tflite/package.json'));
const wasmDir = path.join(packageDir, 'wasm') + path.sep;

// The package only knows browsers and web workers. Posing as a worker: `self` with a location
// for its URL arithmetic, and importScripts to load the emscripten glue.
globalThis.self = globalThis;
self.location = { href: `file://${wasmDir}`, origin: 'file://', protocol: 'file:' };
// Its feature probe picks the threaded build when a SharedArrayBuffer can be posted; a throwing
// postMessage makes it choose the single-threaded SIMD build, which needs no worker threads.
globalThis.MessageChannel = class {
  constructor() {
    this.port1 = { postMessage() { throw new Error('no threads in this oracle'); } };
    this.port2 = {};
  }
};
globalThis.importScripts = (url) => {
  const file = decodeURIComponent(String(url).replace(/^file:\/\//, ''));
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
  // Hand the .wasm bytes in directly instead of letting emscripten fetch() a file:// URL.
  const wasmBinary = fs.readFileSync(file.replace(/\.js$/, '.wasm'));
  const factory = globalThis.tflite_web_api_ModuleFactory;
  globalThis.tflite_web_api_ModuleFactory = (options) => factory({ ...options, wasmBinary });
};

const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const tflite = require('@tensorflow/tfjs-tflite');

const NPY_DTYPES = {
  float32: Float32Array, int32: Int32Array, int16: Int16Array, int8: Int8Array,
  uint8: Uint8Array, bool: Uint8Array, float64: Float64Array,
};

// The runner reports shapes as a comma-separated string.
function dims(tensorInfo) {
  return String(tensorInfo.shape).split(',').filter((d) => d !== '').map(Number);
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INT_RANGES = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767],
                     int32: [-2147483648, 2147483647], bool: [0, 1] };

function seededArray(dtype, count, seed) {
  const next = mulberry32(seed);
  const Ctor = NPY_DTYPES[dtype];
  if (!Ctor) throw new Error(`cannot seed an input of type ${dtype}`);
  const data = new Ctor(count);
  if (dtype === 'float32' || dtype === 'float64') {
    for (let i = 0; i < count; ++i) data[i] = 2 * next() - 1;
  } else {
    const [lo, hi] = INT_RANGES[dtype];
    for (let i = 0; i < count; ++i) data[i] = lo + Math.floor(next() * (hi - lo + 1));
  }
  return data;
}

function describe(tensorInfo) {
  return { name: tensorInfo.name, dtype: tensorInfo.dataType, shape: dims(tensorInfo) };
}

async function main() {
  const argv = process.argv.slice(2);
  const info = argv.includes('--info');
  const args = parseRunnerArgs(argv.filter((arg) => arg !== '--info'), USAGE);
  const modelPath = args.positional[0];
  if (!modelPath || (!info && !args.outDir)) {
    process.stderr.write(`usage: ${USAGE}\n`);
    process.exit(1);
  }
  await tf.setBackend('cpu');
  tflite.setWasmPath(wasmDir);
  const bytes = fs.readFileSync(modelPath);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let model;
  try {
    model = await tflite.loadTFLiteModel(buffer, { numThreads: 1 });
  } catch (error) {
    process.stderr.write(`${modelPath}: TFLite failed to load the model: ${error.message || error}\n`);
    process.exit(2);
  }
  const runner = model.modelRunner;
  const inputs = runner.getInputs();
  if (info) {
    const outputs = runner.getOutputs();
    process.stdout.write(`${JSON.stringify({ inputs: inputs.map(describe),
                                              outputs: outputs.map(describe) })}\n`);
    return;
  }
  const given = new Map(args.inputs);
  const seed = args.flags.seed === undefined ? null : Number(args.flags.seed);
  fs.mkdirSync(args.outDir, { recursive: true });
  inputs.forEach((input, i) => {
    const file = given.get(input.name) ?? given.get(`#${i}`);
    let array;
    if (file !== undefined) {
      array = readNpy(file);
    } else if (seed !== null) {
      const shape = dims(input);
      array = { dtype: input.dataType, shape,
                data: seededArray(input.dataType, shape.reduce((a, b) => a * b, 1), seed + i) };
      writeNpy(path.join(args.outDir, `input${i}.npy`), array);
    } else {
      throw new Error(`no --input given for '${input.name}' (#${i})`);
    }
    const target = input.data();
    if (array.data.length !== target.length) {
      throw new Error(`input '${input.name}': ${array.data.length} values, the model wants ` +
                      `${target.length} (shape [${dims(input)}])`);
    }
    target.set(array.data);
  });
  if (!runner.infer()) throw new Error('infer() failed');
  // Read outputs only after infer(): their buffers may move when the runtime resizes tensors.
  const outputs = runner.getOutputs();
  fs.writeFileSync(path.join(args.outDir, 'info.json'),
                   `${JSON.stringify({ inputs: inputs.map(describe), outputs: outputs.map(describe) })}\n`);
  outputs.forEach((output, i) => {
    const data = output.data();
    const dtype = output.dataType;
    if (!NPY_DTYPES[dtype]) throw new Error(`output '${output.name}' has type ${dtype}`);
    writeNpy(path.join(args.outDir, `output${i}.npy`),
             { dtype, shape: dims(output), data: new NPY_DTYPES[dtype](data) });
  });
}

main().catch((error) => {
  process.stderr.write(`${error.message || error}\n`);
  process.exit(2);
});
