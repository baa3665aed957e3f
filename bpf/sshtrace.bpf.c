// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sshtrace: passive capture of OpenSSH sessions.
 *
 * How it hooks, and why (see DESIGN.md for the measurements):
 *  - Process lineage comes from the rare sched tracepoints (fork, exec, exit). A process enters
 *    the `procs` map when an sshd listener forks it (a new connection) or when a tracked process
 *    forks it; every descendant of a connection is therefore tracked from its first instruction,
 *    whatever OpenSSH's process layout is (9.x rexec'd `sshd -R`, 10.x `sshd-session` and
 *    `sshd-auth`, root logins without a [priv] monitor).
 *  - Session data is taken where sshd itself moves it: sshd reads the user's screen from the pty
 *    master (or the session's pipes) and writes the user's keystrokes to it. The daemon places
 *    uprobes on the PLT stubs of read/write/open inside the OpenSSH binaries (never inside libc),
 *    so they fire only in processes running those binaries and cost unrelated processes, and the
 *    user's own commands, nothing. A syscall tracepoint on read/write would tax every process on
 *    the machine; per-pid libc uprobes would race with the session's first output.
 *  - Nothing is dropped silently: each failure bumps gap_counts, which the daemon reports as
 *    capture_gap events.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sshtrace.h"

#define S_IFMT 00170000
#define S_IFIFO 0010000
#define S_IFCHR 0020000
#define S_IFSOCK 0140000
#define AF_INET 2
#define AF_INET6 10
#define ECHO_FLAG 0000010
#define ICANON_FLAG 0000002
#define PTMX_RDEV ((5U << 20) | 2U) /* kernel dev_t of /dev/ptmx */
#define TIOCSWINSZ 0x5414

/*
 * Masks a length that is already known to be in range, so the verifier sees the bound too. The
 * empty asm hides the earlier range check from clang, which would otherwise drop the mask and
 * hand the verifier an unbounded copy of the register. The mask is twice the limit: a no-op on
 * every valid length (never the original agent's 4096 -> 0 truncation).
 */
#define VERIFIER_BOUND(v, limit)                  \
	({                                         \
		asm volatile("" : "+r"(v));        \
		(v) &= (limit) * 2 - 1;            \
	})

/* procs value flags */
#define PROC_IGNORED 1 /* the daemon itself and its children: never traced */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * BTF anchors: clang emits BTF only for types reachable from globals, maps and programs. These
 * unused pointers put every record struct into the object's BTF, which records_test.ts compares
 * with the TypeScript decoder.
 */
const struct rec_fork *btf_rec_fork __attribute__((unused));
const struct rec_exec *btf_rec_exec __attribute__((unused));
const struct rec_exit *btf_rec_exit __attribute__((unused));
const struct rec_io *btf_rec_io __attribute__((unused));
const struct rec_open *btf_rec_open __attribute__((unused));
const struct rec_winsize *btf_rec_winsize __attribute__((unused));
const struct gap_count *btf_gap_count __attribute__((unused));

/* Tracked process: which connection it belongs to. */
struct proc_info {
	__u32 conn_tgid;
	__u32 flags;
};

/* A read/write/open between its uprobe and its uretprobe. */
struct pending_call {
	__u64 buf;  /* user buffer or path pointer */
	__u64 ino;
	__s32 fd;
	__s32 tty_index;
	__u32 conn_tgid;
	__u16 kind;
	__u16 echo_off;
	__u32 flags; /* open(2) flags */
	__u32 mode;  /* open(2) mode */
	__u64 start_ktime;
	__u32 fg_pgrp; /* the pty's foreground process group at the call */
	__u32 pad;
};

/*
 * Reads sshd has begun on a session pipe or pty and not finished, by source (see source_key),
 * with a snapshot of the buffer's read position at entry (see read_snapshot). An exit record
 * compares it with the position now: when the read has already taken bytes from the buffer, its
 * record (still to come) carries bytes that the exit's pending count no longer includes, and
 * the fd is flagged. Added at read entry, deleted at return; LRU so a killed reader cannot leak.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u64);
} reads_inflight SEC(".maps");

/* Records to the daemon. Size set by the loader before load (default 16 MiB). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* sshd listener tgids. Added here when a process execs a file named "sshd" outside any session,
 * and by the daemon's /proc scan at start; deleted at exit. Few listeners exist. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u8);
} listeners SEC(".maps");

/* Every process of every SSH connection, by tgid. Added at fork (and by the daemon's /proc scan),
 * deleted at exit. Sized for thousands of concurrent sessions with their commands. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct proc_info);
} procs SEC(".maps");

/* Pipes of scp/sftp sessions, by inode: their bytes are file contents and protocol, not a
 * screen, so they are not copied. The daemon adds them when such a session starts and deletes
 * them when it ends; sized for thousands of concurrent transfers. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, __u8);
} quiet_pipes SEC(".maps");

/* Calls in flight between uprobe and uretprobe, by pid_tgid (one per thread at most).
 * Added at entry, deleted at return; LRU so a thread killed mid-call cannot leak an entry. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct pending_call);
} pending SEC(".maps");

/* Where fds 1 and 2 of a tracked process pointed at its exec: the pipe's inode or the pty's
 * tty_struct (both stay alive while sshd holds the other end). Programs such as coreutils close
 * stdout just before they exit; this lets the exit record still say how much of their output
 * was unread. Added at exec, deleted at exit; one entry per tracked process. */
struct out_target {
	__u64 obj[2];     /* struct inode * (pipe) or struct tty_struct * (pts) */
	__u64 ino[2];
	__u16 kind[2];
	__s32 tty_index[2];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct out_target);
} out_targets SEC(".maps");

