import { isTransientError } from '@clearance/kafka';
import { ProblemException } from '@clearance/platform';
import { RegistryConflictError } from '../registry/subject.repository';
import { InvalidSubjectError, StaleUpdateError, SubjectNotFoundError } from '../registry/subject.service';

/** Registry failures as HTTP problems: nothing was changed in any of these cases. */
export function asProblem(err: unknown): unknown {
  if (err instanceof SubjectNotFoundError) return new ProblemException(404, err.message);
  if (err instanceof RegistryConflictError)
    return new ProblemException(409, `${err.message}; read and retry`);
  if (err instanceof InvalidSubjectError) return new ProblemException(400, err.message);
  if (err instanceof StaleUpdateError) return new ProblemException(409, err.message);
  // mongoose's own connection-state errors (e.g. "before initial connection is complete") are MongooseError
  if (isTransientError(err) || (err instanceof Error && err.name === 'MongooseError'))
    return new ProblemException(503, 'registry unavailable; retry later', { 'retry-after': '5' });
  return err;
}

export async function mapRegistryErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asProblem(err);
  }
}
