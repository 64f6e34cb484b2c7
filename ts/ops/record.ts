// Recording an op on the tape: a node whose backward is a closure over the tensors it saved.
import { GradArray, GradNode, SavedTensor, attach, needsGrad } from '../autograd';
import { Tensor } from '../tensor';

/** Gradients of the inputs (null where none), given those of the outputs and the saved tensors. */
export type BackwardFn = (outputGrads: (GradArray | null)[], saved: Tensor[]) => (GradArray | null)[];

class FunctionNode implements GradNode {
  released = false;
  readonly outputShapes: readonly (readonly number[])[];
  private saved: SavedTensor[];

  constructor(
    readonly name: string,
    readonly inputs: readonly (Tensor | null)[],
    outputs: Tensor[],
    save: Tensor[],
    private readonly backwardFn: BackwardFn,
  ) {
    this.outputShapes = outputs.map((t) => t.shape);
    this.saved = save.map((t) => new SavedTensor(t));
  }

  backward(outputGrads: (GradArray | null)[]): (GradArray | null)[] {
    return this.backwardFn(outputGrads, this.saved.map((s) => s.tensor));
  }

  release(): void {
    this.saved.forEach((s) => s.release());
    this.saved = [];
    this.released = true;
  }
}

/**
 * Records `outputs` as made from `inputs` when any input requires gradients. `save` lists the
 * tensors backward reads (kept alive and checked for in-place changes).
 */
export function record(name: string, inputs: (Tensor | null)[], outputs: Tensor[], save: Tensor[], backward: BackwardFn): void {
  if (needsGrad(inputs)) attach(new FunctionNode(name, inputs, outputs, save, backward), outputs);
}