/* Staging area for one variable-length record per CPU, indexed by CPU number (the loader sets
 * max_entries to the number of possible CPUs). Not a PERCPU_ARRAY: those cap values at 32 KiB,
 * and a record plus the verifier's mask of a 16 KiB chunk needs more. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u8[SSHTRACE_SCRATCH]);
} scratch SEC(".maps");

/* Lost data per reason (enum gap_reason), per CPU; the daemon sums and reports them. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GAP_REASONS);
	__type(key, __u32);
	__type(value, struct gap_count);
} gap_counts SEC(".maps");

static __always_inline void count_gap(__u32 reason, __u64 bytes)
{
	struct gap_count *g = bpf_map_lookup_elem(&gap_counts, &reason);

	if (g) {
		g->events += 1;
		g->bytes += bytes;
	}
}

static __always_inline void *scratch_buf(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* Sends a staged record; a full ring buffer is counted, never ignored. */
static __always_inline void emit(void *rec, __u64 size, __u64 data_bytes)
{
	if (size > SSHTRACE_SCRATCH)
		return;
	if (bpf_ringbuf_output(&events, rec, size, 0))
		count_gap(GAP_RINGBUF_FULL, data_bytes);
}

static __always_inline void fill_header(struct rec_header *h, __u16 type, __u16 flags, __u32 size)
{
	h->type = type;
	h->flags = flags;
	h->size = size;
	h->ktime = bpf_ktime_get_boot_ns();
}

/* The struct file behind descriptor fd of task t, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *t, __s32 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **arr;
	struct file *f = NULL;

	if (!fdt || fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

/* Sum of the bytes in a pipe's ring, one bpf_loop step per buffer. */
struct pipe_sum {
	struct pipe_buffer *bufs;
	__u32 tail;
	__u32 mask;
	__u32 count;
	__u32 bytes;
};

static long pipe_sum_step(__u64 i, void *ctx)
{
	struct pipe_sum *p = ctx;
	struct pipe_buffer *buf;

	if (i >= p->count)
		return 1;
	buf = p->bufs + ((p->tail + i) & p->mask);
	p->bytes += BPF_CORE_READ(buf, len);
	return 0;
}

/* Bytes written to a pipe and not read yet. */
static __always_inline __u32 pipe_pending(struct inode *inode)
{
	struct pipe_inode_info *pipe = BPF_CORE_READ(inode, i_pipe);
	struct pipe_sum p = {};
	__u32 head;

	if (!pipe)
		return 0;
	head = BPF_CORE_READ(pipe, head);
	p.tail = BPF_CORE_READ(pipe, tail);
	p.mask = BPF_CORE_READ(pipe, ring_size) - 1;
	p.bufs = BPF_CORE_READ(pipe, bufs);
	p.count = head - p.tail;
	bpf_loop(64, pipe_sum_step, &p, 0);
	return p.bytes;
}

/* Sum of the committed, unprocessed bytes of a tty's flip buffers. */
struct flip_sum {
	struct tty_buffer *buf;
	__u32 bytes;
};

static long flip_sum_step(__u64 i, void *ctx)
{
	struct flip_sum *f = ctx;
	struct tty_buffer *b = f->buf;

	if (!b)
		return 1;
	f->bytes += BPF_CORE_READ(b, commit) - BPF_CORE_READ(b, read);
	f->buf = BPF_CORE_READ(b, next);
	return 0;
}

/*
 * Bytes written to a pty slave that sshd has not read from the master yet: still in the master
 * port's flip buffers (before flush_to_ldisc), or in the master's n_tty read buffer. Output
 * processing (ONLCR) happens before, so these are the bytes sshd will read.
 */
/* One step of waiting for a running flush_to_ldisc: stops once buf->lock is free. */
static long flush_wait_step(__u64 i, void *ctx)
{
	struct tty_bufhead *buf = *(struct tty_bufhead **)ctx;

	return BPF_CORE_READ(buf, lock.owner.counter) == 0;
}

