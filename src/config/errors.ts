/** A position in a configuration file, 1-based; 0 when the problem has no line (a missing file). */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/** One configuration problem at a file, line and column; prints as `FILE:LINE:COL: message`. */
export class ConfigError extends SyntaxError {
  /** The file (or directory) the problem is in. */
  readonly file: string;
  /** 1-based line, 0 when the problem concerns the whole file. */
  readonly line: number;
  /** 1-based column, 0 when the problem concerns the whole file. */
  readonly col: number;

  /** Creates a problem at a position of a file. */
  constructor(file: string, position: SourcePosition, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigError";
    this.file = file;
    this.line = position.line;
    this.col = position.col;
  }

  /** `FILE:LINE:COL: message`, or `FILE: message` without a position. */
  override toString(): string {
    return this.line > 0
      ? `${this.file}:${this.line}:${this.col}: ${this.message}`
      : `${this.file}: ${this.message}`;
  }
}

/** Collects errors and warnings while a configuration is checked. */
export class ProblemList {
  readonly errors: ConfigError[] = [];
  readonly warnings: ConfigError[] = [];

  /** Records an error. */
  error(file: string, position: SourcePosition, message: string, cause?: unknown): void {
    this.errors.push(
      new ConfigError(file, position, message, cause === undefined ? undefined : { cause }),
    );
  }

  /** Records a warning: reported, but the configuration is still used. */
  warn(file: string, position: SourcePosition, message: string): void {
    this.warnings.push(new ConfigError(file, position, message));
  }
}

/** No position: the problem concerns the whole file or directory. */
export const NO_POSITION: SourcePosition = { line: 0, col: 0 };
