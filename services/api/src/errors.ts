import { VigilError } from '@vigil/common';

/** One field-level problem in a request: `path` like `body.label` or `query.limit`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * An error with an HTTP status, thrown by handlers and turned into the `{error}` body by the
 * app's error handler. Not retriable by default: the caller must change the request.
 */
export class ApiError extends VigilError {
  readonly status: number;
  readonly issues: FieldIssue[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      issues?: FieldIssue[];
      headers?: Record<string, string>;
      retriable?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(code, message, { retriable: options.retriable ?? false, cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.issues = options.issues;
    this.headers = options.headers ?? {};
  }
}
