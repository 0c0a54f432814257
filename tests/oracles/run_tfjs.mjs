// TF.js oracle: @tensorflow/tfjs 4.22.0 on the WebAssembly backend (single thread), or on its
// pure-JavaScript `cpu` backend with --backend cpu.
//
//   node run_tfjs.mjs MODEL_DIR_OR_JSON_OR_PB --input NAME=FILE.npy ... --out-dir D
//       [--output NAME[,NAME...]] [--backend wasm|cpu]
//
// The two backends are independent kernels: wasm is XNNPACK (float32 SIMD, its own summation
// order), cpu is tfjs-backend-cpu's plain JavaScript loops. cpu is NOT a float64 run: its
// Conv2D and DepthwiseConv2dNative add each product (formed in a double) straight into the
// float32 output array, so every partial sum is rounded to float32 in input-channel order; only
// its MatMul sums 48-element blocks in a double.
//
// Loads a TF.js graph model (model.json + shards, or its folder) from disk through a custom
// IOHandler; a frozen GraphDef (.pb/.pbtxt) is first turned into one by tfjs_from_graphdef.py.
// Runs the signature outputs (or --output) and writes D/<sanitized name>.npy per output, the
// name without a ":0" suffix (the name nnport gives the graph output).
// Exit codes: 0 ok, 1 usage, 2 the run failed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { outputFileNames, parseRunnerArgs, readNpy, writeNpy } from './npy.mjs';

const USAGE = 'run_tfjs.mjs MODEL_DIR_OR_JSON_OR_PB --input NAME=FILE.npy ... --out-dir D ' +
              '[--output NAME,...] [--backend wasm|cpu]';
const BACKENDS = ['wasm', 'cpu'];
const HERE = path.dirname(fileURLToPath(import.meta.url));

function modelJsonPath(model) {
  if (fs.statSync(model).isDirectory()) return path.join(model, 'model.json');
  if (/\.(pb|pbtxt)$/.test(model)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-graphdef-'));
    execFileSync('/usr/bin/python3', [path.join(HERE, 'tfjs_from_graphdef.py'), model, dir],
                 { stdio: ['ignore', 'ignore', 'inherit'] });
    return path.join(dir, 'model.json');
  }
  return model;
}

// Reads model.json and its shards into the ModelArtifacts tf.loadGraphModel expects.
function diskHandler(jsonFile) {
  return {
    load: async () => {
      const model = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
      const folder = path.dirname(jsonFile);
      const weightSpecs = [];
      const buffers = [];
      for (const group of model.weightsManifest || []) {
        for (const p of group.paths) buffers.push(fs.readFileSync(path.join(folder, p)));
        weightSpecs.push(...group.weights);
      }
      const all = Buffer.concat(buffers);
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return {
        modelTopology: model.modelTopology,
        format: model.format,
        generatedBy: model.generatedBy,
        convertedBy: model.convertedBy,
        signature: model.signature,
        userDefinedMetadata: model.userDefinedMetadata,
        modelInitializer: model.modelInitializer,
        weightSpecs,
        weightData,
      };
    },
  };
}

function toTfTensor(array, name) {
  const { dtype, shape, data } = array;
  if (dtype === 'float32') return tf.tensor(data, shape, 'float32');
  if (dtype === 'int32') return tf.tensor(data, shape, 'int32');
  if (dtype === 'bool') return tf.tensor(data, shape, 'bool');
  if (dtype === 'int64') return tf.tensor(Int32Array.from(data, Number), shape, 'int32');
  if (dtype === 'float64') return tf.tensor(Float32Array.from(data), shape, 'float32');
  throw new Error(`input '${name}': dtype ${dtype} is not supported by tfjs`);
}

async function fromTfTensor(tensor) {
  const data = await tensor.data();
  const shape = tensor.shape.slice();
  if (tensor.dtype === 'float32') return { dtype: 'float32', shape, data };
  if (tensor.dtype === 'int32') return { dtype: 'int32', shape, data };
  if (tensor.dtype === 'bool') return { dtype: 'bool', shape, data: Uint8Array.from(data) };
  throw new Error(`output dtype ${tensor.dtype} is not supported`);
}

const plainName = (name) => name.replace(/:0$/, '');

async function main() {
  const args = parseRunnerArgs(process.argv.slice(2), USAGE);
  if (args.positional.length !== 1 || !args.outDir) {
    process.stderr.write(`usage: ${USAGE}\n`);
    process.exit(1);
  }
  const backend = args.flags.backend || 'wasm';
  if (!BACKENDS.includes(backend)) {
    process.stderr.write(`--backend must be one of ${BACKENDS.join(', ')}\nusage: ${USAGE}\n`);
    process.exit(1);
  }
  if (backend === 'wasm') {
    setWasmPaths(path.join(HERE, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/'));
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to start`);
  await tf.ready();
  const model = await tf.loadGraphModel(diskHandler(modelJsonPath(args.positional[0])));
  const feeds = {};
  for (const [name, file] of args.inputs) feeds[plainName(name)] = toTfTensor(readNpy(file), name);
  const outputs = args.flags.output ? args.flags.output.split(',') : model.outputs.map((o) => o.name);
  // execute() covers graphs without control flow or dynamic shapes; the rest need executeAsync.
  let results;
  try {
    results = model.execute(feeds, outputs);
  } catch (error) {
    if (!/executeAsync|dynamic|control flow/.test(String(error.message))) throw error;
    results = await model.executeAsync(feeds, outputs);
  }
  if (!Array.isArray(results)) results = [results];
  fs.mkdirSync(args.outDir, { recursive: true });
  const files = outputFileNames(outputs.map(plainName));
  for (let i = 0; i < outputs.length; ++i) {
    writeNpy(path.join(args.outDir, files[i]), await fromTfTensor(results[i]));
  }
}

main().catch((error) => {
  process.stderr.write(`run_tfjs: ${error.stack || error}\n`);
  process.exit(2);
});
