; =============================================================================
; vga-text80x50: golden frame of VGA text mode 80x50 (9x8 cells, 720x400) with a
; custom font, set through the registers alone.  A 64 KiB system ROM:
;     pcemu --bios testroms/vga-text80x50.bin
; What it does and draws: see vga-text.inc.  The cursor is at row 0, column 0,
; scan lines 6-7 (CR0A = 06h, CR0B = 07h in the 80x50 table).
; Checked by Tests/DisplayTests/VGAROMGoldenTests.swift against
; Tests/DisplayTests/Golden/text80x50.png and .txt.
;
; Build:  nasm -f bin -o vga-text80x50.bin vga-text80x50.asm   (or testroms/build.sh)
; =============================================================================

ROWS            equ     50
FONT_HEIGHT     equ     8
CURSOR          equ     0
%define MODE_TABLE      vga_mode03x50
%define ROM_NAME        "vga-text80x50"
%define TITLE           "pcemu VGA golden: 50 rows"

%include "vga-text.inc"