static __always_inline __u32 pty_pending(struct tty_struct *slave)
{
	struct tty_struct *master = BPF_CORE_READ(slave, link);
	struct tty_bufhead *bufhead;
	struct n_tty_data *ldata;
	struct flip_sum f = {};
	__u64 head, tail;

	if (!master)
		return 0;
	/*
	 * flush_to_ldisc() moves bytes from the flip buffers into n_tty under buf->lock: it advances
	 * read_head first and the flip buffer's `read` after. Counted in that window, the same bytes
	 * would be counted twice; so wait (a few microseconds at most, bounded) for the lock.
	 */
	bufhead = &BPF_CORE_READ(master, port)->buf;
	bpf_loop(4096, flush_wait_step, &bufhead, 0);
	f.buf = BPF_CORE_READ(bufhead, head);
	bpf_loop(16, flip_sum_step, &f, 0);
	ldata = BPF_CORE_READ(master, disc_data);
	if (!ldata)
		return f.bytes;
	head = BPF_CORE_READ(ldata, read_head);
	tail = BPF_CORE_READ(ldata, read_tail);
	return f.bytes + (head > tail ? head - tail : 0);
}

static __always_inline __u64 source_key(__u16 kind, __u64 ino, __s32 tty_index);

/*
 * Where the reader of a source stands: for a pipe, its tail buffer index and that buffer's
 * offset; for a pty, the master's n_tty read_tail (a running count of bytes read). It moves
 * exactly when sshd takes bytes out.
 */
static __always_inline __u64 read_snapshot(__u16 kind, void *obj)
{
	if (!obj)
		return 0;
	if (kind == FD_PIPE) {
		struct pipe_inode_info *pipe = obj;
		__u32 tail = BPF_CORE_READ(pipe, tail);
		__u32 mask = BPF_CORE_READ(pipe, ring_size) - 1;
		struct pipe_buffer *bufs = BPF_CORE_READ(pipe, bufs);

		return ((__u64)tail << 32) | BPF_CORE_READ(bufs + (tail & mask), offset);
	} else {
		struct tty_struct *master = obj;
		struct n_tty_data *ldata = BPF_CORE_READ(master, disc_data);

		return ldata ? BPF_CORE_READ(ldata, read_tail) : 0;
	}
}

/*
 * Accounts for a read sshd is inside of on this fd's source (`obj`: the pipe_inode_info, or the
 * pty master's tty_struct). Its bytes have left the buffer but its record is still to come. For
 * a pty, n_tty's read_tail counts exactly what it took so far: that is added to `pending`. A pipe
 * has no such counter: FDF_READ_INFLIGHT says the read took bytes (its position moved), and the
 * daemon counts the whole read, whose copy happened under the pipe's lock before this moment.
 */
static __always_inline void mark_inflight(struct fd_ident *fd, void *obj)
{
	__u64 key, *at_entry, now;

	fd->flags &= ~FDF_READ_INFLIGHT;
	if (fd->kind != FD_PIPE && fd->kind != FD_PTS)
		return;
	key = source_key(fd->kind, fd->ino, fd->tty_index);
	at_entry = bpf_map_lookup_elem(&reads_inflight, &key);
	if (!at_entry)
		return;
	now = read_snapshot(fd->kind, obj);
	if (fd->kind == FD_PTS)
		fd->pending += now - *at_entry;
	else if (now != *at_entry)
		fd->flags |= FDF_READ_INFLIGHT;
}

/* One key for both ends of a session source: the pipe's inode, or the pty's number. */
static __always_inline __u64 source_key(__u16 kind, __u64 ino, __s32 tty_index)
{
	if (kind == FD_PIPE)
		return ino;
	return (1ULL << 63) | (__u32)tty_index;
}

/* Fills one fd_ident of task t: kind, identity and the bytes still unread on the other end. */
static __always_inline void ident_fd(struct task_struct *t, __s32 fd, struct fd_ident *out)
{
	struct file *f = fd_file(t, fd);
	struct inode *inode;
	__u32 mode, rdev, major;

	out->ino = 0;
	out->rdev = 0;
	out->kind = FD_OTHER;
	out->flags = 0;
	out->pending = 0;
	out->tty_index = -1;
	if (!f)
		return;
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	rdev = BPF_CORE_READ(inode, i_rdev);
	out->ino = BPF_CORE_READ(inode, i_ino);
	out->rdev = rdev;
	major = rdev >> 20;
	if ((mode & S_IFMT) == S_IFIFO) {
		out->kind = FD_PIPE;
		out->pending = pipe_pending(inode);
		mark_inflight(out, BPF_CORE_READ(inode, i_pipe));
	} else if ((mode & S_IFMT) == S_IFCHR && major >= 136 && major <= 143) {
		struct tty_file_private *priv = BPF_CORE_READ(f, private_data);
		struct tty_struct *tty = BPF_CORE_READ(priv, tty);

		out->kind = FD_PTS;
		out->tty_index = (major - 136) * 256 + (rdev & 0xfffff);
		if (tty) {
			out->pending = pty_pending(tty);
			mark_inflight(out, BPF_CORE_READ(tty, link));
		}
	} else if ((mode & S_IFMT) == S_IFCHR && rdev == PTMX_RDEV) {
		out->kind = FD_PTMX;
	}
}

/* Remembers what fds 1 and 2 write to, for the exit record (see out_targets). */
static __always_inline void remember_out_targets(struct task_struct *t, __u32 tgid,
						 struct fd_ident *fds)
{
	struct out_target o = {};
	int i;

