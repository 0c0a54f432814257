// ONNX Runtime oracle (onnxruntime-node, CPU, one thread, sequential execution).
//
//   node run_onnxruntime.mjs MODEL.onnx --input NAME=FILE.npy ... --out-dir D
//       runs one model; writes each output as D/<sanitized output name>.npy, or as
//       D/output<K>.npy with --file-names index (TFLite tensor names exceed 255 bytes).
//   node run_onnxruntime.mjs --batch CASES.jsonl --results RESULTS.jsonl [--timeout SECONDS]
//       runs many models, one JSON line each: {"id", "model", "inputs": {NAME: FILE}, "outDir"}.
//       A worker process runs the cases in order; a case that crashes or hangs the worker is
//       recorded as "crash" / "timeout" and a fresh worker continues with the next case.
//       RESULTS.jsonl gets one line per case: {"id", "status": "ok"|"error"|"crash"|"timeout",
//       "message"}.
//
// Exit codes: single mode 0 ok, 1 usage, 2 the run failed; batch mode 0 once every case has a
// recorded result (the caller judges them), 1 otherwise.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import ort from 'onnxruntime-node';

import { elementCount, outputFileNames, parseRunnerArgs, readNpy, writeNpy } from './npy.mjs';

const USAGE = 'run_onnxruntime.mjs MODEL --input NAME=FILE.npy ... --out-dir D\n' +
              '       run_onnxruntime.mjs --batch CASES.jsonl --results RESULTS.jsonl ' +
              '[--timeout SECONDS]';

const SESSION_OPTIONS = {
  // The default thread pool is far slower on this small machine and makes timings noisy.
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  executionProviders: ['cpu'],
  logSeverityLevel: 3,
};

function toOrtTensor(array) {
  const dims = array.shape;
  if (array.dtype === 'bool') return new ort.Tensor('bool', array.data, dims);
  return new ort.Tensor(array.dtype, array.data, dims);
}

function fromOrtTensor(name, tensor) {
  const known = ['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8',
                 'uint16', 'uint32', 'uint64', 'bool'];
  if (!known.includes(tensor.type)) {
    throw new Error(`output '${name}' has type ${tensor.type}, which .npy output does not cover`);
  }
  let { data } = tensor;
  if (tensor.type === 'float16' && !(data instanceof Uint16Array)) {
    data = new Uint16Array(data.buffer, data.byteOffset, data.length);
  }
  if (tensor.type === 'bool' && !(data instanceof Uint8Array)) {
    data = Uint8Array.from(data, (v) => (v ? 1 : 0));
  }
  const shape = Array.from(tensor.dims, Number);
  if (data.length !== elementCount(shape)) {
    throw new Error(`output '${name}': ${data.length} values for shape [${shape}]`);
  }
  return { dtype: tensor.type, shape, data };
}

async function runModel(modelPath, inputs, outDir, byIndex = false) {
  const session = await ort.InferenceSession.create(modelPath, SESSION_OPTIONS);
  try {
    const feeds = {};
    for (const [name, file] of inputs) {
      if (!session.inputNames.includes(name)) {
        throw new Error(`model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
      }
      feeds[name] = toOrtTensor(readNpy(file));
    }
    const missing = session.inputNames.filter((name) => !(name in feeds));
    if (missing.length) throw new Error(`no --input given for ${missing.join(', ')}`);
    const results = await session.run(feeds);
    fs.mkdirSync(outDir, { recursive: true });
    const files = byIndex ? session.outputNames.map((_, i) => `output${i}.npy`)
                          : outputFileNames(session.outputNames);
    session.outputNames.forEach((name, i) => {
      writeNpy(path.join(outDir, files[i]), fromOrtTensor(name, results[name]));
    });
  } finally {
    await session.release();
  }
}

function readCases(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

// Worker: runs cases[start...] and reports each one to the supervisor before and after.
async function workerMain(casesFile, start) {
  const cases = readCases(casesFile);
  for (let i = start; i < cases.length; ++i) {
    const { model, inputs, outDir } = cases[i];
    process.send({ begin: i });
    let status = 'ok';
    let message = '';
    try {
      await runModel(model, Object.entries(inputs), outDir);
    } catch (error) {
      status = 'error';
      message = String(error.message || error).split('\n')[0];
    }
    await new Promise((resolve) => process.send({ done: i, status, message }, resolve));
  }
  process.disconnect();
}

function runWorker(casesFile, start, timeoutMs, onResult) {
  return new Promise((resolve) => {
    const self = fileURLToPath(import.meta.url);
    const child = fork(self, ['--worker', casesFile, '--start', String(start)],
                       { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let current = -1;
    let timer = null;
    let stderrTail = '';
    child.stderr.on('data', (chunk) => { stderrTail = (stderrTail + chunk).slice(-2000); });
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        onResult({ index: current, status: 'timeout', message: `over ${timeoutMs / 1000} s` });
        current = -1;
        child.kill('SIGKILL');
      }, timeoutMs);
    };
    child.on('message', (msg) => {
      if (msg.begin !== undefined) {
        current = msg.begin;
        arm();
      } else if (msg.done !== undefined) {
        current = -1;
        clearTimeout(timer);
        onResult({ index: msg.done, status: msg.status, message: msg.message });
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let next = null;
      if (current >= 0) {
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        const lastLine = stderrTail.trim().split('\n').pop() || '';
        onResult({ index: current, status: 'crash', message: `${why} ${lastLine}`.trim() });
        next = current + 1;
      }
      resolve(next);
    });
  });
}

async function batchMain(casesFile, resultsFile, timeoutMs) {
  const cases = readCases(casesFile);
  const out = fs.openSync(resultsFile, 'w');
  const recorded = new Set();
  const record = ({ index, status, message }) => {
    if (index < 0 || recorded.has(index)) return;
    recorded.add(index);
    fs.writeSync(out, `${JSON.stringify({ id: cases[index].id, status, message })}\n`);
  };
  let start = 0;
  while (start < cases.length) {
    let lastRecorded = start - 1;
    const next = await runWorker(casesFile, start, timeoutMs, (result) => {
      record(result);
      lastRecorded = Math.max(lastRecorded, result.index);
    });
    if (next !== null) {
      start = next;
    } else if (lastRecorded < start) {
      // The worker died before starting a case (e.g. the runtime failed to load): blame that case
      // so the loop always advances.
      record({ index: start, status: 'crash', message: 'worker exited before running the case' });
      start += 1;
    } else {
      start = lastRecorded + 1;
    }
  }
  fs.closeSync(out);
  if (recorded.size !== cases.length) {
    process.stderr.write(`recorded ${recorded.size} of ${cases.length} cases\n`);
    process.exit(1);
  }
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    await workerMain(argv[1], Number(argv[3]));
    return;
  }
  const args = parseRunnerArgs(argv, USAGE);
  if (args.flags.batch !== undefined) {
    if (!args.flags.results) {
      process.stderr.write(`--batch needs --results\nusage: ${USAGE}\n`);
      process.exit(1);
    }
    await batchMain(args.flags.batch, args.flags.results, 1000 * Number(args.flags.timeout || 120));
    return;
  }
  if (args.positional.length !== 1 || !args.outDir) {
    process.stderr.write(`usage: ${USAGE}\n`);
    process.exit(1);
  }
  try {
    await runModel(args.positional[0], args.inputs, args.outDir,
                   args.flags['file-names'] === 'index');
  } catch (error) {
    process.stderr.write(`onnxruntime: ${args.positional[0]}: ${error.message || error}\n`);
    process.exit(2);
  }
}

await main();
