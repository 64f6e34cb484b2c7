// Scopes of g.tidy(): every tensor made while a scope is open is recorded in it.

export interface Disposable {
  dispose(): void;
}

const scopes: Set<Disposable>[] = [];

/** Called by every new tensor. */
export function track(tensor: Disposable): void {
  scopes[scopes.length - 1]?.add(tensor);
}

/** Takes a tensor out of the open scope (parameters, buffers: they belong to their module). */
export function untrack(tensor: Disposable): void {
  scopes[scopes.length - 1]?.delete(tensor);
}

export function openScope(): Set<Disposable> {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  return scope;
}

/** Closes the innermost scope, disposing what it recorded except `keep`, which moves to the outer scope. */
export function closeScope(scope: Set<Disposable>, keep: Set<Disposable>): void {
  if (scopes[scopes.length - 1] !== scope) throw new Error('gated: internal error: tidy scopes closed out of order');
  scopes.pop();
  for (const tensor of scope) {
    if (keep.has(tensor)) track(tensor);
    else tensor.dispose();
  }
}
