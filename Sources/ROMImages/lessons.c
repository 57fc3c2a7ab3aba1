#include "LessonImages.h"

// One ROM and one walk-through per lesson; they rebuild when the files change.
static const unsigned char rom01[] = {
#embed "../../testroms/lessons/01-protected-mode.bin"
};
static const char dbg01[] = {
#embed "../../testroms/lessons/01-protected-mode.dbg" suffix(, 0)
};
static const unsigned char rom02[] = {
#embed "../../testroms/lessons/02-descriptors.bin"
};
static const char dbg02[] = {
#embed "../../testroms/lessons/02-descriptors.dbg" suffix(, 0)
};
static const unsigned char rom03[] = {
#embed "../../testroms/lessons/03-privilege-data.bin"
};
static const char dbg03[] = {
#embed "../../testroms/lessons/03-privilege-data.dbg" suffix(, 0)
};
static const unsigned char rom04[] = {
#embed "../../testroms/lessons/04-conforming-code.bin"
};
static const char dbg04[] = {
#embed "../../testroms/lessons/04-conforming-code.dbg" suffix(, 0)
};
static const unsigned char rom05[] = {
#embed "../../testroms/lessons/05-call-gates.bin"
};
static const char dbg05[] = {
#embed "../../testroms/lessons/05-call-gates.dbg" suffix(, 0)
};
static const unsigned char rom06[] = {
#embed "../../testroms/lessons/06-interrupts.bin"
};
static const char dbg06[] = {
#embed "../../testroms/lessons/06-interrupts.dbg" suffix(, 0)
};
static const unsigned char rom07[] = {
#embed "../../testroms/lessons/07-io-permission.bin"
};
static const char dbg07[] = {
#embed "../../testroms/lessons/07-io-permission.dbg" suffix(, 0)
};
static const unsigned char rom08[] = {
#embed "../../testroms/lessons/08-paging.bin"
};
static const char dbg08[] = {
#embed "../../testroms/lessons/08-paging.dbg" suffix(, 0)
};
static const unsigned char rom09[] = {
#embed "../../testroms/lessons/09-tasks.bin"
};
static const char dbg09[] = {
#embed "../../testroms/lessons/09-tasks.dbg" suffix(, 0)
};
static const unsigned char rom10[] = {
#embed "../../testroms/lessons/10-virtualization.bin"
};
static const char dbg10[] = {
#embed "../../testroms/lessons/10-virtualization.dbg" suffix(, 0)
};

static const struct { const unsigned char *rom; size_t size; const char *script; } lessons[] = {
    { rom01, sizeof rom01, dbg01 },
    { rom02, sizeof rom02, dbg02 },
    { rom03, sizeof rom03, dbg03 },
    { rom04, sizeof rom04, dbg04 },
    { rom05, sizeof rom05, dbg05 },
    { rom06, sizeof rom06, dbg06 },
    { rom07, sizeof rom07, dbg07 },
    { rom08, sizeof rom08, dbg08 },
    { rom09, sizeof rom09, dbg09 },
    { rom10, sizeof rom10, dbg10 },
};

int pcemu_lesson_count(void) { return (int)(sizeof lessons / sizeof lessons[0]); }

const unsigned char *pcemu_lesson_rom(int number, size_t *size) {
    if (number < 1 || number > pcemu_lesson_count()) return NULL;
    if (size) *size = lessons[number - 1].size;
    return lessons[number - 1].rom;
}

const char *pcemu_lesson_script(int number) {
    if (number < 1 || number > pcemu_lesson_count()) return NULL;
    return lessons[number - 1].script;
}
