/**
 * Finds the PLT stubs through which an ELF x86-64 executable calls libc functions, as file
 * offsets for uprobes. Probing the stub inside the OpenSSH binary (not libc itself) makes the
 * probe fire only in processes running that binary.
 */

const R_X86_64_GLOB_DAT = 6;
const R_X86_64_JUMP_SLOT = 7;
const SHT_RELA = 4;
const PT_LOAD = 1;
const STUB_SECTIONS = new Set([".plt", ".plt.sec", ".plt.got"]);

/** Raised for a file that is not a little-endian ELF64 x86-64 executable. */
export class ElfError extends SyntaxError {}

interface Section {
  name: string;
  type: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
}

function cString(bytes: Uint8Array, at: number): string {
  let end = at;
  while (end < bytes.length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(at, end));
}

function sections(bytes: Uint8Array, v: DataView): Section[] {
  const shoff = Number(v.getBigUint64(40, true));
  const shentsize = v.getUint16(58, true);
  const shnum = v.getUint16(60, true);
  const shstrndx = v.getUint16(62, true);
  if (shoff === 0 || shentsize < 64 || shoff + shnum * shentsize > bytes.length) {
    throw new ElfError("Cannot read ELF sections: no valid section table");
  }
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push({
      nameOff: v.getUint32(o, true),
      type: v.getUint32(o + 4, true),
      addr: Number(v.getBigUint64(o + 16, true)),
      offset: Number(v.getBigUint64(o + 24, true)),
      size: Number(v.getBigUint64(o + 32, true)),
      link: v.getUint32(o + 40, true),
    });
  }
  const strtab = raw[shstrndx];
  if (!strtab) throw new ElfError("Cannot read ELF sections: no section name table");
  return raw.map((s) => ({ ...s, name: cString(bytes, strtab.offset + s.nameOff) }));
}

/** Maps a virtual address to its file offset through the PT_LOAD segments. */
function fileOffset(v: DataView, vaddr: number): number {
  const phoff = Number(v.getBigUint64(32, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    if (v.getUint32(o, true) !== PT_LOAD) continue;
    const off = Number(v.getBigUint64(o + 8, true));
    const va = Number(v.getBigUint64(o + 16, true));
    const filesz = Number(v.getBigUint64(o + 32, true));
    if (vaddr >= va && vaddr < va + filesz) return vaddr - va + off;
  }
  throw new ElfError(`Cannot map address 0x${vaddr.toString(16)} to a file offset`);
}

/** GOT slot address of each wanted dynamic symbol, from .rela.dyn and .rela.plt. */
function gotSlots(bytes: Uint8Array, v: DataView, secs: Section[], wanted: Set<string>) {
  const slots = new Map<number, string>();
  for (const rela of secs.filter((s) => s.type === SHT_RELA)) {
    const symtab = secs[rela.link];
    const strtab = symtab ? secs[symtab.link] : undefined;
    if (!symtab || !strtab) continue;
    for (let o = rela.offset; o + 24 <= rela.offset + rela.size; o += 24) {
      const info = v.getBigUint64(o + 8, true);
      const type = Number(info & 0xffffffffn);
      if (type !== R_X86_64_GLOB_DAT && type !== R_X86_64_JUMP_SLOT) continue;
      const sym = Number(info >> 32n);
      const name = cString(bytes, strtab.offset + v.getUint32(symtab.offset + sym * 24, true));
      if (wanted.has(name)) slots.set(Number(v.getBigUint64(o, true)), name);
    }
  }
  return slots;
}

/**
 * Returns the file offset of the PLT stub of each wanted function the binary imports, e.g.
 * `{ read: 0xed10 }`. A function called without a stub (-fno-plt) is absent from the result.
 * @throws {ElfError} when the file is not ELF64 x86-64.
 */
export function findPltStubs(bytes: Uint8Array, names: string[]): Record<string, number> {
  try {
    return parse(bytes, names);
  } catch (error) {
    if (error instanceof RangeError) {
      throw new ElfError("Cannot parse ELF: a table points past the end of the file", {
        cause: error,
      });
    }
    throw error;
  }
}

function parse(bytes: Uint8Array, names: string[]): Record<string, number> {
  if (
    bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) throw new ElfError("Cannot parse ELF: bad magic");
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[4] !== 2 || bytes[5] !== 1 || v.getUint16(18, true) !== 62) {
    throw new ElfError("Cannot parse ELF: not a little-endian ELF64 x86-64 file");
  }
  const secs = sections(bytes, v);
  const slots = gotSlots(bytes, v, secs, new Set(names));
  const found: Record<string, number> = {};
  for (const sec of secs.filter((s) => STUB_SECTIONS.has(s.name))) {
    const end = Math.min(sec.offset + sec.size, bytes.length) - 6;
    for (let o = sec.offset; o <= end; o++) {
      if (bytes[o] !== 0xff || bytes[o + 1] !== 0x25) continue; // jmp *disp32(%rip)
      const insnAddr = sec.addr + (o - sec.offset);
      const target = insnAddr + 6 + v.getInt32(o + 2, true);
      const name = slots.get(target);
      if (name === undefined || name in found) continue;
      const start = bytes[o - 1] === 0xf2 ? insnAddr - 1 : insnAddr; // keep a bnd prefix
      found[name] = fileOffset(v, start);
    }
  }
  return found;
}
