/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Record layouts shared by sshtrace.bpf.c and the one TypeScript decoder (src/tracer/records.ts).
 * Every record starts with struct rec_header; fields are fixed width with explicit padding.
 * Change a struct here and its decoder there together: records_test.ts checks them against BTF.
 */
#ifndef SSHTRACE_H
#define SSHTRACE_H

/* Limits. */
#define SSHTRACE_PATH_MAX 4096   /* exec filename and open() path bytes kept */
#define SSHTRACE_ARGS_MAX 24576  /* argv bytes kept (NUL separated); the rest is counted */
#define SSHTRACE_CHUNK_MAX 16384 /* data bytes per rec_io; larger reads are split */
#define SSHTRACE_CHUNKS_MAX 8    /* chunks per read/write call; beyond that the bytes are a gap */
#define SSHTRACE_CWD_MAX 4096    /* bytes of cwd components kept */
#define SSHTRACE_CWD_DEPTH 48    /* directory levels walked for the cwd */
#define SSHTRACE_NAME_MAX 256    /* bytes of one path component */
#define SSHTRACE_SCRATCH 65536   /* per-CPU staging buffer for one record */

/* Record types: one enum for every record the ring buffer carries. */
enum rec_type {
	REC_FORK = 1,  /* a tracked process forked (rec_fork) */
	REC_EXEC = 2,  /* a tracked process, or an sshd listener, exec'd (rec_exec) */
	REC_EXIT = 3,  /* a tracked process or listener ended (rec_exit) */
	REC_IO = 4,    /* sshd read or wrote session data (rec_io) */
	REC_OPEN = 5,  /* scp, sftp-server or internal-sftp opened a file (rec_open) */
	REC_WINSIZE = 6, /* sshd set a session terminal's size (rec_winsize) */
};

/* Header flags. */
enum rec_flag {
	RF_NEW_CONN = 1 << 0,   /* rec_fork: the parent is an sshd listener: a new connection */
	RF_LISTENER = 1 << 1,   /* rec_exec/rec_exit: the process is an sshd listener */
	RF_ARGS_TRUNC = 1 << 2, /* rec_exec: argv was longer than SSHTRACE_ARGS_MAX */
	RF_ECHO_OFF = 1 << 3,   /* rec_io: input while the terminal had echo off: data withheld */
	RF_FAULT = 1 << 4,      /* the user memory could not be read: data missing */
	RF_NO_ECHO = 1 << 5,    /* rec_io input: the terminal had echo off (line mode or not) */
};

/* Kinds of file descriptor that carry session data, decided in the kernel from the inode. */
enum fd_kind {
	FD_OTHER = 0,
	FD_PTMX = 1, /* the pty master (/dev/ptmx, 5:2): the user's terminal */
	FD_PIPE = 2, /* a pipe: stdin/stdout/stderr of a session without a terminal */
	FD_PTS = 3,  /* a pty slave (/dev/pts/N): a command's terminal */
};

/* fd_ident flags. */
enum fd_flag {
	FDF_READ_INFLIGHT = 1, /* sshd was inside a read() of this pipe that had taken bytes */
};

/* Directions of rec_io, seen from sshd. */
enum io_dir {
	IO_OUTPUT = 0, /* sshd read it from the session: it goes to the client's screen */
	IO_INPUT = 1,  /* sshd wrote it to the session: the client's keystrokes or stdin */
};

/* Reasons the kernel side lost data; indexes of the gap_counts map. */
enum gap_reason {
	GAP_RINGBUF_FULL = 0, /* bpf_ringbuf_output failed: consumer too slow */
	GAP_READ_FAULT = 1,   /* bpf_probe_read_user failed */
	GAP_TOO_LARGE = 2,    /* one read/write exceeded SSHTRACE_CHUNKS_MAX chunks */
	GAP_PENDING_FULL = 3, /* no room to remember a read in flight */
	GAP_PROCS_FULL = 4,   /* no room to track a new session process */
	GAP_REASONS = 5,
};

/* Common header of every record. */
struct rec_header {
	__u16 type;  /* enum rec_type */
	__u16 flags; /* enum rec_flag bits */
	__u32 size;  /* whole record in bytes, header included */
	__u64 ktime; /* bpf_ktime_get_boot_ns() */
};

/* REC_FORK — decoded by decodeFork(). */
struct rec_fork {
	struct rec_header h;
	__u32 parent_tgid;
	__u32 child_tgid;
	__u32 conn_tgid; /* the connection's first process (ptm_pid) */
	__u32 uid;
	__u64 child_start; /* child's start_boottime, ns: with the pid, a unique process key */
};

/*
 * Identity and kind of one standard descriptor of a process at exec or exit, and how many bytes
 * written to it were not read yet by the other end (sshd): with the bytes sshd has read so far,
 * that places the process's output exactly in the session's stream.
 */
struct fd_ident {
	__u64 ino;
	__u32 rdev;    /* kernel dev_t: major << 20 | minor */
	__u16 kind;    /* enum fd_kind, or FD_OTHER */
	__u16 flags;   /* FDF_* */
	__u32 pending; /* unread bytes: pipe buffers, or the pty master's flip and read buffers
			* plus what a read in flight already took (see mark_inflight) */
	__s32 tty_index; /* pts number for FD_PTS, else -1 */
};

