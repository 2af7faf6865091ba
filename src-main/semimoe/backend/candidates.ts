/**
 * The backends the trainer can run on, fastest first, each loaded on demand so that a missing
 * optional package (tfjs-node needs a libtensorflow download that fails on many machines) is
 * a recorded reason to try the next, never a crash at import time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerCpuKernels } from './cpu-kernels/index';
import { tfjsNodeProblem } from './tfjs-node-probe';
import { wasmBinaryDirectory } from './wasm-files';
import { registerWasmKernels } from './wasm-kernels/index';

export type BackendId = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface LoadedBackend {
  /** The tfjs backend name now active ('tensorflow', 'wasm', 'cpu'). */
  name: string;
  /** What the UI and CLI show, e.g. "wasm (SIMD, 1 thread)". */
  detail: string;
}

export interface BackendCandidate {
  readonly id: BackendId;
  /** Makes this backend the active one, or throws saying why it cannot. */
  load(): Promise<LoadedBackend>;
}

async function activate(name: string): Promise<void> {
  // setBackend logs an initialisation error and resolves false rather than throwing.
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed to initialise it`);
}

function tensorflowCandidate(id: 'tensorflow-gpu' | 'tensorflow', packageName: string, build: string): BackendCandidate {
  return {
    id,
    async load() {
      const problem = tfjsNodeProblem(packageName);
      if (problem) throw new Error(problem);
      // Deterministic kernels given a seed (libtensorflow reads this when it loads).
      process.env.TF_DETERMINISTIC_OPS ??= '1';
      // A variable specifier: TypeScript and bundlers must not require this optional package.
      const tfnode = (await import(/* @vite-ignore */ packageName)) as { version?: { tensorflow?: string } };
      await activate('tensorflow');
      const version = tfnode.version?.tensorflow ?? 'unknown version';
      return { name: 'tensorflow', detail: `tensorflow (libtensorflow ${version}, ${build})` };
    },
  };
}

let wasmPathsSet = false;

const wasmCandidate: BackendCandidate = {
  id: 'wasm',
  async load() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPathsSet) {
      // Must precede the backend's first initialisation (it throws afterwards).
      wasm.setWasmPaths(wasmBinaryDirectory());
      wasmPathsSet = true;
    }
    registerWasmKernels();
    // The multi-threaded build is never used under Node: tfjs-backend-wasm reports no thread
    // support there (it would start its workers from a Blob URL, which Node's Worker refuses).
    await activate('wasm');
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const threads = wasm.getThreadsCount();
    return { name: 'wasm', detail: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})` };
  },
};

const cpuCandidate: BackendCandidate = {
  id: 'cpu',
  async load() {
    await import('@tensorflow/tfjs-backend-cpu');
    registerCpuKernels();
    await activate('cpu');
    return { name: 'cpu', detail: 'cpu (plain JavaScript, 1 thread)' };
  },
};

/** In order of preference: CUDA, libtensorflow on the CPU, WebAssembly, plain JavaScript. */
export const BACKEND_CANDIDATES: readonly BackendCandidate[] = [
  tensorflowCandidate('tensorflow-gpu', '@tensorflow/tfjs-node-gpu', 'GPU build'),
  tensorflowCandidate('tensorflow', '@tensorflow/tfjs-node', 'CPU build'),
  wasmCandidate,
  cpuCandidate,
];