	for (i = 0; i < 2; i++) {
		struct file *f = fd_file(t, i + 1);

		o.kind[i] = fds[i + 1].kind;
		o.ino[i] = fds[i + 1].ino;
		o.tty_index[i] = fds[i + 1].tty_index;
		if (!f)
			continue;
		if (o.kind[i] == FD_PIPE) {
			o.obj[i] = (__u64)BPF_CORE_READ(f, f_inode);
		} else if (o.kind[i] == FD_PTS) {
			struct tty_file_private *priv = BPF_CORE_READ(f, private_data);

			o.obj[i] = (__u64)BPF_CORE_READ(priv, tty);
		}
	}
	bpf_map_update_elem(&out_targets, &tgid, &o, BPF_ANY);
}

/* For an exit record: fills fd 1 or 2 from what it pointed at exec, when it is closed now. */
static __always_inline void recall_out_target(struct out_target *o, int i, struct fd_ident *out)
{
	if (out->kind != FD_OTHER || !o->obj[i])
		return;
	out->kind = o->kind[i];
	out->ino = o->ino[i];
	out->tty_index = o->tty_index[i];
	if (o->kind[i] == FD_PIPE) {
		struct inode *inode = (struct inode *)o->obj[i];

		out->pending = pipe_pending(inode);
		mark_inflight(out, BPF_CORE_READ(inode, i_pipe));
	} else if (o->kind[i] == FD_PTS) {
		struct tty_struct *tty = (struct tty_struct *)o->obj[i];

		out->pending = pty_pending(tty);
		mark_inflight(out, BPF_CORE_READ(tty, link));
	}
}

/*
 * Decides whether a descriptor carries session data. The pty master is recognised by its device
 * number (5:2 for both /dev/ptmx and /dev/pts/ptmx); its pts number and echo state come from the
 * tty_struct that the master file's private data points to (tty->link is the slave side, whose
 * termios the shell and programs like sudo change).
 */
static __always_inline __u16 classify_fd(struct task_struct *t, __s32 fd, __u64 *ino,
					 __s32 *tty_index, __u16 *echo_off)
{
	struct file *f = fd_file(t, fd);
	struct inode *inode;
	__u32 mode;

	*tty_index = -1;
	*echo_off = 0;
	if (!f)
		return FD_OTHER;
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	*ino = BPF_CORE_READ(inode, i_ino);
	if ((mode & S_IFMT) == S_IFIFO)
		return FD_PIPE;
	if ((mode & S_IFMT) == S_IFCHR && BPF_CORE_READ(inode, i_rdev) == PTMX_RDEV) {
		struct tty_file_private *priv = BPF_CORE_READ(f, private_data);
		struct tty_struct *tty = BPF_CORE_READ(priv, tty);

		__u32 lflag = BPF_CORE_READ(tty, link, termios.c_lflag);

		*tty_index = BPF_CORE_READ(tty, index);
		/* Bit 1: echo is off. Bit 0: and line mode is on, as at a password prompt (getpass,
		 * sudo, read -s): nothing typed then leaves the kernel. Readline, vim and less turn
		 * echo off without line mode and echo by themselves; the daemon still drops input
		 * taken with echo off while a known password program runs (sudo's pwfeedback). */
		if (!(lflag & ECHO_FLAG))
			*echo_off = (lflag & ICANON_FLAG) ? 3 : 2;
		return FD_PTMX;
	}
	return FD_OTHER;
}

static __always_inline struct proc_info *traced_proc(__u32 tgid)
{
	struct proc_info *pi = bpf_map_lookup_elem(&procs, &tgid);

	if (!pi || (pi->flags & PROC_IGNORED))
		return NULL;
	return pi;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid;
	__u32 ctgid = child->tgid;
	struct proc_info info = {};
	struct proc_info *pi;
	struct rec_fork r = {};
	__u16 flags = 0;

	if (child->pid != ctgid)
		return 0; /* a new thread, not a new process */
	if (bpf_map_lookup_elem(&listeners, &ptgid)) {
		/* The listener forked: a new connection, keyed by this child (the ptm_pid). */
		info.conn_tgid = ctgid;
		flags = RF_NEW_CONN;
	} else {
		pi = bpf_map_lookup_elem(&procs, &ptgid);
		if (!pi) {
			/* An entry for this pid can only be stale (its process ended while the daemon
			 * was starting): the pid is reused by a process outside any session. */
			bpf_map_delete_elem(&procs, &ctgid);
			return 0;
		}
		info = *pi;
	}
	if (bpf_map_update_elem(&procs, &ctgid, &info, BPF_ANY)) {
		count_gap(GAP_PROCS_FULL, 0);
		return 0;
	}
	if (info.flags & PROC_IGNORED)
		return 0;
	fill_header(&r.h, REC_FORK, flags, sizeof(r));
	r.parent_tgid = ptgid;
	r.child_tgid = ctgid;
	r.conn_tgid = info.conn_tgid;
	r.uid = (__u32)bpf_get_current_uid_gid();
	r.child_start = child->start_boottime;
	emit(&r, sizeof(r), 0);
	return 0;
}

