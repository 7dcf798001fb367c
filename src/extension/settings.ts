// The backprop.* settings, each read when it is needed and falling back to its default when unset
// or out of range.
import * as vscode from 'vscode';
import { DEFAULT_USER_CODE_SECONDS, userCodeSeconds } from '../call-clock';
import { DEFAULT_THRESHOLDS } from '../engine/health-thresholds';
import type { HealthThresholds } from '../engine/health-thresholds';
import { TRAINING_DEFAULTS } from './train-session';

/** The backprop.health.* settings. */
export function healthThresholds(): HealthThresholds {
  const config = vscode.workspace.getConfiguration('backprop.health');
  const read = (key: keyof HealthThresholds) => {
    const v = config.get<number>(key);
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : DEFAULT_THRESHOLDS[key];
  };
  return {
    explodingNorm: read('explodingNorm'),
    vanishingNorm: read('vanishingNorm'),
    deadFraction: read('deadFraction'),
    saturationEpsilon: read('saturationEpsilon'),
    saturatedFraction: read('saturatedFraction'),
  };
}

/** Ms one call into user code may run (backprop.customLayerTimeoutSeconds), validated as the CLI's --custom-timeout is. */
export function userCodeLimitMs(): number {
  const seconds = userCodeSeconds(vscode.workspace.getConfiguration('backprop').get('customLayerTimeoutSeconds'));
  return 1000 * (seconds ?? DEFAULT_USER_CODE_SECONDS);
}

/** The backprop.training.* settings. */
export function trainingSettings(): { snapshotEvery: number; snapshots: number } {
  const config = vscode.workspace.getConfiguration('backprop.training');
  const int = (key: string, fallback: number, max: number) => {
    const v = config.get<number>(key);
    return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= max ? v : fallback;
  };
  return { snapshotEvery: int('snapshotEvery', TRAINING_DEFAULTS.snapshotEvery, 1e9), snapshots: int('snapshots', TRAINING_DEFAULTS.snapshots, 1000) };
}

/** The interpreter for Python layers (backprop.python.path); undefined: the worker's default. */
export function pythonPath(): string | undefined {
  const path = vscode.workspace.getConfiguration('backprop.python').get<string>('path');
  return typeof path === 'string' && path.trim() !== '' ? path.trim() : undefined;
}
