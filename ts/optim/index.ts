// Optimizers and learning-rate schedulers with PyTorch's semantics and defaults.
export { Optimizer } from './optimizer';
export type { Hyperparameters, ParamGroup, ParamGroupInput, ParamsInput, ParamState, OptimizerStateDict } from './optimizer';
export { SGD } from './sgd';
export type { SGDOptions, SGDHyperparameters, SGDState } from './sgd';
export { Adam } from './adam';
export type { AdamOptions, AdamHyperparameters, AdamState } from './adam';
export { AdamW } from './adamw';
export { RMSprop } from './rmsprop';
export type { RMSpropOptions, RMSpropHyperparameters, RMSpropState } from './rmsprop';
export { LRScheduler, StepLR, ExponentialLR, ReduceLROnPlateau } from './lr_scheduler';
export type { StepLROptions, ExponentialLROptions, ReduceLROnPlateauOptions } from './lr_scheduler';