/* True when the NUL-terminated name of length n (NUL included) ends in "/sshd" or is "sshd". */
static __always_inline int is_sshd_name(const char *s, long n)
{
	long i = n - 5; /* index of 's' in "sshd\0" ending */

	if (n < 5 || n > SSHTRACE_PATH_MAX)
		return 0;
	if (i < 0 || i + 4 >= SSHTRACE_SCRATCH)
		return 0;
	if (s[i] != 's' || s[i + 1] != 's' || s[i + 2] != 'h' || s[i + 3] != 'd')
		return 0;
	return i == 0 || s[i - 1] == '/';
}

/* Fills the TCP endpoints when fd 0 of task t is an IPv4/IPv6 socket (sshd's client socket). */
static __always_inline void read_sock(struct task_struct *t, struct sock_ident *out)
{
	struct file *f = fd_file(t, 0);
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	__builtin_memset(out, 0, sizeof(*out));
	if (!f || (BPF_CORE_READ(f, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET) {
		bpf_core_read(out->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(out->remote_addr, 4, &sk->__sk_common.skc_daddr);
	} else if (family == AF_INET6) {
		bpf_core_read(out->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(out->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	} else {
		return;
	}
	out->family = family;
	out->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	out->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* State of the cwd walk, one bpf_loop step per directory level. */
struct cwd_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root;
	struct vfsmount *root_mnt;
	__u32 base; /* where the components start in the scratch buffer */
	__u32 off;  /* bytes written so far */
};

/* One level of the walk; returns 1 to stop. (Fields are copied to locals first: inside
 * BPF_CORE_READ, `w->x` would become a CO-RE relocation against our own struct.) */
static long cwd_step(__u64 index, void *ctx)
{
	struct cwd_walk *w = ctx;
	struct dentry *dentry = w->dentry;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;
	struct dentry *parent;
	__u8 *buf;
	__u32 at;
	long n;

	if (dentry == w->root && vfsmnt == w->root_mnt)
		return 1;
	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt)
			return 1; /* the namespace's root */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = &up->mnt;
		return 0;
	}
	parent = BPF_CORE_READ(dentry, d_parent);
	if (parent == dentry || w->off > SSHTRACE_CWD_MAX - SSHTRACE_NAME_MAX)
		return 1;
	buf = scratch_buf();
	if (!buf)
		return 1;
	at = w->base + w->off;
	/* at < rec_exec + PATH_MAX + CWD_MAX < 8192 (sshtrace.h): the mask keeps it whole. */
	VERIFIER_BOUND(at, 8192);
	n = bpf_probe_read_kernel_str(buf + at, SSHTRACE_NAME_MAX, BPF_CORE_READ(dentry, d_name.name));
	if (n <= 0)
		return 1;
	w->off += n;
	w->dentry = parent;
	return 0;
}

/*
 * Writes the cwd of task t into the scratch buffer at `base` as NUL-terminated components, leaf
 * first, up to the task's own root (a chrooted process gets its chroot-relative path), crossing
 * mount points through mnt_mountpoint. Reading it at exec is what makes it right for commands that
 * end before the daemon could look at /proc. Returns the bytes written.
 */
static __always_inline __u32 write_cwd(struct task_struct *t, __u32 base)
{
	struct fs_struct *fs = BPF_CORE_READ(t, fs);
	struct cwd_walk w = {
		.dentry = BPF_CORE_READ(fs, pwd.dentry),
		.vfsmnt = BPF_CORE_READ(fs, pwd.mnt),
		.root = BPF_CORE_READ(fs, root.dentry),
		.root_mnt = BPF_CORE_READ(fs, root.mnt),
		.base = base,
	};

	w.mnt = container_of(w.vfsmnt, struct mount, mnt);
	bpf_loop(SSHTRACE_CWD_DEPTH, cwd_step, &w, 0);
	return w.off;
}

/*
 * Exec: a tracked process becomes a command (or sshd re-executes itself: 9.x `sshd -R`, 10.x
 * `sshd-session`, `sshd-auth`; the daemon tells them apart by path). Outside any session, an exec
 * of a file named sshd makes a listener. argv is read from the new image's stack, which execve
 * has just written, so the pages are present.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;
	struct proc_info *pi = bpf_map_lookup_elem(&procs, &tgid);
	struct rec_exec *r;
	__u8 *buf;
	long fn_len;
	__u32 cwd_len;
	__u64 arg_start, arg_end, args_full, args_len;
	__u16 flags = 0;
	__u32 conn = 0;
	__u8 one = 1;
	int i;


	if (pi && (pi->flags & PROC_IGNORED))
		return 0;
	buf = scratch_buf();
	if (!buf)
		return 0;
	r = (struct rec_exec *)buf;
	fn_len = bpf_probe_read_kernel_str(buf + sizeof(*r), SSHTRACE_PATH_MAX,
					   BPF_CORE_READ(bprm, filename));
	if (fn_len < 0)
		fn_len = 0;
	if (fn_len > SSHTRACE_PATH_MAX)
		fn_len = SSHTRACE_PATH_MAX;
	if (pi) {
		conn = pi->conn_tgid;
	} else {
		/* Only root runs a real sshd listener: anyone else naming a file sshd is no listener. */
		if (BPF_CORE_READ(p, cred, euid.val) != 0 ||
		    !is_sshd_name((const char *)buf + sizeof(*r), fn_len))
			return 0;
		if (bpf_map_update_elem(&listeners, &tgid, &one, BPF_ANY))
			count_gap(GAP_PROCS_FULL, 0);
		flags |= RF_LISTENER;
	}

	VERIFIER_BOUND(fn_len, SSHTRACE_PATH_MAX);
	cwd_len = write_cwd(p, sizeof(*r) + fn_len);
	VERIFIER_BOUND(cwd_len, SSHTRACE_CWD_MAX);

	arg_start = BPF_CORE_READ(p, mm, arg_start);
	arg_end = BPF_CORE_READ(p, mm, arg_end);
	args_full = arg_end > arg_start ? arg_end - arg_start : 0;
	args_len = args_full;
	if (args_len > SSHTRACE_ARGS_MAX) {
		args_len = SSHTRACE_ARGS_MAX;
		flags |= RF_ARGS_TRUNC;
	}
	VERIFIER_BOUND(args_len, SSHTRACE_ARGS_MAX);
	if (args_len && bpf_probe_read_user(buf + sizeof(*r) + fn_len + cwd_len, args_len,
					    (void *)arg_start)) {
		count_gap(GAP_READ_FAULT, args_len);
		flags |= RF_FAULT;
		args_len = 0;
	}

	r->tgid = tgid;
	r->ppid = BPF_CORE_READ(p, real_parent, tgid);
	r->conn_tgid = conn;
	r->uid = BPF_CORE_READ(p, cred, uid.val);
	r->gid = BPF_CORE_READ(p, cred, gid.val);
	r->tty_index = -1;
	{
		struct tty_struct *tty = BPF_CORE_READ(p, signal, tty);

		if (tty)
			r->tty_index = BPF_CORE_READ(tty, index);
	}
	r->start = p->start_boottime;
	r->exe_ino = BPF_CORE_READ(bprm, file, f_inode, i_ino);
	r->exe_dev = BPF_CORE_READ(bprm, file, f_inode, i_sb, s_dev);
	r->sid = BPF_CORE_READ(p, signal, pids[PIDTYPE_SID], numbers[0].nr);
	r->pgid = BPF_CORE_READ(p, signal, pids[PIDTYPE_PGID], numbers[0].nr);
	r->pad2 = 0;
	r->filename_len = fn_len;
	r->args_len = args_len;
	r->args_full = args_full > 0xffffffff ? 0xffffffff : args_full;
	for (i = 0; i < 3; i++)
		ident_fd(p, i, &r->fds[i]);
	if (pi)
		remember_out_targets(p, tgid, r->fds);
	read_sock(p, &r->sock);
	r->cwd_len = cwd_len;
	{
		__u64 size = sizeof(*r) + fn_len + cwd_len + args_len;

		fill_header(&r->h, REC_EXEC, flags, size);
		emit(r, size, 0);
	}
	return 0;
}

/* Exit of the whole process (group_dead): the status is final here, the process is gone after. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	struct proc_info *pi;
	struct rec_exit r = {};
	__u16 flags = 0;

	/* do_exit() has decremented signal->live before this tracepoint: 0 means the last thread of
	 * the process is leaving. (Newer kernels also pass it as an argument; this works on all.) */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (bpf_map_delete_elem(&listeners, &tgid) == 0) {
		flags = RF_LISTENER;
	} else {
		pi = bpf_map_lookup_elem(&procs, &tgid);
		if (!pi)
			return 0;
		if (pi->flags & PROC_IGNORED) {
			bpf_map_delete_elem(&procs, &tgid);
			return 0;
		}
		r.conn_tgid = pi->conn_tgid;
		bpf_map_delete_elem(&procs, &tgid);
	}
	fill_header(&r.h, REC_EXIT, flags, sizeof(r));
	r.tgid = tgid;
	r.ppid = BPF_CORE_READ(p, real_parent, tgid);
	r.exit_code = BPF_CORE_READ(p, signal, group_exit_code);
	if (!(BPF_CORE_READ(p, signal, flags) & 0x00000004 /* SIGNAL_GROUP_EXIT */))
		r.exit_code = p->exit_code;
	r.start = p->start_boottime;
	r.wchar = BPF_CORE_READ(p, ioac.wchar);
	if (!(flags & RF_LISTENER)) {
		struct out_target *o = bpf_map_lookup_elem(&out_targets, &tgid);

		ident_fd(p, 0, &r.fds[0]);
		ident_fd(p, 1, &r.fds[1]);
		ident_fd(p, 2, &r.fds[2]);
		if (o) {
			recall_out_target(o, 0, &r.fds[1]);
			recall_out_target(o, 1, &r.fds[2]);
			bpf_map_delete_elem(&out_targets, &tgid);
		}
	}
	emit(&r, sizeof(r), 0);
	return 0;
}