/* TCP endpoints of a socket on fd 0 (sshd's client connection), network byte order addresses. */
struct sock_ident {
	__u16 family; /* AF_INET 2, AF_INET6 10, 0 when fd 0 is no TCP socket */
	__u16 local_port;
	__u16 remote_port;
	__u16 pad;
	__u8 local_addr[16]; /* IPv4 uses the first 4 bytes */
	__u8 remote_addr[16];
};

/*
 * REC_EXEC — decoded by decodeExec(). Followed by the filename, then the cwd as NUL-terminated
 * components from the leaf up to the process's root, then argv (NUL separated).
 */
struct rec_exec {
	struct rec_header h;
	__u32 tgid;
	__u32 ppid;
	__u32 conn_tgid; /* 0 for a listener */
	__u32 uid;
	__u32 gid;
	__s32 tty_index; /* controlling terminal's pts number, -1 without one */
	__u64 start;     /* start_boottime, ns */
	__u64 exe_ino;   /* inode of the exec'd file, to hook OpenSSH binaries */
	__u32 exe_dev;
	__u32 sid;          /* session id: equals tgid for a session leader (sshd's session child) */
	__u32 filename_len; /* bytes of the filename, NUL included */
	__u32 args_len;     /* bytes of argv, after the cwd */
	__u32 args_full;    /* argv bytes the process really has */
	__u32 cwd_len;      /* bytes of cwd components, after the filename */
	struct fd_ident fds[3];
	struct sock_ident sock;
	__u32 pgid; /* process group: a pty's foreground group owns its output */
	__u32 pad2;
};

/* REC_EXIT — decoded by decodeRecord(). The fds are read before the process's files close. */
struct rec_exit {
	struct rec_header h;
	__u32 tgid;
	__u32 ppid;
	__u32 conn_tgid;
	__u32 exit_code; /* wait status: (status << 8) | signal */
	__u64 start;
	__u64 wchar; /* bytes the process wrote with write(2) and friends, to any file */
	struct fd_ident fds[3];
};

/* REC_IO — decoded by decodeIo(). Followed by data bytes. */
struct rec_io {
	struct rec_header h;
	__u32 tgid;
	__u32 conn_tgid;
	__s32 fd;
	__u16 kind;      /* enum fd_kind */
	__u16 dir;       /* enum io_dir */
	__u64 ino;       /* pipe inode, or ptmx inode */
	__s32 tty_index; /* pts number behind a ptmx, -1 for a pipe */
	__u32 total;     /* bytes the whole call moved */
	__u32 offset;    /* where this chunk starts in the call */
	__u32 len;       /* data bytes in this record */
	__u64 start_ktime; /* when the call began (h.ktime: when it returned) */
	__u32 sid;         /* session id of the caller: internal-sftp's child is a session leader */
	__u32 fg_pgrp;     /* foreground process group of the pty (0 for a pipe): who owns output */
};

/* REC_OPEN — decoded by decodeRecord(). Followed by the path, then the cwd components (as in
 * rec_exec): both read at the call, so a transfer that ends at once is still complete. */
struct rec_open {
	struct rec_header h;
	__u32 tgid;
	__u32 conn_tgid;
	__s32 ret;    /* the fd, or -errno */
	__u32 flags;  /* open(2) flags */
	__u32 mode;   /* open(2) mode argument */
	__u32 path_len;
	__u32 i_mode; /* type and permissions of the opened file (0 when the open failed) */
	__u32 cwd_len;
};

/* REC_WINSIZE — decoded by decodeRecord(). sshd's ioctl(TIOCSWINSZ) on the pty master, at
 * allocation and on each window-change request of the client. */
struct rec_winsize {
	struct rec_header h;
	__u32 tgid;
	__u32 conn_tgid;
	__s32 tty_index;
	__u16 rows;
	__u16 columns;
};

/* Gap counter value, per CPU and reason. */
struct gap_count {
	__u64 events;
	__u64 bytes;
};

/* Sizes the TypeScript decoder relies on. */
_Static_assert(sizeof(struct rec_header) == 16, "rec_header size");
_Static_assert(sizeof(struct rec_fork) == 40, "rec_fork size");
_Static_assert(sizeof(struct fd_ident) == 24, "fd_ident size");
_Static_assert(sizeof(struct sock_ident) == 40, "sock_ident size");
_Static_assert(sizeof(struct rec_exec) == 200, "rec_exec size");
_Static_assert(sizeof(struct rec_exit) == 120, "rec_exit size");
_Static_assert(sizeof(struct rec_io) == 72, "rec_io size");
_Static_assert(sizeof(struct rec_open) == 48, "rec_open size");
_Static_assert(sizeof(struct rec_open) + SSHTRACE_PATH_MAX + SSHTRACE_CWD_MAX - SSHTRACE_NAME_MAX < 8192,
	       "open cwd components start below the verifier mask of write_cwd");
_Static_assert(sizeof(struct rec_winsize) == 32, "rec_winsize size");
_Static_assert(sizeof(struct gap_count) == 16, "gap_count size");
_Static_assert(sizeof(struct rec_exec) + SSHTRACE_PATH_MAX + SSHTRACE_CWD_MAX - SSHTRACE_NAME_MAX < 8192,
	       "cwd components start below the verifier mask of write_cwd");

#endif /* SSHTRACE_H */
