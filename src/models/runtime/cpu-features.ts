/**
 * CPU facts the int8 path depends on, read once from /proc/cpuinfo (Linux). Elsewhere the
 * answers are the safe ones (no VNNI), which costs precision, never correctness.
 */
import { readFileSync } from 'node:fs';

let vnni: boolean | undefined;

/** True when the CPU multiplies int8 with VNNI (AVX-512 VNNI or AVX-VNNI), so 8-bit weights cannot saturate. */
export function cpuHasVnni(): boolean {
  if (vnni === undefined) {
    try {
      const flags =
        readFileSync('/proc/cpuinfo', 'utf8')
          .match(/^flags\s*:(.*)$/m)?.[1]
          .split(/\s+/) ?? [];
      vnni = flags.includes('avx512_vnni') || flags.includes('avx_vnni');
    } catch {
      vnni = false;
    }
  }
  return vnni;
}
