/** The text of a thrown value for a log line or a message: an Error's message, else its string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
