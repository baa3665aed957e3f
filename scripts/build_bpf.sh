#!/usr/bin/env bash
# Builds the CO-RE BPF object build/sshtrace.bpf.o from bpf/sshtrace.bpf.c.
# vmlinux.h is generated from this machine's kernel BTF; CO-RE relocations make the object
# load on other BTF kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build
if [ ! -s bpf/vmlinux.h ]; then
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > bpf/vmlinux.h.tmp
  mv bpf/vmlinux.h.tmp bpf/vmlinux.h
fi
out=build/sshtrace.bpf.o
if [ -f "$out" ] && [ "$out" -nt bpf/sshtrace.bpf.c ] && [ "$out" -nt bpf/sshtrace.h ]; then
  exit 0
fi
clang -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 -I bpf -c bpf/sshtrace.bpf.c -o "$out.tmp"
llvm-strip -g "$out.tmp"
mv "$out.tmp" "$out"
