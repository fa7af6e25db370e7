/**
 * The tasks' `generate` (tasks/generate.ts), made once by the server: the model manager's generation with
 * the live settings' sampling (`qedNano.generation.temperature` / `topP`, read at each call, so a change
 * applies to the next generation without a reload) unless a request brings its own.
 */
import type { QedNanoSettings } from '../protocol';
import type { Generate } from '../tasks/generate';
import type { ModelManager } from './modelManager';

export function liveGenerate(models: ModelManager, settings: () => QedNanoSettings): Generate {
  return (request, onChunk, signal) => {
    const { temperature, topP } = settings().generation;
    return models.generate({ ...request, sampling: request.sampling ?? { temperature, topP } }, onChunk, signal);
  };
}
