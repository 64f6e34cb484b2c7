// Saving and loading tensors as safetensors files, the format PyTorch's safetensors.torch.save_file and
// load_file use: g.save(module.stateDict(), path) here is torch's load_file(path) there, and back.
import { readFile, writeFile } from 'node:fs/promises';
import { Module, LoadStateDictResult } from '../nn/module';
import { Tensor } from '../tensor';
import { checkKnownKeys, typeError } from '../validate';
import { parseSafetensors, serializeSafetensors } from './safetensors';

export interface SaveOptions {
  /** String key-value pairs stored in the file's __metadata__. */
  metadata?: Record<string, string>;
}

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || path.length === 0) throw typeError('path', 'a non-empty string', path);
  return path;
}

/**
 * Writes `tensors` (a state dict, or any object or Map of tensors by name) to a safetensors file, in
 * their order. The data is captured when save() is called: later changes do not reach the file.
 */
export async function save(tensors: Record<string, Tensor> | Map<string, Tensor>, path: string, options: SaveOptions = {}): Promise<void> {
  checkPath(path);
  if (typeof options !== 'object' || options === null) throw typeError('options', 'an object { metadata? }', options);
  checkKnownKeys(options, 'save options', ['metadata']);
  const bytes = serializeSafetensors(tensors, options.metadata ?? {});
  await writeFile(path, bytes);
}

/** Every tensor of a safetensors file, by name, in the file's order. Malformed files throw a RangeError. */
export async function load(path: string): Promise<Record<string, Tensor>> {
  const bytes = await readFile(checkPath(path));
  return Object.fromEntries(parseSafetensors(bytes).tensors);
}

/** load(path), then module.loadStateDict(tensors, options). The loaded tensors are released afterwards. */
export async function loadInto(module: Module, path: string, options: { strict?: boolean } = {}): Promise<LoadStateDictResult> {
  if (!(module instanceof Module)) throw typeError('module', 'a Module', module);
  const tensors = await load(path);
  try {
    return module.loadStateDict(tensors, options);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}
