// The one error type of ghostlines in JavaScript, apart from the component
// so that clients that only speak HTTP (node/stream.mjs) need no build.

/**
 * A failure with the WIT error's case as `kind` ('invalid-dimensions',
 * 'length-mismatch', 'too-large', 'invalid-parameter', 'timeout', ...) and
 * the component's own message; `detail` holds what else is known.
 */
export class GhostlinesError extends Error {
  constructor(kind, message, detail) {
    super(message);
    this.name = 'GhostlinesError';
    this.kind = kind;
    this.detail = detail;
  }
}
