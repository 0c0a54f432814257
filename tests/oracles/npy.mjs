// NumPy .npy read/write for the JavaScript oracle runners (format versions 1-3, C order,
// little-endian), plus the command-line contract every runner shares.
//
// An array is { dtype, shape, data }: dtype is an nnport dtype name ("float32", "int64", ...),
// shape a plain array of numbers, data a typed array of the element type (float16 stays raw
// bits in a Uint16Array, bool is a Uint8Array of 0/1).
import fs from 'node:fs';

const MAGIC = '\x93NUMPY';

// nnport dtype name -> [numpy descr without byte order, typed array, bytes per element]
const DTYPES = {
  float32: ['f4', Float32Array, 4],
  float64: ['f8', Float64Array, 8],
  float16: ['f2', Uint16Array, 2],
  int8: ['i1', Int8Array, 1],
  int16: ['i2', Int16Array, 2],
  int32: ['i4', Int32Array, 4],
  int64: ['i8', BigInt64Array, 8],
  uint8: ['u1', Uint8Array, 1],
  uint16: ['u2', Uint16Array, 2],
  uint32: ['u4', Uint32Array, 4],
  uint64: ['u8', BigUint64Array, 8],
  bool: ['b1', Uint8Array, 1],
};

const DTYPE_BY_DESCR = Object.fromEntries(
  Object.entries(DTYPES).map(([name, [descr]]) => [descr, name]));

export function elementCount(shape) {
  return shape.reduce((n, d) => n * d, 1);
}

// Parses the header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }
function parseHeader(text, file) {
  const field = (key) => {
    const m = text.match(new RegExp(`'${key}'\\s*:\\s*('[^']*'|True|False|\\([^)]*\\))`));
    if (!m) throw new Error(`${file}: .npy header has no '${key}'`);
    return m[1];
  };
  const descr = field('descr').slice(1, -1);
  if (field('fortran_order') !== 'False') throw new Error(`${file}: Fortran-order .npy unsupported`);
  const shapeText = field('shape').slice(1, -1).trim();
  const shape = shapeText === '' ? [] :
    shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
      if (!/^\d+$/.test(s)) throw new Error(`${file}: bad .npy shape '${shapeText}'`);
      return Number(s);
    });
  let code = descr;
  if (descr.length === 3) {
    if (descr[0] === '>' && descr.slice(1) !== 'i1' && descr.slice(1) !== 'u1' &&
        descr.slice(1) !== 'b1') {
      throw new Error(`${file}: big-endian .npy unsupported (${descr})`);
    }
    code = descr.slice(1);
  }
  const dtype = DTYPE_BY_DESCR[code];
  if (!dtype) throw new Error(`${file}: unsupported .npy dtype '${descr}'`);
  return { dtype, shape };
}

export function readNpy(file) {
  const bytes = fs.readFileSync(file);
  if (bytes.length < 10 || bytes.toString('latin1', 0, 6) !== MAGIC) {
    throw new Error(`${file}: not a .npy file`);
  }
  const major = bytes[6];
  let headerLength;
  let headerStart;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    headerLength = bytes.readUInt32LE(8);
    headerStart = 12;
  } else {
    throw new Error(`${file}: unsupported .npy version ${major}`);
  }
  const dataStart = headerStart + headerLength;
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', headerStart, dataStart);
  const { dtype, shape } = parseHeader(header, file);
  const [, ArrayType, size] = DTYPES[dtype];
  const count = elementCount(shape);
  if (bytes.length - dataStart !== count * size) {
    throw new Error(`${file}: .npy holds ${bytes.length - dataStart} data bytes, shape needs ` +
                    `${count * size}`);
  }
  // Copy into a fresh, aligned buffer: the file buffer's data offset need not be aligned.
  const data = new ArrayType(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart, dataStart + count * size));
  return { dtype, shape, data };
}

export function encodeNpy({ dtype, shape, data }) {
  const entry = DTYPES[dtype];
  if (!entry) throw new Error(`cannot write dtype '${dtype}' as .npy`);
  const [code, , size] = entry;
  const byteOrder = size === 1 ? '|' : '<';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${byteOrder}${code}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1: 10-byte preamble, header padded with spaces and ended by '\n' to a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const preamble = Buffer.alloc(10);
  preamble.write(MAGIC, 0, 'latin1');
  preamble[6] = 1;
  preamble[7] = 0;
  preamble.writeUInt16LE(header.length, 8);
  const count = elementCount(shape);
  if (data.length !== count) {
    throw new Error(`array of shape [${shape}] needs ${count} values, has ${data.length}`);
  }
  const payload = Buffer.from(data.buffer, data.byteOffset, count * size);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), payload]);
}

// Writes through a temporary file in the same folder so no half-written .npy is ever seen.
export function writeNpy(file, array) {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, encodeNpy(array));
  fs.renameSync(temp, file);
}

// Output file names for a list of tensor names, the rule of `nnport run`: characters other than
// letters, digits, '.', '-' and '_' become '_' (TF names such as "scope/op:0" contain '/' and
// ':'), so does a leading '.', an empty name is "_", and names that collide afterwards get "_2",
// "_3", ... in output order. Returns file names without the folder, with ".npy".
export function outputFileNames(names) {
  const used = new Set();
  return names.map((name) => {
    let base = (name === '' ? '_' : name).replace(/[^A-Za-z0-9._-]/g, '_');
    if (base.startsWith('.')) base = `_${base.slice(1)}`;
    let candidate = base;
    for (let i = 2; used.has(candidate); ++i) candidate = `${base}_${i}`;
    used.add(candidate);
    return `${candidate}.npy`;
  });
}

// IEEE half bits -> float (exact).
export function halfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

// Parses `MODEL [MODEL2...] --input NAME=FILE.npy ... --out-dir D [--flag value...]`.
// Returns { positional, inputs: [[name, file]...], outDir, flags: {name: value} }.
export function parseRunnerArgs(argv, usage) {
  const result = { positional: [], inputs: [], outDir: null, flags: {} };
  const fail = (message) => {
    process.stderr.write(`${message}\nusage: ${usage}\n`);
    process.exit(1);
  };
  for (let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if (arg === '--input') {
      const spec = argv[++i];
      const eq = spec ? spec.lastIndexOf('=') : -1;
      if (eq <= 0) fail(`--input wants NAME=FILE.npy, got '${spec}'`);
      result.inputs.push([spec.slice(0, eq), spec.slice(eq + 1)]);
    } else if (arg === '--out-dir') {
      result.outDir = argv[++i];
      if (!result.outDir) fail('--out-dir wants a folder');
    } else if (arg.startsWith('--')) {
      const value = argv[++i];
      if (value === undefined) fail(`${arg} wants a value`);
      result.flags[arg.slice(2)] = value;
    } else {
      result.positional.push(arg);
    }
  }
  return result;
}
