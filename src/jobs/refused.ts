/** A refusal of a whole job, in words for the page (e.g. ids outside the administrator's scope). */
export class JobRefusedError extends Error {
  override name = 'JobRefusedError';
}
