#ifndef PCEMU_ROM_IMAGES_H
#define PCEMU_ROM_IMAGES_H
#include <stddef.h>

/// The project's own ROM images, assembled from testroms/ and bios/ and embedded
/// into the executable with C23 #embed (they rebuild when the .bin changes).
const unsigned char *pcemu_bios_rom(void);
size_t pcemu_bios_rom_size(void);
const unsigned char *pcemu_demo_rom(void);
size_t pcemu_demo_rom_size(void);
const unsigned char *pcemu_bench_realmode_rom(void);
size_t pcemu_bench_realmode_rom_size(void);

const unsigned char *pcemu_bench_pm32_rom(void);
size_t pcemu_bench_pm32_rom_size(void);
const unsigned char *pcemu_bench_rings_rom(void);
size_t pcemu_bench_rings_rom_size(void);

#include "LessonImages.h"   /* the lessons (testroms/lessons) */

#endif
