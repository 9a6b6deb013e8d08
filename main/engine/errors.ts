import type { ApiError } from '../../shared/api.ts';

/** An error whose message is meant for the user, with a code each face maps to its own status (HTTP, exit code). */
export class EngineError extends Error {
  constructor(
    readonly code: ApiError['code'],
    message: string,
    /** the same request may succeed if sent again (the engine's process was restarting) */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** The HTTP status of an error code: the one map the HTTP server and the glimpse:// protocol both answer with. */
const HTTP_STATUS: Record<ApiError['code'], number> = { invalid: 400, not_found: 404, forbidden: 403, internal: 500, unavailable: 503 };

export function httpStatus(code: ApiError['code']): number {
  return HTTP_STATUS[code];
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof EngineError)
    return e.retryable ? { error: e.message, code: e.code, retryable: true } : { error: e.message, code: e.code };
  const err = e as { name?: string; issues?: { path: (string | number)[]; message: string }[]; message?: string };
  if (err?.name === 'ZodError' && err.issues) {
    return {
      error: `invalid request: ${err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      code: 'invalid',
    };
  }
  return { error: err?.message ?? String(e), code: 'internal' };
}