/* Remembers a call's arguments until its return, for tracked processes only. */
static __always_inline void save_call(__s32 fd, __u64 buf, int want_fd_kind, __u32 oflags,
				      __u32 omode, int is_read)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct proc_info *pi = traced_proc(id >> 32);
	struct pending_call c = {};
	__u64 key = 0, snap = 0;

	if (!pi)
		return;
	if (want_fd_kind) {
		c.kind = classify_fd(bpf_get_current_task_btf(), fd, &c.ino, &c.tty_index, &c.echo_off);
		if (c.kind == FD_OTHER)
			return;
		if (c.kind == FD_PIPE && bpf_map_lookup_elem(&quiet_pipes, &c.ino))
			return;
	}
	c.buf = buf;
	c.fd = fd;
	c.conn_tgid = pi->conn_tgid;
	c.flags = oflags;
	c.mode = omode;
	c.start_ktime = bpf_ktime_get_boot_ns();
	if (is_read && (c.kind == FD_PIPE || c.kind == FD_PTMX)) {
		struct file *f = fd_file(bpf_get_current_task_btf(), fd);
		void *obj = NULL;

		key = source_key(c.kind == FD_PTMX ? FD_PTS : FD_PIPE, c.ino, c.tty_index);
		if (c.kind == FD_PIPE) {
			obj = BPF_CORE_READ(f, f_inode, i_pipe);
		} else {
			struct tty_file_private *priv = BPF_CORE_READ(f, private_data);

			obj = BPF_CORE_READ(priv, tty); /* the master side */
			c.fg_pgrp = BPF_CORE_READ((struct tty_struct *)obj, link, ctrl.pgrp,
						  numbers[0].nr);
		}
		snap = read_snapshot(c.kind == FD_PTMX ? FD_PTS : FD_PIPE, obj);
	}
	if (bpf_map_update_elem(&pending, &id, &c, BPF_ANY)) {
		count_gap(GAP_PENDING_FULL, 0);
		return;
	}
	if (key)
		bpf_map_update_elem(&reads_inflight, &key, &snap, BPF_ANY);
}

