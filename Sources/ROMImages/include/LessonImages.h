#ifndef PCEMU_LESSON_IMAGES_H
#define PCEMU_LESSON_IMAGES_H
#include <stddef.h>

/// The lessons of testroms/lessons (docs/lessons): ROM image and walk-through script of
/// lesson `number` (1...pcemu_lesson_count()), embedded with C23 #embed. NULL for a number
/// out of range. The script is a zero-terminated string in the debugger's command language.
int pcemu_lesson_count(void);
const unsigned char *pcemu_lesson_rom(int number, size_t *size);
const char *pcemu_lesson_script(int number);

#endif
