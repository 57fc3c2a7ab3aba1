#include "ROMImages.h"

static const unsigned char demo_rom[] = {
#embed "../../testroms/demo.bin"
};

static const unsigned char bench_realmode_rom[] = {
#embed "../../testroms/bench-realmode.bin"
};

const unsigned char *pcemu_demo_rom(void) { return demo_rom; }
size_t pcemu_demo_rom_size(void) { return sizeof demo_rom; }
const unsigned char *pcemu_bench_realmode_rom(void) { return bench_realmode_rom; }
size_t pcemu_bench_realmode_rom_size(void) { return sizeof bench_realmode_rom; }