/* Sends the bytes of one completed read or write as rec_io chunks. */
static __always_inline void emit_io(struct pending_call *c, __u16 dir, long total)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u8 *buf = scratch_buf();
	struct rec_io *r;
	__u16 flags = 0;
	__u32 sid;
	int i;

	if (!buf || total <= 0)
		return;
	sid = BPF_CORE_READ(bpf_get_current_task_btf(), signal, pids[PIDTYPE_SID], numbers[0].nr);
	r = (struct rec_io *)buf;
	if (dir == IO_INPUT && (c->echo_off & 2))
		flags |= RF_NO_ECHO;
	if (dir == IO_INPUT && (c->echo_off & 1))
		flags |= RF_ECHO_OFF; /* a password prompt: say input happened, keep no byte of it */
	for (i = 0; i < SSHTRACE_CHUNKS_MAX; i++) {
		__u32 off = i * SSHTRACE_CHUNK_MAX;
		__u32 n;

		if (off >= total)
			break;
		n = total - off;
		if (n > SSHTRACE_CHUNK_MAX)
			n = SSHTRACE_CHUNK_MAX;
		if (flags & RF_ECHO_OFF)
			n = 0;
		r->tgid = tgid;
		r->conn_tgid = c->conn_tgid;
		r->fd = c->fd;
		r->kind = c->kind;
		r->dir = dir;
		r->ino = c->ino;
		r->tty_index = c->tty_index;
		r->total = total;
		r->offset = off;
		r->len = n;
		r->start_ktime = c->start_ktime;
		r->sid = sid;
		r->fg_pgrp = c->fg_pgrp;
		VERIFIER_BOUND(n, SSHTRACE_CHUNK_MAX);
		if (n && bpf_probe_read_user(buf + sizeof(*r), n, (void *)(c->buf + off))) {
			count_gap(GAP_READ_FAULT, n);
			r->len = 0;
			fill_header(&r->h, REC_IO, flags | RF_FAULT, sizeof(*r));
			emit(r, sizeof(*r), n);
			continue;
		}
		fill_header(&r->h, REC_IO, flags, sizeof(*r) + n);
		emit(r, sizeof(*r) + n, n);
		if (flags & RF_ECHO_OFF)
			break;
	}
	if (total > (long)SSHTRACE_CHUNKS_MAX * SSHTRACE_CHUNK_MAX)
		count_gap(GAP_TOO_LARGE, total - (long)SSHTRACE_CHUNKS_MAX * SSHTRACE_CHUNK_MAX);
}

static __always_inline struct pending_call *take_call(__u64 id, struct pending_call *out)
{
	struct pending_call *c = bpf_map_lookup_elem(&pending, &id);

	if (!c)
		return NULL;
	*out = *c;
	bpf_map_delete_elem(&pending, &id);
	return out;
}

