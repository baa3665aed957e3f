/** What the session assembler asks of the kernel side. */

/** What the assembler asks of the kernel side: hooking OpenSSH binaries, tracking, quieting. */
export interface BinaryHooks {
  /** Called when a process runs an OpenSSH image the tracer may not hook yet. */
  onOpenSshImage(pid: number, exe: string, key: string): void;
  /** Called when the kernel reports a new sshd listener. */
  onListener(pid: number): void;
  /** Called when a tracked process turns out to be a listener (a daemonizing sshd's child). */
  promoteListener(pid: number): void;
  /** Called to stop (or resume) copying the bytes of a transfer session's pipes. */
  quietPipes(inodes: bigint[], quiet: boolean): void;
}
