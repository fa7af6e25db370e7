import { UserFacingError } from '../errors';

/** A task that could not give its result, with a message the user reads and a next step in it. */
export class TaskError extends UserFacingError {}