SEC("uprobe")
int BPF_KPROBE(handle_read_enter, int fd, void *buf, __u64 count)
{
	save_call(fd, (__u64)buf, 1, 0, 0, 1);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(handle_read_return, long ret)
{
	struct pending_call c;

	if (!take_call(bpf_get_current_pid_tgid(), &c))
		return 0;
	if (ret > 0) {
		emit_io(&c, IO_OUTPUT, ret);
	} else {
		/* EOF or EAGAIN: an empty record still ends the read an exit record may wait for. */
		struct rec_io r = {};

		r.tgid = bpf_get_current_pid_tgid() >> 32;
		r.conn_tgid = c.conn_tgid;
		r.fd = c.fd;
		r.kind = c.kind;
		r.dir = IO_OUTPUT;
		r.ino = c.ino;
		r.tty_index = c.tty_index;
		r.start_ktime = c.start_ktime;
		fill_header(&r.h, REC_IO, 0, sizeof(r));
		emit(&r, sizeof(r), 0);
	}
	{
		__u64 key = source_key(c.kind == FD_PTMX ? FD_PTS : FD_PIPE, c.ino, c.tty_index);

		bpf_map_delete_elem(&reads_inflight, &key);
	}
	return 0;
}

/*
 * sshd writing the user's keystrokes to the pty master. Entry only, with the bytes asked for: a
 * return probe would trap every write sshd makes (each packet to the client), and a keystroke
 * write to the pty is whole in practice (a partial one would repeat bytes sshd retries). Writes
 * into a session's pipes (stdin of a command without a terminal) are not copied.
 */
SEC("uprobe")
int BPF_KPROBE(handle_write_enter, int fd, const void *buf, __u64 count)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct proc_info *pi = traced_proc(id >> 32);
	struct pending_call c = {};

	if (!pi || (long)count <= 0)
		return 0;
	c.kind = classify_fd(bpf_get_current_task_btf(), fd, &c.ino, &c.tty_index, &c.echo_off);
	if (c.kind != FD_PTMX)
		return 0;
	c.buf = (__u64)buf;
	c.fd = fd;
	c.conn_tgid = pi->conn_tgid;
	c.start_ktime = bpf_ktime_get_boot_ns();
	emit_io(&c, IO_INPUT, count);
	return 0;
}

/* open(2) in scp, sftp-server and sshd (internal-sftp): the daemon turns it into a transfer. */
SEC("uprobe")
int BPF_KPROBE(handle_open_enter, const char *path, int oflags, __u32 mode)
{
	save_call(-1, (__u64)path, 0, oflags, mode, 0);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(handle_open_return, long ret)
{
	struct pending_call c;
	struct rec_open *r;
	__u8 *buf;
	__u32 cwd_len;
	long n;

	if (!take_call(bpf_get_current_pid_tgid(), &c))
		return 0;
	buf = scratch_buf();
	if (!buf)
		return 0;
	r = (struct rec_open *)buf;
	n = bpf_probe_read_user_str(buf + sizeof(*r), SSHTRACE_PATH_MAX, (void *)c.buf);
	if (n < 0) {
		count_gap(GAP_READ_FAULT, 0);
		n = 0;
	}
	if (n > SSHTRACE_PATH_MAX)
		n = SSHTRACE_PATH_MAX;
	VERIFIER_BOUND(n, SSHTRACE_PATH_MAX);
	r->tgid = bpf_get_current_pid_tgid() >> 32;
	r->conn_tgid = c.conn_tgid;
	r->ret = ret;
	r->flags = c.flags;
	r->mode = c.mode;
	r->path_len = n;
	r->i_mode = 0;
	if (ret >= 0) {
		struct file *f = fd_file(bpf_get_current_task_btf(), ret);

		if (f)
			r->i_mode = BPF_CORE_READ(f, f_inode, i_mode);
	}
	cwd_len = write_cwd(bpf_get_current_task_btf(), sizeof(*r) + n);
	VERIFIER_BOUND(cwd_len, SSHTRACE_CWD_MAX);
	r->cwd_len = cwd_len;
	fill_header(&r->h, REC_OPEN, 0, sizeof(*r) + n + cwd_len);
	emit(r, sizeof(*r) + n + cwd_len, 0);
	return 0;
}

/* ioctl(2) in sshd: TIOCSWINSZ on a session's pty master gives the terminal's size. Entry only:
 * the size is in the caller's struct winsize, and sshd's ioctls are rare. */
SEC("uprobe")
int BPF_KPROBE(handle_ioctl_enter, int fd, unsigned long request, void *arg)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct proc_info *pi;
	struct rec_winsize r = {};
	__u16 ws[2] = {};
	__u16 echo_off;
	__u64 ino;

	if (request != TIOCSWINSZ)
		return 0;
	pi = traced_proc(id >> 32);
	if (!pi)
		return 0;
	if (classify_fd(bpf_get_current_task_btf(), fd, &ino, &r.tty_index, &echo_off) != FD_PTMX)
		return 0;
	if (bpf_probe_read_user(ws, sizeof(ws), arg)) {
		count_gap(GAP_READ_FAULT, 0);
		return 0;
	}
	fill_header(&r.h, REC_WINSIZE, 0, sizeof(r));
	r.tgid = id >> 32;
	r.conn_tgid = pi->conn_tgid;
	r.rows = ws[0];
	r.columns = ws[1];
	emit(&r, sizeof(r), 0);
	return 0;
}
