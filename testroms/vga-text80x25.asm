; =============================================================================
; vga-text80x25: golden frame of VGA text mode 80x25 (9x16 cells, 720x400) with a
; custom font, set through the registers alone.  A 64 KiB system ROM:
;     pcemu --bios testroms/vga-text80x25.bin
; What it does and draws: see vga-text.inc.  The cursor is at row 12, column 10
; (location 970 = 3CAh), scan lines 13-14 (the mode table's CR0A/CR0B).
; Checked by Tests/DisplayTests/VGAROMGoldenTests.swift against
; Tests/DisplayTests/Golden/text80x25.png and .txt.
;
; Build:  nasm -f bin -o vga-text80x25.bin vga-text80x25.asm   (or testroms/build.sh)
; =============================================================================

ROWS            equ     25
FONT_HEIGHT     equ     16
CURSOR          equ     970
%define MODE_TABLE      vga_mode03
%define ROM_NAME        "vga-text80x25"
%define TITLE           "pcemu VGA golden: 25 rows"

%include "vga-text.inc"
