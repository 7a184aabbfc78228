/**
 * A failure with the WIT error's case as `kind` ('invalid-dimensions',
 * 'length-mismatch', 'size-mismatch', 'too-large', 'invalid-parameter', and
 * over HTTP 'timeout', 'not-found', ...) and the component's own message.
 * `detail` holds what else is known: the WIT error's fields, or for a
 * stream the HTTP status ({ status }) or the frames done ({ frames }).
 */
export class GhostlinesError extends Error {
  constructor(kind: string, message: string, detail?: unknown);
  readonly name: 'GhostlinesError';
  readonly kind: string;
  readonly detail: unknown;
}
