/**
 * The product version, shown by `sshlog version` and answered by the daemon's `version` request.
 * @module
 */

/** The sshlog version string (semver). */
export const VERSION = "0.1.0";
