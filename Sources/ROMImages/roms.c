#include "ROMImages.h"

static const unsigned char bios_rom[] = {
#embed "../../bios/bios.bin"
};

const unsigned char *pcemu_bios_rom(void) { return bios_rom; }
size_t pcemu_bios_rom_size(void) { return sizeof bios_rom; }

static const unsigned char demo_rom[] = {
#embed "../../testroms/demo.bin"
};

static const unsigned char bench_realmode_rom[] = {
#embed "../../testroms/bench-realmode.bin"
};

static const unsigned char bench_pm32_rom[] = {
#embed "../../testroms/bench-pm32.bin"
};

static const unsigned char bench_rings_rom[] = {
#embed "../../testroms/bench-rings.bin"
};

const unsigned char *pcemu_bench_pm32_rom(void) { return bench_pm32_rom; }
size_t pcemu_bench_pm32_rom_size(void) { return sizeof bench_pm32_rom; }
const unsigned char *pcemu_bench_rings_rom(void) { return bench_rings_rom; }
size_t pcemu_bench_rings_rom_size(void) { return sizeof bench_rings_rom; }
const unsigned char *pcemu_demo_rom(void) { return demo_rom; }
size_t pcemu_demo_rom_size(void) { return sizeof demo_rom; }
const unsigned char *pcemu_bench_realmode_rom(void) { return bench_realmode_rom; }
size_t pcemu_bench_realmode_rom_size(void) { return sizeof bench_realmode_rom; }
